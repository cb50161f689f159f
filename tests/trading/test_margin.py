"""The pure margin math, with exact Decimal expectations (no database)."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading import margin
from trading.margin import Holding, Ratios, Status, Valuation

CLASSIC_5X = Ratios(initial=D("1.25"), margin_call=D("1.1"), liquidation=D("1.05"))


@pytest.mark.parametrize(
    ("assets", "debt", "level"),
    [
        ("2000", "1600", "1.25"),
        ("1150", "800", "1.4375"),
        ("850", "800", "1.0625"),
        ("1700", "1600", "1.0625"),
        ("1100", "800", "1.375"),
        ("600", "800", "0.75"),
    ],
)
def test_margin_level_is_exact(assets, debt, level):
    assert margin.margin_level(D(assets), D(debt)) == D(level)


def test_no_debt_has_no_level_and_is_normal():
    assert margin.margin_level(D(100), D(0)) is None
    assert margin.classify(None, CLASSIC_5X) == Status.NORMAL


@pytest.mark.parametrize(
    ("level", "status"),
    [
        ("1.25", Status.NORMAL),
        ("1.1000001", Status.NORMAL),
        ("1.1", Status.MARGIN_CALL),
        ("1.0625", Status.MARGIN_CALL),
        ("1.0500001", Status.MARGIN_CALL),
        ("1.05", Status.LIQUIDATION),
        ("0.75", Status.LIQUIDATION),
    ],
)
def test_classify_thresholds_are_inclusive(level, status):
    assert margin.classify(D(level), CLASSIC_5X) == status


def test_value_counts_free_and_locked_as_assets_and_borrowed_and_interest_as_debt():
    holdings = [
        Holding("ETH", free=D(4), locked=D(1)),
        Holding("USDT", free=D(10), borrowed=D(1600), interest=D("0.5")),
    ]
    v = margin.value(holdings, {"ETH": D(200), "USDT": D(1)})
    assert v == Valuation(assets=D(1010), debt=D("1600.5"))
    assert v.equity == D("-590.5")


def test_max_borrowable_matches_the_spec_formula():
    v = Valuation(assets=D(400), debt=D(0))
    assert margin.max_borrowable(valuation=v, initial=D("1.25"), price=D(1)) == D(1600)
    assert margin.max_borrowable(valuation=v, initial=D("1.5"), price=D(1)) == D(800)
    # In ETH at 200: 1600 / 200.
    assert margin.max_borrowable(valuation=v, initial=D("1.25"), price=D(200)) == D(8)
    # Rounded down to 8 places: 10x initial 1.111 gives 400 / 0.111 = 3603.6036036...
    assert margin.max_borrowable(valuation=v, initial=D("1.111"), price=D(1)) == D("3603.60360360")
    # No headroom left.
    assert margin.max_borrowable(valuation=Valuation(D(2000), D(1600)), initial=D("1.25"), price=D(1)) == 0


def test_max_transferable_out_keeps_the_transfer_out_ratio():
    v = Valuation(assets=D(5000), debt=D(1600))
    assert margin.max_transferable_out(valuation=v, transfer_out=D(2), price=D(1), available=D(5000)) == D(1800)
    assert margin.max_transferable_out(valuation=v, transfer_out=D(2), price=D(1), available=D(100)) == D(100)
    no_debt = Valuation(assets=D(5000), debt=D(0))
    assert margin.max_transferable_out(valuation=no_debt, transfer_out=D(2), price=D(1), available=D(70)) == D(70)


def test_interest_example_from_the_spec():
    # 1,000 USDT at 0.02 %/day borrowed 13:55, looked at 14:30: two hours charged.
    first = margin.hourly_interest(D(1000), D("0.0002"))
    second = first + margin.hourly_interest(D(1000), D("0.0002"))
    charges = [
        margin.interest_charge(accrued_before=D(0), accrued_after=first),
        margin.interest_charge(accrued_before=first, accrued_after=second),
    ]
    assert charges == [D("0.00833333"), D("0.00833334")]
    assert sum(charges) == D("0.01666667")


def test_slipped_price_moves_against_the_taker_on_the_tick():
    assert margin.slipped_price(mark=D(200), is_buy=True, slippage_bps=D(5), tick=D("0.01")) == D("200.10")
    assert margin.slipped_price(mark=D(200), is_buy=False, slippage_bps=D(5), tick=D("0.01")) == D("199.90")
    assert margin.slipped_price(mark=D("0.25"), is_buy=True, slippage_bps=D(3), tick=D("0.00001")) == D("0.25008")
    assert margin.slipped_price(mark=D(200), is_buy=True, slippage_bps=D(0), tick=D("0.01")) == D(200)


def test_market_fill_rounds_against_the_taker():
    buy = margin.market_fill(
        is_buy=True,
        mark=D("3"),
        quantity=D("0.333"),
        quote_quantity=None,
        slippage_bps=D(0),
        fee_rate=D("0.001"),
        tick=D("0.0001"),
        step=D("0.001"),
    )
    assert buy == margin.Fill(price=D(3), quantity=D("0.333"), quote_quantity=D("0.999"), fee=D("0.000333"))
    by_quote = margin.market_fill(
        is_buy=True,
        mark=D("200"),
        quantity=None,
        quote_quantity=D("100"),
        slippage_bps=D(5),
        fee_rate=D("0.001"),
        tick=D("0.01"),
        step=D("0.0001"),
    )
    # 100 / 200.10 = 0.49975..., down to the step.
    assert by_quote.quantity == D("0.4997")
    assert by_quote.quote_quantity == D("99.98997")
    sell = margin.market_fill(
        is_buy=False,
        mark=D("200"),
        quantity=D("1"),
        quote_quantity=None,
        slippage_bps=D(5),
        fee_rate=D("0.001"),
        tick=D("0.01"),
        step=D("0.0001"),
    )
    assert sell == margin.Fill(price=D("199.90"), quantity=D(1), quote_quantity=D("199.90"), fee=D("0.1999"))


@pytest.mark.parametrize(
    ("quantity", "price", "failure"),
    [
        ("0.001", "10000", None),
        ("0.0015", "10000", "LOT_SIZE"),  # not on the step
        ("0", "10000", "LOT_SIZE"),
        ("0.0001", "10000", "LOT_SIZE"),  # below min qty 0.001
        ("0.001", "2", "NOTIONAL"),  # 0.002 USDT < 5
    ],
)
def test_filter_failure_names_the_filter(quantity, price, failure):
    result = margin.filter_failure(
        quantity=D(quantity), price=D(price), step=D("0.001"), min_qty=D("0.001"), min_notional=D(5)
    )
    assert result == failure


def test_entry_price_is_weighted_kept_and_reset():
    entry = margin.entry_price_after(net_before=D(0), entry_before=None, net_after=D(5), price=D(200))
    assert entry == D(200)
    entry = margin.entry_price_after(net_before=D(5), entry_before=entry, net_after=D(10), price=D(230))
    assert entry == D(215)
    assert margin.entry_price_after(net_before=D(10), entry_before=entry, net_after=D(4), price=D(100)) == D(215)
    assert margin.entry_price_after(net_before=D(4), entry_before=entry, net_after=D(0), price=D(100)) is None
    # A long sold through zero becomes a short entered at the fill price.
    assert margin.entry_price_after(net_before=D(4), entry_before=entry, net_after=D(-1), price=D(90)) == D(90)


def test_isolated_liquidation_price():
    # B's BCH account: 5 BCH, 800 USDT debt, L = 1.05 -> 800 * 1.05 / 5 = 168.
    price = margin.liquidation_price(
        base_assets=D(5), base_debt=D(0), quote_assets=D(0), quote_debt=D(800), liquidation=D("1.05")
    )
    assert price == D(168)
    assert margin.classify(margin.margin_level(D(5) * price, D(800)), CLASSIC_5X) == Status.LIQUIDATION
    # No debt: no liquidation price.
    assert (
        margin.liquidation_price(
            base_assets=D(5), base_debt=D(0), quote_assets=D(100), quote_debt=D(0), liquidation=D("1.05")
        )
        is None
    )


@pytest.mark.parametrize(
    ("before", "after", "drift"),
    [
        ({"USDT": "1", "BTC": "100"}, {"USDT": "1", "BTC": "100"}, "1"),
        ({"USDT": "1", "BTC": "100"}, {"USDT": "1", "BTC": "80"}, "0.8"),
        ({"USDT": "1", "BTC": "100"}, {"USDT": "1", "BTC": "125"}, "0.8"),
        # one asset down 10 %, another up 25 %: assets can fall by 0.9 while debt grows by 1.25
        ({"USDT": "1", "BTC": "100", "ETH": "10"}, {"USDT": "1", "BTC": "90", "ETH": "12.5"}, "0.72"),
        # priced on one side only: no bound
        ({"USDT": "1", "BTC": "100"}, {"USDT": "1", "BTC": "100", "ETH": "10"}, "0"),
        ({"USDT": "1", "BTC": "100", "ETH": "10"}, {"USDT": "1", "BTC": "100"}, "0"),
    ],
)
def test_price_drift_bounds_how_far_a_margin_level_can_fall(before, after, drift):
    before, after = ({asset: D(price) for asset, price in prices.items()} for prices in (before, after))
    assert margin.price_drift(before, after) == D(drift)


@given(
    quantities=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=3, max_size=3),
    moves=st.lists(st.integers(50, 200), min_size=2, max_size=2),
)
def test_no_margin_level_falls_by_more_than_the_drift(quantities, moves):
    """For any holdings and debts in two assets and USDT, and any moves of the two prices."""
    before = {"USDT": D(1), "BTC": D(100), "ETH": D(10)}
    after = {"USDT": D(1), "BTC": D(moves[0]), "ETH": D(moves[1]) / 10}
    holdings = [
        Holding(asset, D(held), D(0), D(owed), D(0)) for asset, (held, owed) in zip(before, quantities, strict=True)
    ]
    then, now = margin.value(holdings, before), margin.value(holdings, after)
    if then.level is None or now.level is None:
        return
    assert now.level >= then.level * margin.price_drift(before, after) * (1 - D("1e-20"))


def test_keeps_level_is_the_margin_rules_one_decision():
    # A >= threshold * D, compared without a quotient: the level may reach the threshold, not pass below it.
    assert margin.keeps_level(Valuation(D(3000), D(1500)), D(2))
    assert not margin.keeps_level(Valuation(D("2999.99999999"), D(1500)), D(2))
    assert margin.keeps_level(Valuation(D(10), D(0)), D(2))  # no debt passes every threshold
