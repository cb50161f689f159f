"""The class board's arithmetic, pure: returns, drawdowns, ranks."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

RATE_PLACES = Decimal("0.00000001")


def return_of(*, equity: Decimal, start: Decimal) -> Decimal:
    """Equity against the starting balance: 0.1 is +10 %."""
    return ((equity - start) / start).quantize(RATE_PLACES) if start > 0 else Decimal(0)


def max_drawdown(equities: Iterable[Decimal]) -> Decimal:
    """The largest fall from a peak, as a share of that peak (0.25: a quarter lost from the best point)."""
    peak, worst = None, Decimal(0)
    for equity in equities:
        if peak is None or equity > peak:
            peak = equity
        elif peak > 0:
            worst = max(worst, (peak - equity) / peak)
    return worst.quantize(RATE_PLACES)


def ranks(values: list[Decimal], *, higher_is_better: bool) -> list[int]:
    """Competition ranks (1, 2, 2, 4) of each value, in the order given."""
    ordered = sorted(values, reverse=higher_is_better)
    first: dict[Decimal, int] = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return [first[v] for v in values]
