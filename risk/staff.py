"""Staff levers of the risk engine, for the admin: a price that applies at once, a shock, a sweep now.

A price set by staff runs a tick on it at once (resting orders match, the exposed accounts are swept),
so a margin call or a liquidation it causes happens now, not at the next beat. If a tick is already
running (Celery beat's), the exposed accounts are swept here instead; the running tick's matcher and
the next one see the new price anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from risk.services.sweep import SweepResult, sweep_all
from risk.services.tick import TickResult, tick_run
from trading.models import Market, MarkPrice
from trading.services.markets import mark_price_set
from trading.services.staff import pair_shock_price


@dataclass(frozen=True)
class PriceMove:
    mark: MarkPrice
    tick: TickResult

    @property
    def sweep(self) -> SweepResult:
        return self.tick.sweep

    @property
    def tick_skipped(self) -> bool:
        return self.tick.skipped


def _run_on(mark: MarkPrice) -> PriceMove:
    result = tick_run(moved=[(mark.pair, mark.price)])
    if result.skipped:
        result.sweep = sweep_all(assets=[mark.pair.base_id])
    return PriceMove(mark=mark, tick=result)


def price_set_now(*, symbol: str, price: Decimal | str | int, market: Market | None = None) -> PriceMove:
    """Set a pair's mark price and run the risk engine on it at once (``market``: a pair of that
    market, e.g. a classroom's; the engine then sweeps only the holders of that market's asset)."""
    return _run_on(mark_price_set(symbol=symbol, price=price, market=market))


def prices_set_now(*, prices: Mapping[str, Decimal | str | int], market: Market | None = None) -> TickResult:
    """Set several pairs' mark prices together (one transaction) and run the risk engine once on all of
    them: a scenario's candle moves its pairs at once, so no account is judged on half of the move."""
    with transaction.atomic():
        marks = [mark_price_set(symbol=symbol, price=price, market=market) for symbol, price in prices.items()]
    if not marks:
        return TickResult()
    result = tick_run(moved=[(mark.pair, mark.price) for mark in marks])
    if result.skipped:
        result.sweep = sweep_all(assets=[mark.pair.base_id for mark in marks])
    return result


def price_shock_now(*, symbol: str, percent: Decimal | str | int) -> PriceMove:
    """Move a pair's mark price by a percentage and run the risk engine on it at once."""
    return _run_on(pair_shock_price(symbol=symbol, percent=percent))


def sweep_now() -> SweepResult:
    """Every margin account at current prices, here and now (no Celery)."""
    return sweep_all()
