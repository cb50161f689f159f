"""The risk engine's sweep on the seed example: margin calls once per episode, liquidation exactly once."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from risk import selectors as risk_selectors
from risk.models import AccountRisk, Liquidation, MarginCall, MarginSnapshot
from risk.services import sweep as sweep_service
from risk.services.sweep import sweep_all
from tests.helpers import amounts, assert_ledger_clean
from trading.models import Asset, PlatformSettings, SystemAccount
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


def test_a_one_pair_sweep_holds_each_account_to_its_own_margin_call_line(binance_profile, seed, set_prices):
    """binance-2025: A's 5x cross account calls at 1.16, B's 5x isolated accounts at 1.19, and the
    profile's highest line (3x cross) is 1.3. ETH at 190 puts both A (1.21875) and B's ETH account
    (1.1875) under 1.3, but only B's ETH account under its own line."""
    a, b_eth, b_bch = seed
    sweep_all()
    eth = Asset.objects.get(code="ETH")
    set_prices(ETHUSDT=190)
    result = sweep_all(assets=[eth.pk])
    assert (result.margin_calls, result.liquidations) == ([b_eth.pk], [])
    assert (status(a), status(b_eth), status(b_bch)) == ("NORMAL", "MARGIN_CALL", "NORMAL")

    # ETH back at 200: the one-pair sweep sees B's ETH account recover.
    set_prices(ETHUSDT=200)
    result = sweep_all(assets=[eth.pk])
    assert (result.status_changes, result.margin_calls) == (1, [])
    assert status(b_eth) == "NORMAL"
    assert MarginSnapshot.objects.filter(account=b_eth, reason="status_change").count() == 2

    # A new episode, then on from margin call to liquidation (1.125 <= 1.15); A (1.1875) stays NORMAL.
    set_prices(ETHUSDT=190)
    assert sweep_all(assets=[eth.pk]).margin_calls == [b_eth.pk]
    set_prices(ETHUSDT=180)
    result = sweep_all(assets=[eth.pk])
    assert (result.margin_calls, result.liquidations) == ([], [b_eth.pk])
    assert (status(a), status(b_eth), status(b_bch)) == ("NORMAL", "NORMAL", "NORMAL")
    assert amounts(b_eth, "ETH") == (0, 0, 0, 0)
    assert_ledger_clean()


def test_a_one_pair_sweep_leaves_the_periodic_work_to_the_full_sweep(seed, set_prices):
    """A tick acts on status changes; interval snapshots and the 24-hour repeat of a margin call are
    the full sweep's (beat runs one every minute)."""
    a, b_eth, b_bch = seed
    sweep_all()
    set_prices(ETHUSDT=230, BCHUSDT=170)
    assert sweep_all().margin_calls == [b_bch.pk]
    bch = Asset.objects.get(code="BCH")
    later = timezone.now() + timedelta(hours=25)
    tick = sweep_all(assets=[bch.pk], now=later)
    assert (tick.checked, tick.margin_calls, tick.snapshots) == (0, [], 0)
    full = sweep_all(now=later)
    assert (full.margin_calls, full.snapshots) == ([b_bch.pk], 3)
    assert status(b_bch) == "MARGIN_CALL"


def test_margin_calls_raced_by_another_sweep_are_claimed_one_by_one(seed, set_prices):
    """Three accounts enter margin call together; another sweep already called one of them: the
    claim of all three in one statement is rolled back and the other two are claimed one by one."""
    a, b_eth, b_bch = seed
    sweep_all()
    set_prices(ETHUSDT=170, BCHUSDT=170)  # every level 1.0625
    now = timezone.now()
    inputs = risk_selectors.valuation_inputs(profile_id=PlatformSettings.objects.get().risk_profile_id)
    rows = risk_selectors.accounts_needing_attention(inputs=inputs, now=now, snapshot_before=now)
    assert sorted(row.account_id for row in rows) == sorted([a.pk, b_eth.pk, b_bch.pk])
    AccountRisk.objects.filter(account=b_eth).update(margin_call_at=now)  # the other sweep's claim

    called = sweep_service._margin_calls(rows, PlatformSettings.objects.get(), now)

    assert sorted(called) == sorted([a.pk, b_bch.pk])
    assert sorted(MarginCall.objects.values_list("account_id", flat=True)) == sorted([a.pk, b_bch.pk])
    assert Notification.objects.filter(kind="margin_call").count() == 2
