"""The simulated order book: pure functions over Decimals, beside the margin math.

A pair's book is a function of its mark price, its parameters (staff edit them per pair:
``trading.models.PairBook``) and, when the parameters ask for noise, a time bucket: the same inputs
give the same book, so what the depth endpoints show is exactly what an order fills against.

Around the mark, the best ask sits half the spread above it and the best bid half below; each further
level is ``level_spacing_bps`` further away. Prices are rounded away from the mark onto the pair's tick
(never better for the taker) and quantities down onto its step. Each level holds ``level_notional``
quote worth of the base asset, varied by up to +/- ``noise`` with a seeded random draw per time bucket.

``walk`` fills a quantity (or a quote amount) against one side, level by level, up to an optional limit
price: what a MARKET or a marketable LIMIT order takes. Imports no app and touches no database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from trading.margin import BPS, ONE, ZERO, round_down, round_up

NOISE_PLACES = 10_000  # a noise draw is a multiple of 1/10,000: exact as a Decimal


@dataclass(frozen=True)
class BookParams:
    """One pair's book shape. The defaults are those of a pair staff have not tuned."""

    spread_bps: Decimal = Decimal(2)  # best ask - best bid, in basis points of the mark
    levels: int = 20  # levels on each side
    level_spacing_bps: Decimal = Decimal(2)  # distance between two neighbouring levels
    level_notional: Decimal = Decimal(10000)  # quote worth of base at each level
    noise: Decimal = ZERO  # each level's size varies by up to +/- this fraction (0 = none)
    noise_seconds: int = 60  # how long one draw of the noise lasts
    seed: int = 0

    def bucket(self, timestamp: float) -> int:
        """The time bucket of a moment: the book's noise changes only from one bucket to the next."""
        if self.noise <= 0 or self.noise_seconds <= 0:
            return 0
        return int(timestamp) // self.noise_seconds


@dataclass(frozen=True)
class Level:
    price: Decimal
    quantity: Decimal


@dataclass(frozen=True)
class Book:
    bids: tuple[Level, ...]  # best (highest) first
    asks: tuple[Level, ...]  # best (lowest) first

    def side(self, *, is_buy: bool) -> tuple[Level, ...]:
        """The side a taker meets: a buy takes the asks, a sell the bids."""
        return self.asks if is_buy else self.bids


@dataclass(frozen=True)
class Walk:
    """What one walk took: a fill per level, best first."""

    fills: tuple[Level, ...]
    quantity: Decimal  # base filled
    notional: Decimal  # sum of price x quantity, unrounded
    unfilled: Decimal  # what could not fill: base for a quantity walk, quote for a quote walk
    complete: bool  # nothing the book could give was left wanted (a quote walk keeps less than a step's worth)

    @property
    def average(self) -> Decimal | None:
        return self.notional / self.quantity if self.quantity else None


@lru_cache(maxsize=4096)
def book_side(
    *, mark: Decimal, params: BookParams, tick: Decimal, step: Decimal, is_ask: bool, bucket: int = 0, key: str = ""
) -> tuple[Level, ...]:
    """One side of the book, best first. Cached: the matcher and a burst of orders ask for the same side.

    ``key`` (the pair's symbol) keeps two pairs with the same parameters from drawing the same noise.
    """
    rng = random.Random(f"{key}:{params.seed}:{bucket}:{'a' if is_ask else 'b'}") if params.noise > 0 else None
    half = params.spread_bps / 2
    levels: list[Level] = []
    previous: Decimal | None = None
    for i in range(params.levels):
        distance = (half + params.level_spacing_bps * i) / BPS
        if is_ask:
            price = round_up(mark * (ONE + distance), tick)
            if previous is not None and price <= previous:
                price = previous + tick  # two levels never share a price: the next is one tick out
        else:
            price = round_down(mark * (ONE - distance), tick)
            if previous is not None and price >= previous:
                price = previous - tick
            if price <= 0:
                break
        previous = price
        notional = params.level_notional
        if rng is not None:
            draw = Decimal(rng.randrange(-NOISE_PLACES, NOISE_PLACES + 1)) / NOISE_PLACES
            notional = notional * (ONE + params.noise * draw)
        quantity = round_down(notional / price, step)
        if quantity > 0:
            levels.append(Level(price=price, quantity=quantity))
    return tuple(levels)


def book_build(
    *, mark: Decimal, params: BookParams, tick: Decimal, step: Decimal, bucket: int = 0, key: str = ""
) -> Book:
    common = {"mark": mark, "params": params, "tick": tick, "step": step, "bucket": bucket, "key": key}
    return Book(bids=book_side(is_ask=False, **common), asks=book_side(is_ask=True, **common))


def within(*, price: Decimal, limit: Decimal | None, is_buy: bool) -> bool:
    """Is a level's price at or better than the taker's limit (a buy pays at most it, a sell gets at least it)?"""
    return limit is None or (price <= limit if is_buy else price >= limit)


def walk(
    levels: tuple[Level, ...],
    *,
    is_buy: bool,
    step: Decimal,
    quantity: Decimal | None = None,
    quote: Decimal | None = None,
    limit: Decimal | None = None,
    sweep: bool = False,
) -> Walk:
    """Fill ``quantity`` of base (or spend or raise ``quote``) against ``levels``, best first.

    Stops at the first level beyond ``limit``. A quote walk takes at each level what the quote left
    buys on the step, its amounts rounded as a fill rounds them (``margin.fill_at``: a buy's cost up,
    a sell's proceeds down), so the fills never spend more than ``quote``. ``sweep`` (a forced close,
    which must close whole) fills what is beyond the book's depth at its last price.
    """
    if (quantity is None) == (quote is None):
        raise ValueError("walk needs quantity or quote")
    fills: list[Level] = []
    filled = notional = ZERO
    remaining = quantity if quantity is not None else quote
    assert remaining is not None
    seen: Decimal | None = None  # the last price within the limit the walk looked at
    for level in levels:
        if remaining <= 0 or not within(price=level.price, limit=limit, is_buy=is_buy):
            break
        seen = level.price
        if quantity is not None:
            take = min(level.quantity, remaining)
        else:
            take = min(level.quantity, round_down(remaining / level.price, step))
        if take <= 0:
            if is_buy:
                break  # the quote left buys less than a step here, and every later level costs more
            continue  # a sell's later levels pay less: the quote left may be worth a step there
        fills.append(Level(price=level.price, quantity=take))
        filled += take
        notional += take * level.price
        if quantity is not None:
            remaining -= take
        else:
            remaining -= round_up(take * level.price) if is_buy else round_down(take * level.price)
    if sweep and quantity is not None and remaining > 0 and levels:
        last = fills[-1].price if fills else levels[0].price
        if fills and fills[-1].price == last:
            fills[-1] = Level(price=last, quantity=fills[-1].quantity + remaining)
        else:
            fills.append(Level(price=last, quantity=remaining))
        filled += remaining
        notional += remaining * last
        remaining = ZERO
    # A quote walk is done when what is left is worth less than one step where it stopped.
    complete = remaining <= 0 or (quote is not None and seen is not None and remaining < step * seen)
    return Walk(fills=tuple(fills), quantity=filled, notional=notional, unfilled=remaining, complete=complete)


def depth(levels: tuple[Level, ...], *, limit: Decimal | None = None, is_buy: bool = True) -> Decimal:
    """The base quantity of ``levels`` at or better than ``limit``: the most a walk can fill."""
    return sum((lv.quantity for lv in levels if within(price=lv.price, limit=limit, is_buy=is_buy)), ZERO)
