"""The markets page and the candles of its price charts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.errors import ApplicationError, NotFound
from core.views import login_required_live
from trading import history, selectors
from trading.models import PriceCandle
from trading.views.common import max_safely

CHART_CANDLES = 240  # four hours of 1-minute candles, ten days of hourly ones


@login_required
@require_GET
def markets(request: HttpRequest) -> HttpResponse:
    tickers = selectors.ticker_list()
    symbols = [t.symbol for t in tickers]
    symbol = str(request.GET.get("symbol", "")).upper()
    if symbol not in symbols:
        symbol = "BTCUSDT" if "BTCUSDT" in symbols else (symbols[0] if symbols else "")
    return render(request, "markets.html", {"tickers": tickers, "chart_symbol": symbol})


@login_required_live
@require_GET
def candles_json(request: HttpRequest, symbol: str) -> JsonResponse:
    """A pair's recent candles for its price chart (oldest first), with the mark price now."""
    interval = request.GET.get("interval") or PriceCandle.Interval.MINUTE
    try:
        candles = list(history.price_history(symbol=symbol, interval=interval)[:CHART_CANDLES])
        pair = selectors.pair_get(symbol=symbol)
        mark = max_safely(lambda: selectors.mark_price_get(pair=pair))
    except NotFound:
        raise Http404("Unknown symbol.") from None
    except ApplicationError as error:
        return JsonResponse({"error": error.message}, status=400)
    rows = [
        {"t": c.open_time.isoformat(), "o": str(c.open), "h": str(c.high), "l": str(c.low), "c": str(c.close)}
        for c in reversed(candles)
    ]
    mark_text = f"{mark.normalize():f}" if mark is not None else ""
    return JsonResponse({"symbol": pair.symbol, "interval": interval, "mark": mark_text, "candles": rows})
