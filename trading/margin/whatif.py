"""What would have saved an account (the explained replays of ``risk.replay``), with the same math."""

from __future__ import annotations

from decimal import Decimal

from core.money import Q8  # the one precision of stored amounts and prices (8 places)

from .fills import (
    liquidation_price,
)
from .levels import (
    ZERO,
    Holding,
    Valuation,
    round_down,
    value,
)

# --- what would have saved it (the explained replays of risk.replay) --------------------------------


def collateral_to_stay_above(*, valuations: list[Valuation], liquidation: Decimal) -> Decimal:
    """The least quote collateral (to 8 places) that, added before ``valuations`` and left in the account,
    keeps every one of them above the liquidation line: the liquidation fires at a level <= the line, so
    A + c > line x D at each, and c is the smallest multiple of 0.00000001 above max(line x D - A).
    0 when none of them reached the line."""
    worst = max((liquidation * v.debt - v.assets for v in valuations if v.debt > 0), default=None)
    if worst is None or worst < 0:
        return ZERO
    return round_down(worst) + Q8


def liquidation_multiplier(*, holdings: list[Holding], prices: dict[str, Decimal], quote: str, liquidation: Decimal):
    """The factor m by which every non-``quote`` price would have to move together for the account to reach
    the liquidation line: ``liquidation_price`` with the non-quote holdings as one "base" priced 1.
    None when no move of that kind takes it there (no debt, or the quote side alone carries it)."""
    base = value([h for h in holdings if h.asset != quote], prices)
    rest = value([h for h in holdings if h.asset == quote], prices)
    return liquidation_price(
        base_assets=base.assets,
        base_debt=base.debt,
        quote_assets=rest.assets,
        quote_debt=rest.debt,
        liquidation=liquidation,
    )


def debt_at_leverage(*, position_value: Decimal, equity: Decimal, leverage: Decimal) -> Decimal:
    """How much less would have been borrowed for the same position with own funds of position / leverage
    instead of ``equity`` (0 if that is no more than the equity there was)."""
    own = position_value / leverage
    return max(own - equity, ZERO)


def merged(*groups: list[Holding]) -> list[Holding]:
    """Several accounts' holdings as one account's (a cross account holding everything)."""
    totals: dict[str, list[Decimal]] = {}
    for group in groups:
        for h in group:
            t = totals.setdefault(h.asset, [ZERO, ZERO, ZERO, ZERO])
            t[0] += h.free
            t[1] += h.locked
            t[2] += h.borrowed
            t[3] += h.interest
    return [Holding(asset=a, free=t[0], locked=t[1], borrowed=t[2], interest=t[3]) for a, t in sorted(totals.items())]


def split_by_value(
    *, holdings: list[Holding], prices: dict[str, Decimal], quote: str, weights: dict[str, Decimal]
) -> dict[str, list[Holding]]:
    """A cross account as isolated accounts, one per non-quote asset: each keeps its own asset, and the quote
    holdings and debts are shared out in proportion to ``weights`` (each position's value)."""
    total = sum(weights.values(), ZERO)
    quote_h = next((h for h in holdings if h.asset == quote), Holding(asset=quote))
    out = {}
    for h in holdings:
        if h.asset == quote or total <= 0 or weights.get(h.asset, ZERO) <= 0:
            continue
        share = weights[h.asset] / total
        out[h.asset] = [
            h,
            Holding(
                asset=quote,
                free=quote_h.free * share,
                locked=quote_h.locked * share,
                borrowed=quote_h.borrowed * share,
                interest=quote_h.interest * share,
            ),
        ]
    return out


def max_surviving_leverage(
    *, position_value: Decimal, equity: Decimal, valuations: list[Valuation], liquidation: Decimal
) -> Decimal | None:
    """The highest leverage (position / own funds) at which the same position, borrowing less by
    ``debt_at_leverage``, stays above the line at every valuation: A > line x (D - (V/k - E)) solved for k,
    k < V / (E + D - A / line) at each. None when any leverage survives (or there is no position)."""
    bounds = [equity + v.debt - v.assets / liquidation for v in valuations if v.debt > 0]
    worst = max(bounds, default=None)
    if worst is None or position_value <= 0:
        return None
    if worst <= 0:
        return None
    return position_value / worst
