"""The order book of a perpetual: its pair's book shape (``trading.models.PairBook``) around the perpetual's
own mark, on the perpetual's tick and step.

The same pure function builds it as a spot pair's book (``trading.book.book_side``), so what ``/fapi/v1/depth``
shows is exactly what a futures order fills against (``futures.services.orders.book``): one book per
symbol, shared by every view and every fill.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.utils import timezone

from trading import book as order_book
from trading import selectors as trading_selectors
from trading.book import BookParams, Level
from trading.models import PairBook

from .market import SymbolInfo


def book_params(infos: list[SymbolInfo]) -> dict[int, BookParams]:
    """Each perpetual's book shape (its pair's), by the perpetual's pair id: one query."""
    rows = {row.pair_id: row for row in PairBook.objects.filter(pair__in=[i.symbol.pair_id for i in infos])}
    return {i.symbol.pair_id: trading_selectors.book_params_of(rows.get(i.symbol.pair_id)) for i in infos}


def book_side(
    info: SymbolInfo,
    *,
    is_buy: bool,
    now: datetime,
    params: dict,
    top: int | None = None,
) -> tuple[Level, ...]:
    """The side of the perpetual's book a taker meets (a buy takes the asks), best first.

    ``params`` caches the book shapes by pair id (filled on a miss); ``top`` builds only the first levels,
    which are the whole side's first ones (level i depends on i alone).
    """
    pair_id = info.symbol.pair_id
    if pair_id not in params:
        params.update(book_params([info]))
    shape = params[pair_id]
    if top is not None and top < shape.levels:
        key = (pair_id, top)  # the shape cut to ``top`` levels, made once per call's cache
        if key not in params:
            params[key] = replace(shape, levels=top)
        shape = params[key]
    return order_book.book_side(
        mark=info.mark,
        params=shape,
        tick=info.symbol.tick_size,
        step=info.symbol.step_size,
        is_ask=is_buy,
        bucket=shape.bucket(now.timestamp()),
        key=info.code,
    )


@dataclass(frozen=True)
class SymbolBook:
    """A perpetual's book as ``depth`` and ``bookTicker`` show it."""

    info: SymbolInfo
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    last_update_id: int  # grows whenever the book can have changed: a new index, or a new noise draw


def symbol_books(infos: list[SymbolInfo], *, limit: int | None = None, now: datetime | None = None) -> list[SymbolBook]:
    """The books of priced perpetuals now, at most ``limit`` levels a side: one query for their shapes."""
    now = now or timezone.now()
    priced = [i for i in infos if i.mark_price is not None]
    params = book_params(priced)
    books = []
    for info in priced:
        shape = params[info.symbol.pair_id]
        sides = {is_buy: book_side(info, is_buy=is_buy, now=now, params=params) for is_buy in (True, False)}
        moved = int(info.index_time.timestamp() * 1000) if info.index_time else 0
        update_id = max(moved, shape.bucket(now.timestamp()) * shape.noise_seconds * 1000, 1)
        books.append(
            SymbolBook(info=info, bids=sides[False][:limit], asks=sides[True][:limit], last_update_id=update_id)
        )
    return books
