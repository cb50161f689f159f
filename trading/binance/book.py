"""Binance's order-book views over the simulated book: ``/api/v3/depth`` and ``/api/v3/ticker/bookTicker``.

The book is the one orders fill against (``trading.selectors.order_book``): the same pure function of the
mark price and the pair's book parameters.
"""

from __future__ import annotations

from rest_framework.response import Response

from trading import selectors as trading_selectors
from trading.binance import errors, formats, selectors
from trading.binance.apis.base import BinanceApi
from trading.book import Level
from trading.margin import ZERO, slipped_price
from trading.models import FillModel

# GET /api/v3/depth: "limit: Default 100; Maximum 5000. If limit > 5000, only 5000 entries will be
# returned"; weight by limit 1-100: 5, 101-500: 25, 501-1000: 50, 1001-5000: 250.
# https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#order-book
DEPTH_DEFAULT, DEPTH_MAX = 100, 5000
DEPTH_WEIGHTS = ((100, 5), (500, 25), (1000, 50))


def _levels(levels: tuple[Level, ...]) -> list[list[str]]:
    return [[formats.amount(level.price), formats.amount(level.quantity)] for level in levels]


class DepthApi(BinanceApi):
    def weight_for(self, request) -> int:
        raw = request.query_params.get("limit", "")
        limit = int(raw) if raw.isdigit() and len(raw) < 10 else DEPTH_DEFAULT
        return next((weight for top, weight in DEPTH_WEIGHTS if limit <= top), 250)

    def get(self, request):
        p = self.params
        pair = selectors.pair_get(p.symbol(required=True))
        limit = min(p.integer("limit", default=DEPTH_DEFAULT, minimum=1), DEPTH_MAX)
        book = trading_selectors.order_book(pair=pair, limit=limit)
        return Response({"lastUpdateId": book.last_update_id, "bids": _levels(book.bids), "asks": _levels(book.asks)})


def _top(view, settings) -> dict:
    """The best bid and ask: the book's first levels (FIXED model: the slipped mark, with no size)."""
    if settings.fill_model == FillModel.BOOK:
        bid = view.bids[0] if view.bids else Level(ZERO, ZERO)
        ask = view.asks[0] if view.asks else Level(ZERO, ZERO)
    else:
        common = {"mark": view.mark, "slippage_bps": settings.slippage_bps, "tick": view.pair.tick_size}
        bid = Level(slipped_price(is_buy=False, **common), ZERO)
        ask = Level(slipped_price(is_buy=True, **common), ZERO)
    return {
        "symbol": view.pair.symbol,
        "bidPrice": formats.amount(bid.price),
        "bidQty": formats.amount(bid.quantity),
        "askPrice": formats.amount(ask.price),
        "askQty": formats.amount(ask.quantity),
    }


def tops(pairs) -> dict[str, dict]:
    """The best bid and ask of each pair, by symbol (bookTicker and ticker/24hr agree on them)."""
    settings = trading_selectors.platform_settings_get()
    return {view.pair.symbol: _top(view, settings) for view in trading_selectors.order_books(pairs=pairs, limit=1)}


class BookTickerApi(BinanceApi):
    """Best bid and ask with their quantities: the book's top (FIXED model: the slipped mark, no size)."""

    # GET /api/v3/ticker/bookTicker: weight 2 for one symbol, 4 for several or all.
    # https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#symbol-order-book-ticker
    def weight_for(self, request) -> int:
        return 2 if "symbol" in self.params else 4

    def get(self, request):
        p = self.params
        symbols = p.symbol_list() or ([p.symbol(required=True)] if "symbol" in p else None)
        pairs = selectors.pairs(symbols)
        tickers = list(tops(pairs).values())
        if symbols is None or "symbols" in p:
            return Response(tickers)
        if not tickers:
            raise errors.BinanceError(errors.BAD_SYMBOL)
        return Response(tickers[0])
