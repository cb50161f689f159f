"""Public market data: /api/v3 (and the fapi/dapi answers ccxt's load_markets() asks for)."""

from __future__ import annotations

from rest_framework.response import Response

from trading import selectors as trading_selectors
from trading.binance import book, errors, formats, selectors, throttling
from trading.binance.apis.base import BinanceApi, time_window
from trading.binance.auth import now_ms
from trading.binance.params import Params


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


class Ticker24hrApi(BinanceApi):
    def weight_for(self, request) -> int:
        return 2 if "symbol" in self.params else 80

    def get(self, request):
        pairs, as_list = _requested_pairs(self.params)
        top = book.tops(pairs)
        close_time = now_ms()
        tickers = [
            formats.ticker_24hr(
                stats,
                top=top[stats.symbol],
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
