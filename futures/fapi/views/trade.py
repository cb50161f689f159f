"""Orders and trades: order (place, query, cancel), batchOrders, openOrders, openOrder, allOrders,
allOpenOrders, userTrades and forceOrders, over ``futures.services.orders`` and ``futures.fapi.selectors``.

Every parameter is read with Binance's checks first (``Params``: -1100 / -1102 / -1130 and Binance's
mandatory parameters per order type), then the order service decides everything else.
"""

from __future__ import annotations

import json
import re

from rest_framework.response import Response

from core.errors import ApplicationError
from core.parsers import json_too_deep
from futures.fapi import errors, formats, selectors
from futures.fapi.views.base import TRADE, USER_DATA, FapiApi, time_window
from futures.models import FuturesOrder
from futures.selectors import SymbolInfo
from futures.services import orders
from trading.binance import errors as binance_errors
from trading.binance.errors import BinanceError
from trading.binance.params import Params

Type = FuturesOrder.Type
# https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Order (the
# parameters each type must send).
MANDATORY = {
    Type.LIMIT: ("timeInForce", "quantity", "price"),
    Type.MARKET: ("quantity",),
    Type.STOP: ("quantity", "price", "stopPrice"),
    Type.TAKE_PROFIT: ("quantity", "price", "stopPrice"),
    Type.STOP_MARKET: ("stopPrice",),
    Type.TAKE_PROFIT_MARKET: ("stopPrice",),
    Type.TRAILING_STOP_MARKET: ("callbackRate",),
}
WITH_PRICE = (Type.LIMIT, Type.STOP, Type.TAKE_PROFIT)
CLIENT_ORDER_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
CLIENT_ORDER_ID_RANGE = r"^[\.A-Z\:/a-z0-9_-]{1,36}$"
POSITION_SIDES = ("BOTH", "LONG", "SHORT")
MAX_BATCH_ORDERS = 5  # Binance: at most 5 orders per batchOrders
MAX_BATCH_CANCELS = 10  # and at most 10 ids per cancel


def client_id(p: Params, name: str) -> str | None:
    value = p.get(name)
    if value is not None and not CLIENT_ORDER_ID.fullmatch(value):
        raise binance_errors.illegal_chars(name, CLIENT_ORDER_ID_RANGE)
    return value


def place(user, p: Params, market: dict[str, SymbolInfo]) -> FuturesOrder:
    """One order from Binance's parameters (POST order, and each of batchOrders)."""
    info = selectors.symbol_info(market, p.symbol(required=True))
    side = p.choice("side", FuturesOrder.Side.values, error=binance_errors.INVALID_SIDE, required=True)
    kind = p.choice("type", Type.values, error=binance_errors.INVALID_ORDER_TYPE, required=True)
    close_position = p.flag("closePosition")
    for name in MANDATORY[kind]:
        if not (name == "quantity" and close_position):
            p.required(name)
    if kind not in WITH_PRICE and "price" in p:
        raise binance_errors.not_required("price")
    time_in_force = p.choice("timeInForce", FuturesOrder.TimeInForce.values, error=binance_errors.INVALID_TIME_IN_FORCE)
    position_side = p.choice("positionSide", POSITION_SIDES) or "BOTH"
    p.choice("newOrderRespType", ("ACK", "RESULT"))
    p.flag("priceProtect")
    return orders.futures_order_place(
        user=user,
        symbol=info.code,
        side=side,
        type=kind,
        quantity=p.decimal("quantity"),
        price=p.decimal("price") if kind in WITH_PRICE else None,
        stop_price=p.decimal("stopPrice"),
        time_in_force=time_in_force if kind in WITH_PRICE else None,
        reduce_only=p.flag("reduceOnly"),
        close_position=close_position,
        working_type=p.choice("workingType", FuturesOrder.WorkingType.values),
        callback_rate=p.decimal("callbackRate"),
        activation_price=p.decimal("activationPrice"),
        position_side=position_side,
        client_order_id=client_id(p, "newClientOrderId"),
    )


def _find(view: FapiApi, info: SymbolInfo) -> FuturesOrder:
    p = view.params
    return selectors.order_find(
        user=view.user,
        info=info,
        order_id=p.id("orderId"),
        client_order_id=client_id(p, "origClientOrderId"),
    )


class OrderApi(FapiApi):
    """New Order, Query Order, Cancel Order:
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Order
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-Order
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Cancel-Order"""

    security = {"POST": TRADE, "GET": USER_DATA, "DELETE": TRADE}
    weight = {"POST": 0, "GET": 1, "DELETE": 1}
    action = {"POST": "order", "GET": "query", "DELETE": "cancel"}

    def post(self, request):
        return Response(formats.order(place(self.user, self.params, selectors.market())))

    def get(self, request):
        return Response(formats.order(_find(self, self.symbol(selectors.market()))))

    def delete(self, request):
        order = _find(self, self.symbol(selectors.market()))
        return Response(formats.order(orders.futures_order_cancel(user=self.user, order_id=order.pk)))


def _params_from(values: dict) -> Params:
    """One batch item as ``Params``, with the same checks as a request's own parameters."""
    params = Params.__new__(Params)
    params.values = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    return params


def _json_list(p: Params, name: str, *, maximum: int) -> list:
    raw = p.required(name)
    if json_too_deep(raw):
        raise binance_errors.invalid_data(name)
    try:
        items = json.loads(raw)
    except ValueError:
        raise binance_errors.invalid_data(name) from None
    if not isinstance(items, list) or not items:
        raise binance_errors.invalid_data(name)
    if len(items) > maximum:
        raise BinanceError((-4035 if name == "batchOrders" else -4036, f"Maximum {maximum} items in {name}."))
    return items


def _error_item(exc: Exception, action: str) -> dict:
    if isinstance(exc, ApplicationError):
        exc = errors.translate(exc, action=action)
    assert isinstance(exc, BinanceError)
    return exc.body()


class BatchOrdersApi(FapiApi):
    """Up to 5 orders (POST) or 10 cancels (DELETE); each succeeds or fails alone, in order, as on Binance.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Place-Multiple-Orders
    """

    security = TRADE
    weight = {"POST": 5, "DELETE": 1}
    action = {"POST": "order", "DELETE": "cancel"}

    def post(self, request):
        items = _json_list(self.params, "batchOrders", maximum=MAX_BATCH_ORDERS)
        market = selectors.market()
        answers = []
        for item in items:
            try:
                if not isinstance(item, dict):
                    raise binance_errors.invalid_data("batchOrders")
                answers.append(formats.order(place(self.user, _params_from(item), market)))
            except (ApplicationError, BinanceError) as exc:
                answers.append(_error_item(exc, "order"))
        return Response(answers)

    def delete(self, request):
        p = self.params
        info = self.symbol(selectors.market())
        if "orderIdList" in p:
            ids = _json_list(p, "orderIdList", maximum=MAX_BATCH_CANCELS)
            lookups = [{"orderId": str(i)} for i in ids]
        else:
            names = _json_list(p, "origClientOrderIdList", maximum=MAX_BATCH_CANCELS)
            lookups = [{"origClientOrderId": str(n)} for n in names]
        answers = []
        for lookup in lookups:
            try:
                lp = _params_from(lookup)
                order = selectors.order_find(
                    user=self.user,
                    info=info,
                    order_id=lp.id("orderId"),
                    client_order_id=client_id(lp, "origClientOrderId"),
                )
                answers.append(formats.order(orders.futures_order_cancel(user=self.user, order_id=order.pk)))
            except (ApplicationError, BinanceError) as exc:
                answers.append(_error_item(exc, "cancel"))
        return Response(answers)


class OpenOrdersApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Current-All-Open-Orders"""

    security = USER_DATA

    def weight_for(self, request) -> int:
        return 1 if "symbol" in self.params else 40

    def get(self, request):
        info = self.symbol(selectors.market(), required=False)
        return Response([formats.order(o) for o in selectors.open_orders(user=self.user, info=info)])


class OpenOrderApi(FapiApi):
    """One open order; a filled or cancelled one is -2013.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-Current-Open-Order
    """

    security = USER_DATA

    def get(self, request):
        order = _find(self, self.symbol(selectors.market()))
        if not order.is_open:
            raise BinanceError(binance_errors.NO_SUCH_ORDER)
        return Response(formats.order(order))


def cancel_each(user, found: list[FuturesOrder], *, untriggered: bool = False) -> None:
    """Cancel every one of these orders that is still open (allOpenOrders, algoOpenOrders: ``untriggered``)."""
    for order in found:
        try:
            orders.futures_order_cancel(user=user, order_id=order.pk, untriggered=untriggered)
        except ApplicationError as exc:
            if exc.code != "unknown_order":  # filled or cancelled meanwhile: nothing left to cancel
                raise


class AllOpenOrdersApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Cancel-All-Open-Orders"""

    security = TRADE
    action = "cancel"

    def delete(self, request):
        info = self.symbol(selectors.market())
        cancel_each(self.user, selectors.open_orders(user=self.user, info=info))
        return Response({"code": 200, "msg": "The operation of cancel all open order is done."})


class AllOrdersApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/All-Orders"""

    security = USER_DATA
    weight = 5

    def get(self, request):
        p = self.params
        info = self.symbol(selectors.market())
        found = selectors.all_orders(
            user=self.user,
            info=info,
            order_id=p.id("orderId"),
            **time_window(p),
            limit=p.limit(default=500, maximum=1000),
        )
        return Response([formats.order(o) for o in found])


class UserTradesApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Account-Trade-List"""

    security = USER_DATA
    weight = 5

    def get(self, request):
        p = self.params
        info = self.symbol(selectors.market())
        found = selectors.user_trades(
            user=self.user,
            info=info,
            order_id=p.id("orderId"),
            from_id=p.id("fromId"),
            **time_window(p),
            limit=p.limit(default=500, maximum=1000),
        )
        return Response([formats.trade(t) for t in found])


class ForceOrdersApi(FapiApi):
    """https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Users-Force-Orders"""

    security = USER_DATA

    def weight_for(self, request) -> int:
        return 20 if "symbol" in self.params else 50

    def get(self, request):
        p = self.params
        info = self.symbol(selectors.market(), required=False)
        if p.choice("autoCloseType", ("LIQUIDATION", "ADL")) == "ADL":
            return Response([])  # no auto-deleveraging here
        found = selectors.force_orders(
            user=self.user, info=info, **time_window(p), limit=p.limit(default=50, maximum=100)
        )
        return Response([formats.force_order(o) for o in found])
