"""Public market data: /api/v3 (and the fapi/dapi answers ccxt's load_markets() asks for)."""

from __future__ import annotations

from rest_framework.response import Response

from trading import selectors as trading_selectors
from trading.binance import errors, formats, selectors, throttling
from trading.binance.apis.base import BinanceApi, time_window
from trading.binance.auth import now_ms
from trading.binance.params import Params
from trading.margin import slipped_price


class PingApi(BinanceApi):
    def get(self, request):
        return Response({})


class TimeApi(BinanceApi):
    def get(self, request):
        return Response({"serverTime": now_ms()})


class ExchangeInfoApi(BinanceApi):
    weight = 20

    def get(self, request):
        p = self.params
        symbols = p.symbol_list() or ([p.symbol(required=True)] if "symbol" in p else None)
        pairs = selectors.pairs(symbols)
        return Response(formats.exchange_info(pairs=pairs, server_time=now_ms(), ip_limit=throttling.ip_limit()))


class FuturesExchangeInfoApi(BinanceApi):
    """ccxt's load_markets() asks fapi and dapi too: MarginLab lists no futures, so both are empty."""

    weight = 1

    def get(self, request):
        return Response(formats.futures_exchange_info(server_time=now_ms(), ip_limit=throttling.ip_limit()))


def _requested_pairs(p: Params):
    symbols = p.symbol_list() or ([p.symbol(required=True)] if "symbol" in p else None)
    return selectors.pairs(symbols), symbols is None or "symbols" in p


class TickerPriceApi(BinanceApi):
    def weight_for(self, request) -> int:
        return 2 if "symbol" in self.params else 4

    def get(self, request):
        pairs, as_list = _requested_pairs(self.params)
        prices = trading_selectors.mark_prices()
        tickers = [formats.price_ticker(p.symbol, prices[p.base.code]) for p in pairs if p.base.code in prices]
        return Response(tickers if as_list else _single(tickers))


def _single(tickers: list):
    if not tickers:
        raise errors.BinanceError(errors.BAD_SYMBOL)
    return tickers[0]


def _bid_ask(pair, mark, settings) -> dict:
    """What a market sell and a market buy would fill at now: the mark moved by the slippage (``margin``)."""
    common = {"mark": mark, "slippage_bps": settings.slippage_bps, "tick": pair.tick_size}
    return {"bid": slipped_price(is_buy=False, **common), "ask": slipped_price(is_buy=True, **common)}


class BookTickerApi(BinanceApi):
    def weight_for(self, request) -> int:
        return 2 if "symbol" in self.params else 4

    def get(self, request):
        pairs, as_list = _requested_pairs(self.params)
        prices, settings = trading_selectors.mark_prices(), trading_selectors.platform_settings_get()
        tickers = [
            formats.book_ticker(p.symbol, **_bid_ask(p, prices[p.base.code], settings))
            for p in pairs
            if p.base.code in prices
        ]
        return Response(tickers if as_list else _single(tickers))


class Ticker24hrApi(BinanceApi):
    def weight_for(self, request) -> int:
        return 2 if "symbol" in self.params else 80

    def get(self, request):
        pairs, as_list = _requested_pairs(self.params)
        by_symbol = {p.symbol: p for p in pairs}
        settings = trading_selectors.platform_settings_get()
        close_time = now_ms()
        tickers = [
            formats.ticker_24hr(
                stats,
                **_bid_ask(by_symbol[stats.symbol], stats.last, settings),
                open_time=close_time - 24 * 3600 * 1000,
                close_time=close_time,
            )
            for stats in selectors.day_stats(pair_list=pairs)
        ]
        return Response(tickers if as_list else _single(tickers))


class KlinesApi(BinanceApi):
    weight = 2

    def get(self, request):
        p = self.params
        pair = selectors.pair_get(p.symbol(required=True))
        interval = p.choice("interval", selectors.KLINE_INTERVALS, error=errors.INVALID_INTERVAL, required=True)
        candles = selectors.klines(
            pair=pair,
            interval=interval,
            **time_window(p),
            limit=p.limit(default=500, maximum=1000),
        )
        return Response([formats.kline(c) for c in candles])
