"""Public market data in Binance's shapes: exchangeInfo, tickers, klines."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from trading.binance.formats.common import (
    ORDER_TYPES,
    amount,
    ratio,
)
from trading.models import Pair
from trading.services.common import MAX_AMOUNT


def symbol_info(pair: Pair) -> dict:
    """One entry of exchangeInfo's ``symbols``, with the filters the order services enforce."""
    return {
        "symbol": pair.symbol,
        "status": "TRADING" if pair.is_active else "BREAK",
        "baseAsset": pair.base.code,
        "baseAssetPrecision": 8,
        "quoteAsset": pair.quote.code,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": ORDER_TYPES,
        "icebergAllowed": False,
        "ocoAllowed": True,  # margin/order/oco, and on spot order/oco and orderList/oco
        "otoAllowed": False,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": False,
        "cancelReplaceAllowed": False,
        "isSpotTradingAllowed": pair.is_active,
        "isMarginTradingAllowed": pair.is_active and pair.margin_enabled,
        "filters": [
            # No upper bounds but the services' largest amount (trading.services.common.MAX_AMOUNT).
            {
                "filterType": "PRICE_FILTER",
                "minPrice": amount(pair.tick_size),
                "maxPrice": amount(MAX_AMOUNT - pair.tick_size),
                "tickSize": amount(pair.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": amount(pair.min_qty),
                "maxQty": amount(MAX_AMOUNT - pair.step_size),
                "stepSize": amount(pair.step_size),
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": amount(pair.min_notional),
                "applyMinToMarket": True,
                "avgPriceMins": 0,
            },
        ],
        "permissions": [],
        "permissionSets": [["SPOT", "MARGIN"]],
        "defaultSelfTradePreventionMode": "NONE",
        "allowedSelfTradePreventionModes": ["NONE"],
    }


def rate_limits(ip_limit: int) -> list[dict]:
    return [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": ip_limit}]


def exchange_info(*, pairs: list[Pair], server_time: int, ip_limit: int) -> dict:
    return {
        "timezone": "UTC",
        "serverTime": server_time,
        "rateLimits": rate_limits(ip_limit),
        "exchangeFilters": [],
        "symbols": [symbol_info(pair) for pair in pairs],
    }


def futures_exchange_info(*, server_time: int, ip_limit: int) -> dict:
    """fapi/dapi exchangeInfo: MarginLab lists no futures (yet), so no assets and no symbols."""
    return {
        "timezone": "UTC",
        "serverTime": server_time,
        "rateLimits": rate_limits(ip_limit),
        "exchangeFilters": [],
        "assets": [],
        "symbols": [],
    }


def price_ticker(symbol: str, price: Decimal) -> dict:
    return {"symbol": symbol, "price": amount(price)}


def ticker_24hr(stats, *, top: dict, open_time: int, close_time: int) -> dict:
    """``stats``: a ``selectors.DayStats`` (prices from the mark-price candles, volume from the fills);
    ``top``: the book's best bid and ask (``trading.binance.book.tops``), as bookTicker answers them."""
    change = stats.last - stats.open
    return {
        "symbol": stats.symbol,
        "priceChange": amount(change),
        "priceChangePercent": f"{(ratio(change * 100, stats.open)).quantize(Decimal('0.001'), ROUND_HALF_UP):f}",
        "weightedAvgPrice": amount(ratio(stats.quote_volume, stats.volume) or stats.last),
        "prevClosePrice": amount(stats.open),
        "lastPrice": amount(stats.last),
        "lastQty": amount(0),
        "bidPrice": top["bidPrice"],
        "bidQty": top["bidQty"],
        "askPrice": top["askPrice"],
        "askQty": top["askQty"],
        "openPrice": amount(stats.open),
        "highPrice": amount(stats.high),
        "lowPrice": amount(stats.low),
        "volume": amount(stats.volume),
        "quoteVolume": amount(stats.quote_volume),
        "openTime": open_time,
        "closeTime": close_time,
        "firstId": stats.first_trade_id if stats.first_trade_id is not None else -1,
        "lastId": stats.last_trade_id if stats.last_trade_id is not None else -1,
        "count": stats.count,
    }


def kline(candle) -> list:
    """``candle``: a ``selectors.Kline``. Volumes are zero: the paper market's prices are marks, not trades."""
    return [
        candle.open_time,
        amount(candle.open),
        amount(candle.high),
        amount(candle.low),
        amount(candle.close),
        amount(0),
        candle.close_time,
        amount(0),
        0,
        amount(0),
        amount(0),
        "0",
    ]
