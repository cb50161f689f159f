"""The futures fill model: at what prices, and how much, a futures taker fills now (``taker_fills``).

The platform's ``fill_model`` decides, as for spot and margin orders (``trading.services.fills.taker_plan``):

- BOOK walks the perpetual's book (``futures.selectors.book_side``, with ``trading.book.walk``: the one walk
  of the code base): the average price and the slippage grow with the size, and what is beyond the book's
  depth (or the order's limit) does not fill. A market order then expires its rest: Binance's market
  orders never rest. A forced close (liquidation) ``sweep``s: it must close whole, so what is beyond the
  depth fills at the book's last price (a large liquidation moves down the book).
- FIXED fills the whole quantity at one price: the mark moved by ``slippage_bps`` against the taker, never
  beyond a limit (what futures orders always did).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from futures import selectors
from trading import book as order_book
from trading import margin as spot_math
from trading.book import BookParams, Level
from trading.models import FillModel, PlatformSettings

FIRST_LEVELS = 3  # levels a walk builds first: most orders fill within them (as ``trading.services.fills``)
ZERO = Decimal(0)


@dataclass(frozen=True)
class TakerFills:
    """One fill per price level, best first, and whether that is all the taker wanted."""

    fills: tuple[Level, ...]
    complete: bool

    @property
    def quantity(self) -> Decimal:
        return sum((lv.quantity for lv in self.fills), ZERO)

    @property
    def notional(self) -> Decimal:
        return sum((lv.quantity * lv.price for lv in self.fills), ZERO)

    @property
    def average(self) -> Decimal | None:
        quantity = self.quantity
        return self.notional / quantity if quantity else None


@dataclass
class FillContext:
    """What the fills of one call (a placement, a match, a liquidation) share: the settings, the clock,
    the book shapes read once."""

    settings: PlatformSettings
    now: datetime = field(default_factory=timezone.now)
    params: dict[int, BookParams] = field(default_factory=dict)

    @property
    def uses_book(self) -> bool:
        return self.settings.fill_model == FillModel.BOOK


def taker_fills(
    ctx: FillContext,
    info: selectors.SymbolInfo,
    *,
    is_buy: bool,
    quantity: Decimal,
    limit: Decimal | None = None,
    sweep: bool = False,
) -> TakerFills:
    """What a taker of ``quantity`` fills now, never beyond ``limit`` (``sweep``: a forced close, whole)."""
    if quantity <= 0:
        return TakerFills(fills=(), complete=True)
    if ctx.uses_book:
        step = info.symbol.step_size
        side = selectors.book_side(info, is_buy=is_buy, now=ctx.now, params=ctx.params, top=FIRST_LEVELS)
        walked = order_book.walk(side, is_buy=is_buy, step=step, quantity=quantity, limit=limit)
        if not walked.complete:
            side = selectors.book_side(info, is_buy=is_buy, now=ctx.now, params=ctx.params)
            walked = order_book.walk(side, is_buy=is_buy, step=step, quantity=quantity, limit=limit, sweep=sweep)
        if walked.fills or not sweep:
            return TakerFills(fills=walked.fills, complete=walked.complete)
        # A book with no level at all: a forced close still closes, at the fixed price.
    tick = info.symbol.tick_size
    if limit is None:
        price = spot_math.slipped_price(
            mark=info.mark, is_buy=is_buy, slippage_bps=ctx.settings.slippage_bps, tick=tick
        )
    else:
        price = spot_math.taker_price(
            mark=info.mark, limit=limit, is_buy=is_buy, slippage_bps=ctx.settings.slippage_bps, tick=tick
        )
    return TakerFills(fills=(Level(price=price, quantity=quantity),), complete=True)
