"""The order book of a pair as it stands now: what the depth views show and what orders fill against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from core.errors import ApplicationError
from trading.book import Book, BookParams, Level, book_build
from trading.lookup_cache import lookup_cached
from trading.models import MarkPrice, Pair, PairBook


def book_params_of(row: PairBook | None) -> BookParams:
    """A pair's book parameters; a pair staff never gave a book gets ``BookParams``' defaults."""
    if row is None:
        return BookParams()
    return BookParams(
        spread_bps=row.spread_bps,
        levels=row.levels,
        level_spacing_bps=row.level_spacing_bps,
        level_notional=row.level_notional,
        noise=row.noise,
        noise_seconds=row.noise_seconds,
        seed=row.seed,
    )


def book_params_get(*, pair: Pair) -> BookParams:
    """The pair's book parameters, read once per process while no book changes (trading.lookup_cache)."""
    return lookup_cached(f"book:{pair.pk}", lambda: book_params_of(PairBook.objects.filter(pair=pair).first()))


def pair_book(*, pair: Pair, mark: Decimal, params: BookParams, now: datetime) -> Book:
    """The book of ``pair`` around ``mark`` at ``now``: the one function every fill and view goes through."""
    return book_build(
        mark=mark,
        params=params,
        tick=pair.tick_size,
        step=pair.step_size,
        bucket=params.bucket(now.timestamp()),
        key=pair.symbol,
    )


@dataclass(frozen=True)
class OrderBookView:
    """A pair's book as the depth views show it."""

    pair: Pair
    mark: Decimal
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    last_update_id: int  # grows whenever the book can have changed: a new mark, or a new noise draw
    updated_at: datetime


def order_books(*, pairs: list[Pair], limit: int | None = None, now: datetime | None = None) -> list[OrderBookView]:
    """The books of ``pairs`` now (those with a mark price), at most ``limit`` levels a side: two queries."""
    now = now or timezone.now()
    marks = {row.pair_id: row for row in MarkPrice.objects.filter(pair__in=pairs)}
    rows = {row.pair_id: row for row in PairBook.objects.filter(pair__in=pairs)}
    views = []
    for pair in pairs:
        mark = marks.get(pair.pk)
        if mark is None:
            continue
        params = book_params_of(rows.get(pair.pk))
        book = pair_book(pair=pair, mark=mark.price, params=params, now=now)
        bucket = params.bucket(now.timestamp())
        update_id = max(int(mark.updated_at.timestamp() * 1000), bucket * params.noise_seconds * 1000)
        views.append(
            OrderBookView(
                pair=pair,
                mark=mark.price,
                bids=book.bids[:limit],
                asks=book.asks[:limit],
                last_update_id=update_id,
                updated_at=mark.updated_at,
            )
        )
    return views


def order_book(*, pair: Pair, limit: int | None = None, now: datetime | None = None) -> OrderBookView:
    """The pair's book now, at most ``limit`` levels a side (all of them without a limit)."""
    views = order_books(pairs=[pair], limit=limit, now=now)
    if not views:
        raise ApplicationError(f"No mark price for {pair.symbol} yet.", code="no_price")
    return views[0]
