"""Isolated margin's tiered leverage: which tier the borrowed amounts put an account in, the ratios that
tier sets, and the most that can be borrowed across the tiers.

Binance's rules, each from "Tiered Leverage Function on Isolated Margin"
(https://www.binance.com/en/support/faq/7fbadf3c75914efc90e8b831709b644f) unless said otherwise:

- "the system automatically adjusts the maximum leverage based on the user's borrowed fund amount": a tier
  holds borrowed amounts up to its "Maximum Base" and "Maximum Quote" (the page's example table), so an
  amount exactly at a tier's maximum is still that tier, and one unit more is the next;
- "If the user simultaneously borrows the base currency and the quote currency, the system will calculate
  the new levels separately and the tier will be determined based on whichever is higher" (also
  https://www.binance.com/en/margin-data: "If you borrow both the base asset and quote asset in a trading
  pair, the higher Tier will apply");
- "The greater the amount of funds borrowed, the higher the tiered leverage level, the lower the effective
  multiple level, and the higher the initial [...] ratios": a borrow is checked against the initial ratio of
  the tier it lands in;
- the last tier's maxima are the most the pair lends (Binance's ``baseAssetMaxBorrowable`` /
  ``quoteAssetMaxBorrowable``, https://developers.binance.com/docs/margin_trading/market-data/Query-Isolated-Margin-Tier-Data).

What counts as borrowed is the principal: the page speaks of "borrowed fund amount", not of interest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from .levels import ZERO, Ratios, Valuation
from .loans import max_borrowable


@dataclass(frozen=True)
class BorrowTier:
    """One tier of a pair's table; an empty ratio is the risk profile's own line."""

    tier: int
    effective_multiple: Decimal
    base_max: Decimal
    quote_max: Decimal
    initial: Decimal | None = None
    margin_call: Decimal | None = None
    liquidation: Decimal | None = None


def tier_holding(tiers: Sequence[BorrowTier], amount: Decimal, *, base: bool) -> BorrowTier | None:
    """The lowest tier whose maximum of that asset holds ``amount`` (at its maximum: still that tier).
    None past the last tier's maximum."""
    for tier in sorted(tiers, key=lambda t: t.tier):
        if amount <= (tier.base_max if base else tier.quote_max):
            return tier
    return None


def tier_in_force(tiers: Sequence[BorrowTier], *, base_borrowed: Decimal, quote_borrowed: Decimal) -> BorrowTier | None:
    """The tier of an isolated account: the higher of the base's and the quote's. None without tiers; past
    the last tier's maximum (a pair whose caps staff lowered under a loan), the last tier."""
    if not tiers:
        return None
    last = max(tiers, key=lambda t: t.tier)
    by_base = tier_holding(tiers, base_borrowed, base=True) or last
    by_quote = tier_holding(tiers, quote_borrowed, base=False) or last
    return max(by_base, by_quote, key=lambda t: t.tier)


def ratios_in_tier(ratios: Ratios, tier: BorrowTier | None) -> Ratios:
    """The profile's ratios of the account's class with the tier's own lines in their place."""
    if tier is None:
        return ratios
    return replace(
        ratios,
        initial=tier.initial if tier.initial is not None else ratios.initial,
        margin_call=tier.margin_call if tier.margin_call is not None else ratios.margin_call,
        liquidation=tier.liquidation if tier.liquidation is not None else ratios.liquidation,
        rules=f"{ratios.rules} · tier {tier.tier}" if ratios.rules else f"tier {tier.tier}",
        tier=tier.tier,
    )


def max_borrowable_tiered(
    *,
    valuation: Valuation,
    ratios: Ratios,
    tiers: Sequence[BorrowTier],
    price: Decimal,
    borrowed: Decimal,
    other_borrowed: Decimal,
    base: bool,
) -> Decimal:
    """The most of one asset of the pair that can be borrowed now (to 8 places, rounded down): the largest b
    whose borrow keeps the margin level at or above the initial ratio of the tier that ``borrowed + b``
    lands in (with the other asset's tier), and no more than the last tier's maximum.

    The level after a borrow falls as b grows and the initial ratio only rises from tier to tier, so the
    amounts allowed are one range from 0: walk the tiers up and stop at the first that b cannot fill.
    ``ratios`` are the profile's (tier 1's empty lines); without tiers it is the one-tier formula."""
    if not tiers:
        return max_borrowable(valuation=valuation, initial=ratios.initial, price=price)
    other = tier_holding(tiers, other_borrowed, base=not base)
    other_n = other.tier if other else max(t.tier for t in tiers)
    best = ZERO
    floor = ZERO  # the previous tier's maximum: b must pass it to be in this tier
    for tier in sorted(tiers, key=lambda t: t.tier):
        cap = tier.base_max if base else tier.quote_max
        if cap < borrowed:
            floor = cap
            continue
        in_force = max(tier, next(t for t in tiers if t.tier == other_n), key=lambda t: t.tier)
        initial = ratios_in_tier(ratios, in_force).initial
        room = min(cap - borrowed, max_borrowable(valuation=valuation, initial=initial, price=price))
        if room <= floor - borrowed:
            break  # cannot enter this tier: what the tier below allowed stands
        best = max(best, room)
        if room < cap - borrowed:
            break
        floor = cap
    return max(best, ZERO)
