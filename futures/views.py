"""The futures pages: one per symbol (Cross/Isolated switch, leverage, order ticket, positions, open orders,
funding and its countdown), and the summary the dashboard loads. Thin doors: every POST calls one
service; its error is shown as a message, and the page is shown again (POST, redirect, GET)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from core.views import login_required_live
from futures import advice, selectors
from futures import formulas as f
from futures.models import OPEN_ORDER_STATUSES, FuturesLiquidation, FuturesOrder, Income
from futures.services import orders, position_margin, symbol_settings, wallet
from futures.services.funding import funding_rate_estimate
from futures.services.liquidation import warning_ratio
from futures.services.orders.preview import futures_order_preview
from trading import selectors as trading_selectors
from trading.models import FillModel
from trading.views.book import DEPTH_ROWS, depth_rows


def _context(request: HttpRequest, code: str) -> dict:
    market = selectors.market_get()
    if code.upper() not in market:
        raise Http404("No such perpetual.")
    info = market[code.upper()]
    state = selectors.state_for_user(user=request.user, market=market)
    setting = None
    open_orders, income, liquidations = [], [], []
    if state is not None:
        setting = selectors.setting_get(wallet=state.wallet, symbol=info.symbol)
        open_orders = list(
            FuturesOrder.objects.filter(account=state.wallet, status__in=OPEN_ORDER_STATUSES)
            .select_related("symbol")
            .order_by("-id")[:50]
        )
        income = list(Income.objects.filter(account=state.wallet).select_related("symbol").order_by("-id")[:20])
        liquidations = list(
            FuturesLiquidation.objects.filter(account=state.wallet).select_related("symbol").order_by("-id")[:10]
        )
    now = timezone.now()
    next_funding = f.next_funding_time(now)
    position = state.position(info.code) if state else None
    notional = position.notional if position else Decimal(0)
    return {
        "info": info,
        "symbols": list(market),
        "state": state,
        "setting": setting,
        "leverage": setting.leverage if setting else selectors.DEFAULT_LEVERAGE,
        "margin_type": setting.margin_type if setting else "CROSSED",
        "max_leverage": info.max_leverage(notional),
        "position": position,
        "open_orders": open_orders,
        "income": income,
        "liquidations": liquidations,
        "funding_rate": funding_rate_estimate(info) if info.mark_price else None,
        "next_funding": next_funding,
        "countdown": str(next_funding - now).split(".")[0],
        "tips": advice.advice_for(state, warning_ratio=warning_ratio()),
        "order_types": FuturesOrder.Type.values,
        "time_in_force": FuturesOrder.TimeInForce.values,
    }


@login_required
@require_GET
def futures_index(request: HttpRequest) -> HttpResponse:
    return redirect("futures", symbol="BTCUSDT")


@login_required
@require_GET
def futures_page(request: HttpRequest, symbol: str) -> HttpResponse:
    return render(request, "futures/symbol.html", _context(request, symbol))


@login_required_live
@require_GET
def futures_live(request: HttpRequest, symbol: str) -> HttpResponse:
    return render(request, "futures/partials/live.html", _context(request, symbol))


@login_required_live
@require_GET
def futures_depth(request: HttpRequest, symbol: str) -> HttpResponse:
    """The perpetual's order book beside the ticket (an htmx fragment): what its market orders fill against."""
    market = selectors.market_get()
    info = market.get(symbol.upper())
    if info is None:
        raise Http404("No such perpetual.")
    context: dict[str, object] = {"depth_symbol": info.code, "book": None}
    if info.mark_price is not None:
        (book,) = selectors.symbol_books([info], limit=DEPTH_ROWS)
        context |= {
            "book": {"mark": info.mark_price},
            "asks": list(reversed(depth_rows(book.asks))),  # worst first, so the spread sits mid-table
            "bids": depth_rows(book.bids),
            "fixed_fills": trading_selectors.platform_settings_get().fill_model == FillModel.FIXED,
        }
    return render(request, "partials/depth.html", context)


@login_required_live
@require_GET
def futures_summary(request: HttpRequest) -> HttpResponse:
    """The dashboard's futures card: the wallet, its positions and the seed's tips."""
    state = selectors.state_for_user(user=request.user)
    context = {"state": state, "tips": advice.advice_for(state, warning_ratio=warning_ratio())}
    return render(request, "futures/partials/summary.html", context)


def _order_params(data) -> dict:
    """The ticket's order, as placement (and its preview) take it."""
    kind = data.get("type", "MARKET").upper()
    trailing = kind == FuturesOrder.Type.TRAILING_STOP_MARKET
    return {
        "side": data.get("side", ""),
        "type": kind,
        "quantity": data.get("quantity") or None,
        "price": (data.get("price") or None) if kind in orders.LIMIT_TYPES else None,
        "stop_price": (data.get("stop_price") or None) if kind in orders.STOP_TYPES else None,
        "time_in_force": (data.get("time_in_force") or None) if kind in orders.LIMIT_TYPES else None,
        "reduce_only": data.get("reduce_only") == "on",
        "working_type": data.get("working_type") or None,
        "callback_rate": (data.get("callback_rate") or None) if trailing else None,
        "activation_price": (data.get("activation_price") or None) if trailing else None,
    }


def _post(request: HttpRequest, code: str) -> str:
    data, user, action = request.POST, request.user, request.POST.get("action", "")
    if action == "transfer":
        wallet.futures_transfer_create(user=user, type=data.get("type", ""), amount=data.get("amount"))
        return "Transfer done."
    if action == "leverage":
        symbol_settings.futures_leverage_set(user=user, symbol=code, leverage=data.get("leverage", ""))
        return f"Leverage set to {data.get('leverage')}x."
    if action == "margin_type":
        symbol_settings.futures_margin_type_set(user=user, symbol=code, margin_type=data.get("margin_type", ""))
        return f"{code} is now {data.get('margin_type', '').upper()}."
    if action == "order":
        order = orders.futures_order_place(user=user, symbol=code, **_order_params(data))
        return f"Order #{order.pk} {order.status.lower()}."
    if action == "close":
        position = selectors.state_for_user(user=user)
        risk = position.position(code) if position else None
        if risk is None:
            raise ApplicationError("No open position to close.", code="no_position")
        side = "SELL" if risk.position.position_amt > 0 else "BUY"
        orders.futures_order_place(
            user=user, symbol=code, side=side, type="MARKET", quantity=abs(risk.position.position_amt), reduce_only=True
        )
        return "Position closed at market."
    if action == "cancel":
        orders.futures_order_cancel(user=user, order_id=data.get("order_id", ""))
        return "Order cancelled."
    if action in ("margin_add", "margin_reduce"):
        position_margin.futures_position_margin_change(
            user=user, symbol=code, amount=data.get("amount"), type="ADD" if action == "margin_add" else "REDUCE"
        )
        return "Isolated margin changed."
    raise ApplicationError("Unknown action.", code="invalid")


@login_required
@require_POST
def futures_action(request: HttpRequest, symbol: str) -> HttpResponse:
    code = symbol.upper()
    try:
        done = _post(request, code)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("futures", symbol=code)


@login_required_live
@require_POST
def futures_preview(request: HttpRequest, symbol: str) -> HttpResponse:
    """The ticket's preview: what the order would do (placement itself, rolled back), shown under the ticket."""
    context: dict = {}
    try:
        context["preview"] = futures_order_preview(user=request.user, symbol=symbol, **_order_params(request.POST))
    except ApplicationError as error:
        context["errors"] = [error.message]
    return render(request, "futures/partials/preview.html", context)
