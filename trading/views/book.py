"""The depth view beside the order ticket: the book the ticket's market orders fill against."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.errors import ApplicationError
from core.views import login_required_live
from trading import selectors
from trading.models import FillModel

DEPTH_ROWS = 8  # levels a side: enough to see the slippage of a large order, small beside the ticket


def depth_rows(levels) -> list[dict]:
    """Levels with their running totals (the futures page's book shows them the same way)."""
    total, out = Decimal(0), []
    for level in levels:
        total += level.quantity
        out.append({"price": level.price, "quantity": level.quantity, "total": total})
    return out


def depth_context(symbol: str) -> dict:
    """The pair's top levels with running totals; the asks listed worst first, so the spread sits mid-table."""
    try:
        pair = selectors.pair_get(symbol=symbol)
        book = selectors.order_book(pair=pair, limit=DEPTH_ROWS)
    except ApplicationError:
        return {"depth_symbol": symbol, "book": None}

    return {
        "depth_symbol": pair.symbol,
        "book": book,
        "asks": list(reversed(depth_rows(book.asks))),
        "bids": depth_rows(book.bids),
        "fixed_fills": selectors.platform_settings_get().fill_model == FillModel.FIXED,
    }


@login_required_live
@require_GET
def depth_live(request: HttpRequest) -> HttpResponse:
    """The ticket's ``ticket-symbol`` (else ``?symbol=``): that pair's book, as an htmx fragment."""
    symbol = str(request.GET.get("ticket-symbol") or request.GET.get("symbol") or "")
    if not symbol.isalnum():
        raise Http404("Unknown symbol.")
    return render(request, "partials/depth.html", depth_context(symbol))
