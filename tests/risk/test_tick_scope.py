"""What a tick values: the watched accounts and those the ledger changed, while the baseline holds.

With a watch factor of 1.1, the classic 1.1 margin-call line puts the watch line at 1.21, so the seed's
accounts (all at 1.25 on day N) are not watched after the day-N full sweep.
"""

from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from risk.models import AccountRisk, MarginCall, SweepBaseline
from risk.services.sweep import sweep_all
from risk.services.tick import tick_run
from trading import margin, selectors
from trading.models import Account, Asset, Balance, JournalEntry, Pair, PlatformSettings, RiskProfile, SystemAccount
from trading.services.ledger import Posting, ledger_post, system_balance
from trading.services.markets import mark_price_set

PRICE_FACTORS = [D("0.8"), D("0.9"), D("0.95"), D("0.98"), D("1.02"), D("1.05"), D("1.1"), D("1.25")]


@pytest.fixture
def unwatched(settings, seed):
    settings.MARGINLAB_WATCH_FACTOR = D("1.1")
    # The seed's own entries are seconds old: without a grace they are not "changed since the baseline".
    settings.MARGINLAB_LEDGER_GRACE_SECONDS = 0
    sweep_all()
    assert not AccountRisk.objects.filter(watched=True).exists()
    return seed


def eth_sweep():
    return sweep_all(assets=[Asset.objects.get(code="ETH").pk])


def test_a_full_sweep_records_its_baseline_and_watches_accounts_near_the_line(seed, set_prices):
    a, b_eth, b_bch = seed
    # Under the watch line 1.1 x 1.25 = 1.375: A (2050 / 1600 = 1.28125) and B's ETH account (1.125);
    # B's BCH account (1.4375) is above it.
    set_prices(ETHUSDT=180, BCHUSDT=230)
    sweep_all()
    assert set(AccountRisk.objects.filter(watched=True).values_list("account_id", flat=True)) == {a.pk, b_eth.pk}
    baseline = SweepBaseline.objects.get()
    assert baseline.first_account <= min(a.pk, b_eth.pk, b_bch.pk)
    assert baseline.last_account >= max(a.pk, b_eth.pk, b_bch.pk)
    assert baseline.prices[str(Asset.objects.get(code="ETH").pk)] == "180.00000000"
    assert baseline.margin_call == D("1.1")


def test_while_the_baseline_holds_a_tick_skips_unwatched_accounts_the_ledger_did_not_touch(unwatched, set_prices):
    """Balances changed behind the ledger's back (never done by the platform) show what a tick skips:
    B's ETH account, unwatched, falls to 1.08 and only the full sweep sees it."""
    a, b_eth, b_bch = unwatched
    Balance.objects.filter(account=b_eth, asset__code="ETH").update(free=D("4.32"))
    set_prices(ETHUSDT="199.99")
    assert eth_sweep().margin_calls == []
    assert sweep_all().margin_calls == [b_eth.pk]


def test_a_tick_values_the_accounts_the_ledger_changed_since_the_baseline(unwatched, set_prices):
    a, b_eth, b_bch = unwatched
    eth = Asset.objects.get(code="ETH")
    with transaction.atomic():  # 0.68 ETH out of B's ETH account: 4.32 ETH, level 1.08
        posting = Posting()
        balance = Balance.objects.get(account=b_eth, asset=eth)
        posting.move(balance, system_balance(SystemAccount.FEES, eth), D("0.68"))
        ledger_post(kind=JournalEntry.Kind.TRADE, posting=posting, account=b_eth)
    set_prices(ETHUSDT="199.99")
    assert eth_sweep().margin_calls == [b_eth.pk]


def test_a_move_beyond_the_watch_factor_makes_a_tick_value_every_exposed_account(unwatched, set_prices):
    a, b_eth, b_bch = unwatched
    set_prices(ETHUSDT=170)  # 0.85 x 1.1 < 1: B's ETH account (1.0625) may be anywhere
    assert eth_sweep().margin_calls == [b_eth.pk]
    assert MarginCall.objects.get().account_id == b_eth.pk


def test_a_higher_margin_call_line_makes_a_tick_value_every_exposed_account(unwatched, platform, set_prices):
    """binance-2025's highest line (1.3) is above the classic one the baseline watched against; its
    5x isolated line is 1.19, which B's ETH account (1.1875) is under at ETH 190."""
    a, b_eth, b_bch = unwatched
    platform.risk_profile = RiskProfile.objects.get(name="binance-2025")
    platform.save()
    set_prices(ETHUSDT=190)
    assert eth_sweep().margin_calls == [b_eth.pk]


def test_accounts_beyond_the_baseline_are_valued(unwatched, set_prices):
    """A chunk's baseline covers the account ids it swept; a newer account is outside every one."""
    a, b_eth, b_bch = unwatched
    SweepBaseline.objects.update(last_account=b_eth.pk - 1)
    Balance.objects.filter(account=b_eth, asset__code="ETH").update(free=D("4.32"))
    set_prices(ETHUSDT="199.99")
    assert eth_sweep().margin_calls == [b_eth.pk]


def test_a_raised_margin_call_line_makes_a_tick_value_every_exposed_account(unwatched, platform, set_prices):
    """Staff raise the classic 5x isolated line to 1.2: B's ETH account (1.1875 at ETH 190) is under it."""
    a, b_eth, b_bch = unwatched
    platform.risk_profile.tiers.filter(kind="isolated", leverage=5).update(margin_call=D("1.2"))
    set_prices(ETHUSDT=190)
    assert eth_sweep().margin_calls == [b_eth.pk]


class _Rollback(Exception):
    pass


MOVES = st.tuples(st.just("move"), st.sampled_from(["ETH", "BCH"]), st.sampled_from(PRICE_FACTORS))
FEES = st.tuples(st.just("fee"), st.integers(0, 2), st.sampled_from([D("0.05"), D("0.1"), D("0.2")]))
FULL_SWEEPS = st.tuples(st.just("full sweep"), st.none(), st.none())
STEPS = st.lists(st.one_of(MOVES, MOVES, FEES, FEES, FULL_SWEEPS), min_size=1, max_size=12)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_after_a_tick_every_exposed_account_has_its_exact_status(unwatched, platform, steps):
    """Random price moves (within the watch factor and beyond), ledger changes (a share of an account's
    coin paid away as a fee) and full sweeps: after each tick, every account exposed to the moved coin
    is recorded in the status its exact margin level gives."""
    seed = unwatched
    try:
        with transaction.atomic():
            for step, what, amount in steps:
                if step == "move":
                    pair = Pair.objects.get(symbol=f"{what}USDT")
                    price = margin.round_down(pair.mark.price * amount, pair.tick_size)
                    mark_price_set(symbol=pair.symbol, price=price)
                    tick_run(moved=[(pair, price)])
                    _assert_exposed_accounts_classified(pair.base)
                elif step == "fee":
                    _pay_fee(seed[what], amount)
                else:
                    sweep_all()
            raise _Rollback
    except _Rollback:
        pass


def _pay_fee(account, share):
    coin = Balance.objects.filter(account=account, free__gt=0).exclude(asset__code="USDT").first()
    if coin is None:
        return
    with transaction.atomic():
        posting = Posting()
        posting.move(coin, system_balance(SystemAccount.FEES, coin.asset), (coin.free * share).quantize(D("1e-8")))
        ledger_post(kind=JournalEntry.Kind.TRADE, posting=posting, account=account)


def _assert_exposed_accounts_classified(asset):
    prices = selectors.mark_prices()
    profile_id = PlatformSettings.objects.get().risk_profile_id
    exposed = Balance.objects.filter(asset=asset, is_system=False).values_list("account_id", flat=True)
    for account in Account.objects.filter(pk__in=exposed, kind__in=["cross", "isolated"]):
        valuation = selectors.valuation_of(balances=Balance.objects.filter(account=account), prices=prices)
        exact = margin.classify(valuation.level, selectors.ratios_get(account=account, profile_id=profile_id))
        recorded = AccountRisk.objects.filter(account=account).values_list("status", flat=True).first() or "NORMAL"
        assert recorded == exact, f"account #{account.pk} at {valuation.level}: recorded {recorded}"
