"""OCO on margin accounts: the web page's OCO (``orders.oco_place``) through Binance's margin OCO paths.

https://developers.binance.com/docs/margin_trading/trade: POST margin/order/oco, GET and DELETE
margin/orderList, GET margin/allOrderList and margin/openOrderList. A MarginLab OCO is a LIMIT_MAKER leg
above (SELL) or below (BUY) the mark and a STOP_LOSS_LIMIT leg on the other side, so ``stopLimitPrice`` is
mandatory here (Binance would make a plain STOP_LOSS leg without it).
"""

from __future__ import annotations

import uuid

from rest_framework.response import Response

from trading.binance import errors, formats, selectors
from trading.binance.apis.base import (
    RESPONSE_TYPES,
    SIDE_EFFECTS,
    SIDES,
    TIMES_IN_FORCE,
    TRADE,
    USER_DATA,
    BinanceApi,
    margin_route,
    time_window,
)
from trading.models import OPEN_STATUSES
from trading.services import orders


class MarginOcoApi(BinanceApi):
    security = TRADE
    weight = 1
    uid_weight = 6
    action = "order"

    def post(self, request):
        p = self.params
        symbol = p.symbol(required=True)
        side = p.choice("side", SIDES, error=errors.INVALID_SIDE, required=True)
        time_in_force = p.choice("stopLimitTimeInForce", TIMES_IN_FORCE, error=errors.INVALID_TIME_IN_FORCE)
        response_type = p.choice("newOrderRespType", RESPONSE_TYPES) or "FULL"
        account = margin_route(self)
        placed = orders.oco_place(
            user=request.user,
            account_id=account.pk,
            symbol=symbol,
            side=side,
            quantity=p.decimal("quantity", required=True),
            price=p.decimal("price", required=True),
            stop_price=p.decimal("stopPrice", required=True),
            stop_limit_price=p.decimal("stopLimitPrice", required=True),
            stop_limit_time_in_force=time_in_force,
            side_effect=p.choice("sideEffectType", SIDE_EFFECTS),
            list_client_order_id=p.get("listClientOrderId"),
            limit_client_order_id=p.get("limitClientOrderId"),
            stop_client_order_id=p.get("stopClientOrderId"),
        )
        found = selectors.order_list_find(account=account, list_id=placed.pk, list_client_id=None)
        return Response(formats.new_order_list(found, response_type=response_type))


class MarginOrderListApi(BinanceApi):
    """GET: one OCO by orderListId or origClientOrderId; DELETE: cancel it (both legs)."""

    security = {"GET": USER_DATA, "DELETE": TRADE}
    weight = {"GET": 10, "DELETE": 1}
    action = {"GET": "query", "DELETE": "cancel"}

    def get(self, request):
        p = self.params
        found = selectors.order_list_find(
            account=margin_route(self), list_id=p.id("orderListId"), list_client_id=p.get("origClientOrderId")
        )
        return Response(formats.order_list(found))

    def delete(self, request):
        p = self.params
        selectors.pair_get(p.symbol(required=True))
        account = margin_route(self)
        found = selectors.order_list_find(
            account=account, list_id=p.id("orderListId"), list_client_id=p.get("listClientOrderId")
        )
        open_leg = next((leg for leg in found.orders.all() if leg.status in OPEN_STATUSES), None)
        if open_leg is None:
            raise errors.BinanceError(errors.CANCEL_REJECTED)
        orders.order_cancel(user=request.user, order_id=open_leg.pk)  # cancelling a leg cancels the list
        cancelled = selectors.order_list_find(account=account, list_id=found.pk, list_client_id=None)
        client_order_id = p.get("newClientOrderId") or uuid.uuid4().hex[:22]
        return Response(formats.cancelled_order_list(cancelled, client_order_id=client_order_id))


class MarginAllOrderListApi(BinanceApi):
    security = USER_DATA
    weight = 200

    def get(self, request):
        p = self.params
        found = selectors.order_lists(
            account=margin_route(self),
            from_id=p.id("fromId"),
            **time_window(p),
            limit=p.limit(default=500, maximum=1000),
        )
        return Response([formats.order_list(order_list) for order_list in found])


class MarginOpenOrderListApi(BinanceApi):
    security = USER_DATA
    weight = 10

    def get(self, request):
        found = selectors.open_order_lists(account=margin_route(self))
        return Response([formats.order_list(order_list) for order_list in found])
