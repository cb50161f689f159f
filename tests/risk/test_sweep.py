"""The risk engine's sweep on the seed example: margin calls once per episode, liquidation exactly once."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from risk.models import AccountRisk, Liquidation, MarginCall, MarginSnapshot
from risk.services import sweep_all
from tests.helpers import amounts, assert_ledger_clean
from trading.models import Asset, SystemAccount
from trading.services.ledger import system_balance


@pytest.fixture
def emails(alice, bob):
    for user in (alice, bob):
        user.email = f"{user.username}@example.com"
        user.save()


def insurance_fund():
    return system_balance(SystemAccount.INSURANCE_FUND, Asset.objects.get(code="USDT")).free


def status(account):
    return AccountRisk.objects.get(account=account).status


def test_day_n_everything_is_normal(seed):
    a, b_eth, b_bch = seed
    result = sweep_all()
    assert (result.margin_calls, result.liquidations) == ([], [])
    assert [status(x) for x in seed] == ["NORMAL"] * 3
    # The first look at an account with debt leaves an interval snapshot.
    assert MarginSnapshot.objects.filter(reason="interval").count() == 3


def test_day_n_plus_2_margin_call_on_b_bch_once_per_episode(
    seed, set_prices, emails, django_capture_on_commit_callbacks
):
    a, b_eth, b_bch = seed
    sweep_all()
    set_prices(ETHUSDT=230, BCHUSDT=170)
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_all()
    assert (result.margin_calls, result.liquidations) == ([b_bch.pk], [])
    call = MarginCall.objects.get()
    assert (call.account_id, call.margin_level, call.margin_call_ratio, call.profile) == (
        b_bch.pk,
        D("1.0625"),
        D("1.1"),
        "classic",
    )
    note = Notification.objects.get()
    assert (note.user.username, note.kind, note.account_ref) == ("bob", "margin_call", b_bch.pk)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["bob@example.com"]
    assert (status(a), status(b_eth), status(b_bch)) == ("NORMAL", "NORMAL", "MARGIN_CALL")
    assert MarginSnapshot.objects.filter(account=b_bch, reason="status_change", status="MARGIN_CALL").count() == 1

    # The same episode: no second call ...
    assert sweep_all().margin_calls == []
    # ... until 24 hours have passed while it lasts.
    assert sweep_all(now=timezone.now() + timedelta(hours=24, minutes=1)).margin_calls == [b_bch.pk]


def test_day_n_plus_5_liquidates_b_bch_and_calls_a(seed, set_prices, emails):
    a, b_eth, b_bch = seed
    sweep_all()
    set_prices(ETHUSDT=230, BCHUSDT=170)
    sweep_all()
    fund_before = insurance_fund()
    eth_before = [amounts(b_eth, asset) for asset in ("USDT", "ETH")]
    set_prices(ETHUSDT=220, BCHUSDT=120)
    result = sweep_all()
    assert result.liquidations == [b_bch.pk]
    assert result.margin_calls == [a.pk]
    # B's BCH account: assets 0, debt 0; the 200 USDT it could not cover came from the insurance fund.
    assert amounts(b_bch, "BCH") == (0, 0, 0, 0)
    assert amounts(b_bch, "USDT") == (0, 0, 0, 0)
    liquidation = Liquidation.objects.get()
    assert (liquidation.margin_level, liquidation.liquidation_ratio, liquidation.profile) == (
        D("0.75"),
        D("1.05"),
        "classic",
    )
    assert (liquidation.value_liquidated, liquidation.shortfall, liquidation.fee) == (D(600), D(200), 0)
    assert liquidation.prices["BCH"] == "120.00000000"
    assert liquidation.balances_before == {
        "BCH": {"free": "5.00000000", "locked": "0E-8", "borrowed": "0E-8", "interest": "0E-8"},
        "USDT": {"free": "0E-8", "locked": "0E-8", "borrowed": "800.00000000", "interest": "0E-8"},
    }
    assert liquidation.balances_after == {}
    assert insurance_fund() == fund_before - 200
    # Nothing else touched.
    assert [amounts(b_eth, asset) for asset in ("USDT", "ETH")] == eth_before
    assert amounts(a, "USDT") == (0, 0, D(1600), 0)
    assert (status(a), status(b_eth), status(b_bch)) == ("MARGIN_CALL", "NORMAL", "NORMAL")
    assert Notification.objects.filter(kind="liquidation", user__username="bob").count() == 1
    assert_ledger_clean()

    # A second sweep on the same prices liquidates nothing twice.
    again = sweep_all()
    assert (again.liquidations, again.margin_calls) == ([], [])
    assert Liquidation.objects.count() == 1
    assert_ledger_clean()


def test_a_one_pair_sweep_looks_only_at_accounts_exposed_to_it(seed, set_prices):
    a, b_eth, b_bch = seed
    sweep_all()
    set_prices(ETHUSDT=220, BCHUSDT=120)
    eth, bch = Asset.objects.get(code="ETH"), Asset.objects.get(code="BCH")
    # Only ETH "moved": B's BCH account holds no ETH and is not looked at, A's cross account is.
    assert sweep_all(assets=[eth.pk]).margin_calls == [a.pk]
    assert not Liquidation.objects.exists()
    assert sweep_all(assets=[bch.pk]).liquidations == [b_bch.pk]
