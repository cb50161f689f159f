"""Public market data of the perpetuals: exchangeInfo, the book, tickers, klines, mark and funding.

``depth`` and ``bookTicker`` show the book futures orders fill against (``futures.services.orders.book``):
under the BOOK fill model, the perpetual's simulated book (its pair's shape around the perpetual's mark), so
a market order of any size fills at the average of the levels it walks as shown; under FIXED, one price on
each side (the mark moved by the slippage) for any quantity an order may carry (the LOT_SIZE maximum).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from rest_framework.response import Response

from core.money import Q8
from futures import formulas as f
from futures import selectors as futures_selectors
from futures.fapi import formats, selectors
from futures.fapi.views.base import FapiApi, limit_weight, time_window
from futures.selectors import SymbolInfo
from futures.services.funding import funding_rate_estimate
from trading import selectors as trading_selectors
from trading.binance import errors, throttling
from trading.binance import selectors as binance_selectors
from trading.binance.auth import now_ms
from trading.binance.formats import amount, kline, ms
from trading.book import Level
from trading.margin import slipped_price
from trading.models import FillModel

# https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Order-Book
# "limit: Default 500; Valid limits:[5, 10, 20, 50, 100, 500, 1000]"; weight 5-50: 2, 100: 5, 500: 10, 1000: 20.
DEPTH_LIMITS = {"5": 2, "10": 2, "20": 2, "50": 2, "100": 5, "500": 10, "1000": 20}
DEPTH_DEFAULT = 500
# https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Kline-Candlestick-Data
KLINE_WEIGHTS = ((100, 1), (500, 2), (1001, 5), (1501, 10))
KLINE_MAX = 1500


class ExchangeInfoApi(FapiApi):
    def get(self, request):
        infos = list(selectors.market().values())
        return Response(formats.exchange_info(infos=infos, server_time=now_ms(), ip_limit=throttling.ip_limit()))


def _requested(view: FapiApi) -> tuple[list[SymbolInfo], bool]:
    """The named symbol (one answer) or every priced one (a list)."""
    market = selectors.market()
    info = view.symbol(market, required=False)
    if info is None:
        return selectors.priced(market.values()), True
    if info.mark_price is None:
        raise errors.BinanceError(errors.BAD_SYMBOL)
    return [info], False


def bid_ask(info: SymbolInfo, slippage_bps) -> tuple:
    """What a market sell and a market buy fill at now under FIXED: the slipped mark."""
    common = {"mark": info.mark_price, "slippage_bps": slippage_bps, "tick": info.symbol.tick_size}
    return slipped_price(is_buy=False, **common), slipped_price(is_buy=True, **common)


def _levels(levels) -> list[list[str]]:
    return [[amount(level.price), amount(level.quantity)] for level in levels]


def books(infos: list[SymbolInfo], *, limit: int) -> list[futures_selectors.SymbolBook]:
    """Each priced perpetual's book, ``limit`` levels a side: the one its orders fill against now."""
    settings = trading_selectors.platform_settings_get()
    if settings.fill_model == FillModel.BOOK:
        return futures_selectors.symbol_books(infos, limit=limit)
    answers = []
    for info in selectors.priced(infos):
        bid, ask = bid_ask(info, settings.slippage_bps)
        size = formats.max_qty(info)
        answers.append(
            futures_selectors.SymbolBook(
                info=info, bids=(Level(bid, size),), asks=(Level(ask, size),), last_update_id=now_ms()
            )
        )
    return answers


class TickerPriceApi(FapiApi):
    """v1 and v2 ticker/price. https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Symbol-Price-Ticker-v2"""

    def weight_for(self, request) -> int:
        return 1 if "symbol" in self.params else 2

    def get(self, request):
        infos, as_list = _requested(self)
        now = now_ms()
        tickers = [{"symbol": i.code, "price": amount(i.mark_price), "time": now} for i in infos]
        return Response(tickers if as_list else tickers[0])


class BookTickerApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Symbol-Order-Book-Ticker"""

    def weight_for(self, request) -> int:
        return 2 if "symbol" in self.params else 5

    def get(self, request):
        infos, as_list = _requested(self)
        now = now_ms()
        tickers = []
        for book in books(infos, limit=1):
            (bid, bid_qty), (ask, ask_qty) = (
                (_levels(book.bids) or [["0", "0"]])[0],
                (_levels(book.asks) or [["0", "0"]])[0],
            )
            tickers.append(
                {"symbol": book.info.code, "bidPrice": bid, "bidQty": bid_qty, "askPrice": ask, "askQty": ask_qty}
                | {"time": now, "lastUpdateId": book.last_update_id}
            )
        return Response(tickers if as_list else tickers[0])


class DepthApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Order-Book"""

    def weight_for(self, request) -> int:
        return DEPTH_LIMITS.get(self.params.get("limit") or str(DEPTH_DEFAULT), 10)

    def get(self, request):
        p = self.params
        market = selectors.market()
        info = self.symbol(market)
        limit = int(p.choice("limit", DEPTH_LIMITS) or DEPTH_DEFAULT)
        if info.mark_price is None:
            raise errors.BinanceError(errors.BAD_SYMBOL)
        (book,) = books([info], limit=limit)
        now = now_ms()
        return Response(
            {"lastUpdateId": book.last_update_id, "E": now, "T": now}
            | {"bids": _levels(book.bids), "asks": _levels(book.asks)}
        )


class Ticker24hrApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/24hr-Ticker-Price-Change-Statistics

    Prices from the index's 1-minute candles moved by the symbol's basis (the mark), volume from the
    perpetual's own fills.
    """

    def weight_for(self, request) -> int:
        return 1 if "symbol" in self.params else 40

    def get(self, request):
        infos, as_list = _requested(self)
        day = binance_selectors.day_stats(pair_list=[i.symbol.pair for i in infos])
        stats = {s.symbol: s for s in day}
        volumes = selectors.day_volumes(infos)
        close = now_ms()
        tickers = []
        for info in infos:
            day_stats = stats.get(info.symbol.pair.symbol)
            if day_stats is None:
                continue
            tickers.append(_ticker_24hr(info, day_stats, volumes.get(info.symbol.pk), close))
        return Response(tickers if as_list else tickers[0])


def _on_mark(info: SymbolInfo, index_price):
    return f.round_to(index_price * (1 + info.symbol.basis_rate), info.symbol.tick_size)


def _ticker_24hr(info: SymbolInfo, stats, volume, close: int) -> dict:
    open_, last = _on_mark(info, stats.open), info.mark_price
    change = last - open_
    quote = volume.quote_volume if volume else 0
    base = volume.volume if volume else 0
    return {
        "symbol": info.code,
        "priceChange": amount(change),
        "priceChangePercent": f"{(change * 100 / open_ if open_ else 0):.3f}",
        "weightedAvgPrice": amount(quote / base if base else last),
        "lastPrice": amount(last),
        "lastQty": amount(volume.last_qty if volume else 0),
        "openPrice": amount(open_),
        "highPrice": amount(max(_on_mark(info, stats.high), last)),
        "lowPrice": amount(min(_on_mark(info, stats.low), last)),
        "volume": amount(base),
        "quoteVolume": amount(quote),
        "openTime": close - 24 * 3600 * 1000,
        "closeTime": close,
        "firstId": volume.first_id if volume else -1,
        "lastId": volume.last_id if volume else -1,
        "count": volume.count if volume else 0,
    }


class KlinesApi(FapiApi):
    """klines and markPriceKlines: the contract's last price is its mark here, so both are the mark's candles
    (the index's stored candles moved by the symbol's current basis).
    https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Mark-Price-Kline-Candlestick-Data
    """

    def weight_for(self, request) -> int:
        limit = self.params.integer("limit", default=500)
        return limit_weight(limit, KLINE_WEIGHTS)

    def get(self, request):
        p = self.params
        info = self.symbol(selectors.market())
        interval = p.choice("interval", binance_selectors.KLINE_INTERVALS, error=errors.INVALID_INTERVAL, required=True)
        candles = binance_selectors.klines(
            pair=info.symbol.pair, interval=interval, **time_window(p), limit=p.limit(default=500, maximum=KLINE_MAX)
        )
        moved = [
            replace(c, open=_on_mark(info, c.open), high=_on_mark(info, c.high), low=_on_mark(info, c.low))
            for c in candles
        ]
        return Response([kline(replace(c, close=_on_mark(info, o.close))) for c, o in zip(moved, candles, strict=True)])


class PremiumIndexApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Mark-Price"""

    def weight_for(self, request) -> int:
        return 1 if "symbol" in self.params else 10

    def get(self, request):
        infos, as_list = _requested(self)
        now = now_ms()
        next_funding = ms(f.next_funding_time(datetime.now(UTC)))
        entries = [
            {
                "symbol": info.code,
                "markPrice": amount(info.mark_price),
                "indexPrice": amount(info.index_price),
                "estimatedSettlePrice": amount(info.mark_price),
                "lastFundingRate": f"{funding_rate_estimate(info).quantize(Q8):f}",
                "interestRate": f"{f.INTEREST_PER_INTERVAL:f}",
                "nextFundingTime": next_funding,
                "time": now,
            }
            for info in infos
        ]
        return Response(entries if as_list else entries[0])


class FundingRateApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-History"""

    def get(self, request):
        p = self.params
        info = self.symbol(selectors.market(), required=False)
        rows = selectors.funding_rates(info=info, **time_window(p), limit=p.limit(default=100, maximum=1000))
        return Response(
            [
                {
                    "symbol": r.symbol.symbol,
                    "fundingRate": f"{r.funding_rate:f}",
                    "fundingTime": ms(r.funding_time),
                    "markPrice": amount(r.mark_price),
                }
                for r in rows
            ]
        )


class FundingInfoApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-Info

    The rate is premium + clamp(interest - premium, +-0.05 %) (``futures.formulas.funding_rate``), the
    premium being the symbol's simulated basis: the cap and floor shown are Binance's usual 2 %, which the
    rate stays within while staff keep the basis under it.
    """

    def get(self, request):
        return Response(
            [
                {
                    "symbol": info.code,
                    "adjustedFundingRateCap": "0.02000000",
                    "adjustedFundingRateFloor": "-0.02000000",
                    "fundingIntervalHours": f.FUNDING_INTERVAL_HOURS,
                    "disclaimer": False,
                }
                for info in selectors.market().values()
            ]
        )
