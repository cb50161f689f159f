"""Isolated tiered leverage, the pure math (``trading.margin.tiers``), with exact expectations at every edge.

Binance's rules, "Tiered Leverage Function on Isolated Margin"
(https://www.binance.com/en/support/faq/7fbadf3c75914efc90e8b831709b644f): the tier is set by the amount
borrowed, each tier holding up to its "Maximum Base" / "Maximum Quote"; base and quote are tiered separately
"and the tier will be determined based on whichever is higher"; the more borrowed, the higher the tier's
initial ratio. https://www.binance.com/en/margin-data: "If you borrow both [...] the higher Tier will apply".
"""

from decimal import Decimal as D

from trading import margin
from trading.margin import BorrowTier, Ratios, Valuation

UNIT = D("0.00000001")
PROFILE = Ratios(initial=D("1.25"), margin_call=D("1.1"), liquidation=D("1.05"), rules="classic · Isolated Margin 5x")
# The shape of Binance's 5x table (initial 1.25, 1.3125, 1.375), caps in equal steps as in its example.
TIERS = (
    BorrowTier(tier=1, effective_multiple=D(5), base_max=D(1), quote_max=D(1000)),
    BorrowTier(tier=2, effective_multiple=D("4.2"), base_max=D(2), quote_max=D(2000), initial=D("1.3125")),
    BorrowTier(
        tier=3,
        effective_multiple=D("3.66"),
        base_max=D(3),
        quote_max=D(3000),
        initial=D("1.375"),
        margin_call=D("1.2"),
        liquidation=D("1.15"),
    ),
)


def test_a_borrow_exactly_at_a_tiers_maximum_is_that_tier_and_one_unit_more_the_next():
    assert margin.tier_holding(TIERS, D(0), base=False).tier == 1
    assert margin.tier_holding(TIERS, D(1000), base=False).tier == 1
    assert margin.tier_holding(TIERS, D(1000) + UNIT, base=False).tier == 2
    assert margin.tier_holding(TIERS, D(2000), base=False).tier == 2
    assert margin.tier_holding(TIERS, D(2000) + UNIT, base=False).tier == 3
    assert margin.tier_holding(TIERS, D(3000), base=False).tier == 3
    assert margin.tier_holding(TIERS, D(3000) + UNIT, base=False) is None  # past the last tier
    assert margin.tier_holding(TIERS, D(1), base=True).tier == 1
    assert margin.tier_holding(TIERS, D(1) + UNIT, base=True).tier == 2


def test_base_and_quote_are_tiered_apart_and_the_higher_tier_applies():
    """Binance: "the tier will be determined based on whichever is higher"."""
    assert margin.tier_in_force(TIERS, base_borrowed=D(0), quote_borrowed=D(0)).tier == 1
    assert margin.tier_in_force(TIERS, base_borrowed=D("1.5"), quote_borrowed=D(10)).tier == 2
    assert margin.tier_in_force(TIERS, base_borrowed=D("0.1"), quote_borrowed=D(2500)).tier == 3
    assert margin.tier_in_force(TIERS, base_borrowed=D("2.5"), quote_borrowed=D(1500)).tier == 3
    # A loan past the last maximum (staff lowered the caps under it) is held to the last tier's rules.
    assert margin.tier_in_force(TIERS, base_borrowed=D(9), quote_borrowed=D(0)).tier == 3
    assert margin.tier_in_force((), base_borrowed=D(9), quote_borrowed=D(0)) is None


def test_crossing_into_the_next_tier_changes_the_ratios():
    at_edge = margin.ratios_in_tier(PROFILE, margin.tier_in_force(TIERS, base_borrowed=D(0), quote_borrowed=D(1000)))
    assert (at_edge.initial, at_edge.margin_call, at_edge.liquidation, at_edge.tier) == (
        D("1.25"),
        D("1.1"),
        D("1.05"),
        1,
    )
    assert at_edge.rules == "classic · Isolated Margin 5x · tier 1"
    past = margin.ratios_in_tier(
        PROFILE, margin.tier_in_force(TIERS, base_borrowed=D(0), quote_borrowed=D(1000) + UNIT)
    )
    # Tier 2 sets its own initial ratio; its margin-call and liquidation lines are the profile's (Binance: "The
    # same margin call and liquidation risk ratios will apply to all tiers under the same leverage level").
    assert (past.initial, past.margin_call, past.liquidation, past.tier) == (D("1.3125"), D("1.1"), D("1.05"), 2)
    third = margin.ratios_in_tier(PROFILE, margin.tier_in_force(TIERS, base_borrowed=D(0), quote_borrowed=D(2001)))
    assert (third.initial, third.margin_call, third.liquidation) == (D("1.375"), D("1.2"), D("1.15"))
    assert margin.ratios_in_tier(PROFILE, None) == PROFILE  # a pair without tiers: the profile alone


def test_tier_one_with_no_lines_of_its_own_is_exactly_the_profile():
    """What keeps the seed example exact: its accounts are in tier 1, whose ratios are the profile's."""
    tier_one = margin.ratios_in_tier(PROFILE, TIERS[0])
    assert (tier_one.initial, tier_one.margin_call, tier_one.liquidation) == (
        PROFILE.initial,
        PROFILE.margin_call,
        PROFILE.liquidation,
    )
    level = margin.margin_level(D(850), D(800))  # the seed's BCHUSDT account on day N+2
    assert level == D("1.0625")
    assert margin.classify(level, tier_one) == margin.Status.MARGIN_CALL


def _max(assets, debt, *, borrowed, other=D(0), base=False, price=D(1)):
    return margin.max_borrowable_tiered(
        valuation=Valuation(D(assets), D(debt)),
        ratios=PROFILE,
        tiers=TIERS,
        price=price,
        borrowed=D(borrowed),
        other_borrowed=other,
        base=base,
    )


def test_the_max_borrowable_stops_at_the_tier_whose_initial_ratio_it_cannot_meet():
    # 200 USDT, nothing owed: tier 1 allows 200 / 0.25 = 800, inside its 1000.
    assert _max(200, 0, borrowed=0) == D(800)
    # 300 USDT: tier 1 would allow 1200 but holds 1000; in tier 2 (1.3125) 300 / 0.3125 = 960: 1000 stands.
    assert _max(300, 0, borrowed=0) == D(1000)
    # 400 USDT: tier 1 is filled (1600 > 1000), tier 2 allows 400 / 0.3125 = 1280, inside its 2000.
    assert _max(400, 0, borrowed=0) == D(1280)
    # 1000 USDT: tiers 1 and 2 filled; tier 3 (1.375) allows 1000 / 0.375 = 2666.66666666.
    assert _max(1000, 0, borrowed=0) == D("2666.66666666")
    # 5000 USDT: every tier filled: the last tier's maximum is the most.
    assert _max(5000, 0, borrowed=0) == D(3000)


def test_the_max_borrowable_counts_what_is_already_borrowed_and_the_other_asset():
    # 1400 of assets with 1000 owed (tier 1, at its edge): tier 2 lets b with (1400 + b) / (1000 + b) >= 1.3125,
    # b <= (1400 - 1312.5) / 0.3125 = 280.
    assert _max(1400, 1000, borrowed=1000) == D(280)
    # The base already in tier 2: the quote is held to tier 2's initial from its first unit.
    assert _max(200, 0, borrowed=0, other=D("1.5")) == D(640)  # 200 / 0.3125
    # Nothing more once the last maximum is reached.
    assert _max(9000, 3000, borrowed=3000) == D(0)
    # In base units at a price: 400 USDT at 200 a coin: tier 1 holds 1 coin (200 / 0.25 / 200 = 4 > 1), tier 2
    # 400 / 0.3125 / 200 = 6.4 > 2, tier 3 400 / 0.375 / 200 = 5.33333333 > 3: all three caps, 3.
    assert _max(400, 0, borrowed=0, base=True, price=D(200)) == D(3)


def test_without_tiers_the_max_borrowable_is_the_one_tier_formula():
    v = Valuation(D(2000), D(0))
    expected = margin.max_borrowable(valuation=v, initial=PROFILE.initial, price=D(1))
    assert (
        margin.max_borrowable_tiered(
            valuation=v, ratios=PROFILE, tiers=(), price=D(1), borrowed=D(0), other_borrowed=D(0), base=False
        )
        == expected
        == D(8000)
    )
