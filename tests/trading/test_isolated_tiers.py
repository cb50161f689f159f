"""Isolated tiered leverage through the services: the borrow check, the max borrowable, the margin call and
liquidation lines and the sweep all follow the tier that the amounts borrowed put the account in.

Binance, "Tiered Leverage Function on Isolated Margin"
(https://www.binance.com/en/support/faq/7fbadf3c75914efc90e8b831709b644f): "the system automatically adjusts
the maximum leverage based on the user's borrowed fund amount", a tier per "Maximum Base" / "Maximum Quote",
"the higher the initial [...] ratios" the more is borrowed; the highest tier's maximum is what the pair lends
(``quoteAssetMaxBorrowable``, https://developers.binance.com/docs/margin_trading/market-data/Query-Isolated-Margin-Tier-Data).
"""

from decimal import Decimal as D

import pytest

from core.errors import ApplicationError, MarginRuleViolation
from risk.services.sweep import sweep_all
from tests.helpers import UNIT, amounts, assert_ledger_clean, spot
from trading import selectors
from trading.margin import Status
from trading.models import Asset, IsolatedMarginTier, Pair
from trading.services.accounts import account_leverage_set, isolated_account_open
from trading.services.loans import loan_borrow, max_borrowable_get
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


@pytest.fixture
def tiers(platform):
    """ETHUSDT at 5x with three tiers of Binance's 5x shape, the third with lines of its own."""
    pair = Pair.objects.get(symbol="ETHUSDT")
    IsolatedMarginTier.objects.filter(pair=pair).delete()
    rows = [
        (1, "5", None, None, None, "0.5", "1000"),
        (2, "4.2", "1.3125", None, None, "1", "2000"),
        (3, "3.66", "1.375", "1.2", "1.15", "1.5", "3000"),
    ]
    for tier, multiple, initial, call, liquidation, base_max, quote_max in rows:
        IsolatedMarginTier.objects.create(
            pair=pair,
            leverage=5,
            tier=tier,
            effective_multiple=D(multiple),
            initial=D(initial) if initial else None,
            margin_call=D(call) if call else None,
            liquidation=D(liquidation) if liquidation else None,
            base_max_borrowable=D(base_max),
            quote_max_borrowable=D(quote_max),
        )
    return pair


@pytest.fixture
def isolated(alice, tiers, zero_costs, set_prices):
    set_prices(ETHUSDT=200)

    def _open(usdt: str):
        account = isolated_account_open(user=alice, symbol="ETHUSDT", leverage=5)
        transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount=usdt)
        return account

    return _open


def _ratios(account):
    return selectors.account_summary_get(account=account).ratios


def test_the_default_tables_are_binances_with_tier_one_left_to_the_profile(platform):
    """Binance's 10x table: initial 1.111 (tier 1) up to 1.2496 (tier 10), max leverage 10 down to 5."""
    rows = IsolatedMarginTier.objects.filter(pair__symbol="BTCUSDT", leverage=10).order_by("tier")
    assert [r.tier for r in rows] == list(range(1, 11))
    assert rows[0].initial is None and rows[0].margin_call is None and rows[0].liquidation is None
    assert [r.initial for r in rows[1:]][:2] == [D("1.1264"), D("1.1418")] and rows[9].initial == D("1.2496")
    assert [r.effective_multiple for r in (rows[0], rows[9])] == [D(10), D(5)]
    assert [r.quote_max_borrowable for r in (rows[0], rows[1], rows[9])] == [D(100000), D(200000), D(1000000)]
    five = IsolatedMarginTier.objects.filter(pair__symbol="BCHUSDT", leverage=5).order_by("tier")
    assert [r.initial for r in five] == [None, D("1.3125"), D("1.375"), D("1.4375"), D("1.5")]
    assert not IsolatedMarginTier.objects.filter(pair__symbol="BCHUSDT", leverage=10).exists()  # a 5x pair


def test_the_seeds_isolated_accounts_are_in_tier_one_with_the_profiles_lines(seed):
    _, b_eth, b_bch = seed
    for account in (b_eth, b_bch):
        ratios = _ratios(account)
        assert ratios.tier == 1
        assert (ratios.initial, ratios.margin_call, ratios.liquidation) == (D("1.25"), D("1.1"), D("1.05"))
        assert ratios.rules == "classic · Isolated Margin 5x · tier 1"


def test_a_borrow_exactly_at_the_tier_edge_stays_in_it_and_one_unit_more_meets_the_next_tiers_ratio(alice, isolated):
    account = isolated("300")
    # Tier 1 (1.25) would allow 300 / 0.25 = 1200 but holds 1000; tier 2's 1.3125 allows less: 1000 is the most.
    assert max_borrowable_get(user=alice, account_id=account.pk, asset="USDT") == D(1000)
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="1000")
    assert _ratios(account).tier == 1 and _ratios(account).initial == D("1.25")  # 1300 / 1000 = 1.3 >= 1.25
    # One unit more is tier 2: 1300.00000001 / 1000.00000001 < 1.3125, refused although tier 1 would allow it.
    with pytest.raises(MarginRuleViolation) as refused:
        loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount=UNIT)
    assert "below the initial ratio 1.3125" in refused.value.message
    assert amounts(account, "USDT")[2] == D(1000)
    assert_ledger_clean()


def test_the_shown_maximum_inside_a_higher_tier_is_accepted_and_one_unit_more_refused(alice, isolated):
    account = isolated("400")
    # Tier 1 filled (1600 > 1000); tier 2: 400 / 0.3125 = 1280.
    most = max_borrowable_get(user=alice, account_id=account.pk, asset="USDT")
    assert most == D(1280)
    with pytest.raises(MarginRuleViolation):
        loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount=most + UNIT)
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount=most)
    ratios = _ratios(account)
    assert ratios.tier == 2 and ratios.initial == D("1.3125")
    assert selectors.account_summary_get(account=account).margin_level == D("1.3125")  # exactly the tier's line
    assert max_borrowable_get(user=alice, account_id=account.pk, asset="USDT") == 0


def test_the_last_tiers_maximum_is_the_most_lent_shown_and_accepted_one_unit_more_refused(alice, isolated):
    account = isolated("5000")
    most = max_borrowable_get(user=alice, account_id=account.pk, asset="USDT")
    assert most == D(3000)  # the ratio would allow far more: the last tier's cap
    with pytest.raises(ApplicationError) as refused:
        loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount=most + UNIT)
    assert refused.value.code == "borrow_limit" and "isolated limit of 3000 USDT" in refused.value.message
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount=most)
    assert _ratios(account).tier == 3
    # The base is capped the same way, from its own table column: 1.5 ETH.
    assert max_borrowable_get(user=alice, account_id=account.pk, asset="ETH") == D("1.5")


def test_the_higher_of_the_base_and_quote_tiers_sets_the_ratios(alice, isolated):
    account = isolated("2000")
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="500")  # tier 1
    assert _ratios(account).tier == 1
    loan_borrow(user=alice, account_id=account.pk, asset="ETH", amount="0.5")  # base at its tier-1 edge
    assert _ratios(account).tier == 1
    loan_borrow(user=alice, account_id=account.pk, asset="ETH", amount=UNIT)  # the base crosses: tier 2
    assert _ratios(account).tier == 2 and _ratios(account).initial == D("1.3125")


def test_the_tier_in_force_sets_the_margin_call_and_liquidation_lines_of_the_sweep(alice, isolated, set_prices):
    account = isolated("1000")
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="2500")  # tier 3: 3500 / 2500 = 1.4
    order_place(user=alice, account_id=account.pk, symbol="ETHUSDT", side="BUY", type="MARKET", quantity="17.5")
    ratios = _ratios(account)
    assert (ratios.tier, ratios.margin_call, ratios.liquidation) == (3, D("1.2"), D("1.15"))

    set_prices(ETHUSDT=170)  # 17.5 x 170 / 2500 = 1.19: a margin call in tier 3 (NORMAL under tier 1's 1.1)
    assert selectors.account_summary_get(account=account).status == Status.MARGIN_CALL
    assert account.pk in sweep_all().margin_calls

    set_prices(ETHUSDT=164)  # 17.5 x 164 / 2500 = 1.148 <= 1.15: liquidated (tier 1 would wait for 1.05)
    assert account.pk in sweep_all().liquidations
    assert amounts(account, "USDT")[2] == 0
    assert_ledger_clean()


def test_a_pair_without_tiers_keeps_the_profiles_one_tier(alice, platform, zero_costs, set_prices):
    IsolatedMarginTier.objects.filter(pair__symbol="ETHUSDT").delete()
    set_prices(ETHUSDT=200)
    account = isolated_account_open(user=alice, symbol="ETHUSDT", leverage=5)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="400")
    assert max_borrowable_get(user=alice, account_id=account.pk, asset="USDT") == D(1600)
    ratios = _ratios(account)
    assert ratios.tier is None and ratios.rules == "classic · Isolated Margin 5x"


def test_a_tick_on_the_moved_asset_applies_the_tier_lines_too(alice, isolated, set_prices):
    account = isolated("1000")
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="2500")  # tier 3: its lines 1.2 / 1.15
    order_place(user=alice, account_id=account.pk, symbol="ETHUSDT", side="BUY", type="MARKET", quantity="17.5")
    sweep_all()  # the baseline a tick starts from
    set_prices(ETHUSDT=164)  # 1.148: at or below tier 3's liquidation line 1.15
    eth = Asset.objects.get(code="ETH").pk
    assert account.pk in sweep_all(assets=[eth]).liquidations


def test_a_leverage_change_takes_the_new_classes_table(alice, isolated):
    account = isolated("1000")
    IsolatedMarginTier.objects.create(
        pair=account.pair,
        leverage=3,
        tier=1,
        effective_multiple=D(3),
        base_max_borrowable=D("0.1"),
        quote_max_borrowable=D(100),
    )
    account = account_leverage_set(user=alice, account_id=account.pk, leverage=3)
    # 3x has one tier here, up to 100 USDT: its maximum is the most lent.
    assert max_borrowable_get(user=alice, account_id=account.pk, asset="USDT") == D(100)
    assert _ratios(account).rules == "classic · Isolated Margin 3x · tier 1"
