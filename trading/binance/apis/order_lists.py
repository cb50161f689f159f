"""OCO through Binance's order-list paths: the web page's OCO (``orders.oco_place``), on margin and on spot.

Margin: POST margin/order/oco (https://developers.binance.com/docs/margin_trading/trade/Margin-Account-New-OCO),
GET and DELETE margin/orderList (.../trade/Query-Margin-Account-OCO, .../trade/Margin-Account-Cancel-OCO),
GET margin/allOrderList (.../trade/Query-Margin-Account-All-OCO) and margin/openOrderList
(.../trade/Query-Margin-Account-Open-OCO). A MarginLab OCO is a LIMIT_MAKER leg
above (SELL) or below (BUY) the mark and a STOP_LOSS_LIMIT leg on the other side, so ``stopLimitPrice`` is
mandatory here (Binance would make a plain STOP_LOSS leg without it). The spot wallet's paths
(``spot_order_lists``) are these views with the spot wallet as their account (``SpotAccountView``).
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
    time_window,
)
from trading.binance.apis.orders import MarginAccountView
from trading.binance.params import Params
from trading.models import OPEN_STATUSES
from trading.services import orders


def client_id(p: Params, name: str) -> str | None:
    """A client id of an OCO (the list's or a leg's), checked as the OCO service checks it but refused with
    the parameter's own name (``aboveClientOrderId``, not the service's ``limit_client_order_id``)."""
    value = p.get(name)
    if value and not orders.CLIENT_ORDER_ID.fullmatch(value):
        raise errors.invalid_data(name)
    return value


class MarginOcoApi(MarginAccountView):
    security = TRADE
    weight = 1
    uid_weight = 6
    action = "order"

    def legs(self, p: Params) -> dict:
        """The two legs as the OCO service takes them, from margin/order/oco's (and order/oco's) parameters."""
        return {
            "stop_limit_time_in_force": p.choice(
                "stopLimitTimeInForce", TIMES_IN_FORCE, error=errors.INVALID_TIME_IN_FORCE
            ),
            "quantity": p.decimal("quantity", required=True),
            "price": p.decimal("price", required=True),
            "stop_price": p.decimal("stopPrice", required=True),
            "stop_limit_price": p.decimal("stopLimitPrice", required=True),
            "limit_client_order_id": client_id(p, "limitClientOrderId"),
            "stop_client_order_id": client_id(p, "stopClientOrderId"),
        }

    def post(self, request):
        p = self.params
        symbol = p.symbol(required=True)
        side = p.choice("side", SIDES, error=errors.INVALID_SIDE, required=True)
        legs = self.legs(p)
        response_type = p.choice("newOrderRespType", RESPONSE_TYPES) or "FULL"
        side_effect = p.choice("sideEffectType", SIDE_EFFECTS) if self.margin else None
        account = self.account()
        placed = orders.oco_place(
            user=request.user,
            account_id=account.pk,
            symbol=symbol,
            side=side,
            side_effect=side_effect,
            list_client_order_id=client_id(p, "listClientOrderId"),
            **legs,
        )
        found = selectors.order_list_find(account=account, list_id=placed.pk, list_client_id=None)
        return Response(formats.new_order_list(found, response_type=response_type))


class MarginOrderListApi(MarginAccountView):
    """GET: one OCO by orderListId or origClientOrderId; DELETE: cancel it (both legs)."""

    security = {"GET": USER_DATA, "DELETE": TRADE}
    weight = {"GET": 10, "DELETE": 1}
    action = {"GET": "query", "DELETE": "cancel"}

    def get(self, request):
        p = self.params
        found = selectors.order_list_find(
            account=self.account(), list_id=p.id("orderListId"), list_client_id=p.get("origClientOrderId")
        )
        return Response(formats.order_list(found))

    def delete(self, request):
        p = self.params
        pair = selectors.pair_get(p.symbol(required=True))
        account = self.account()
        list_id, list_client_id = p.id("orderListId"), p.get("listClientOrderId")
        found = selectors.order_list_find(account=account, list_id=list_id, list_client_id=list_client_id)
        legs = list(found.orders.all())
        if not self.margin and (
            # Binance's spot rule: with both ids, the list found by orderListId must carry listClientOrderId;
            # and the list must be of the symbol sent.
            (list_id is not None and list_client_id is not None and found.list_client_order_id != list_client_id)
            or any(leg.pair_id != pair.pk for leg in legs)
        ):
            raise errors.BinanceError(errors.CANCEL_REJECTED)
        open_leg = next((leg for leg in legs if leg.status in OPEN_STATUSES), None)
        if open_leg is None:
            raise errors.BinanceError(errors.CANCEL_REJECTED)
        orders.order_cancel(user=request.user, order_id=open_leg.pk)  # cancelling a leg cancels the list
        cancelled = selectors.order_list_find(account=account, list_id=found.pk, list_client_id=None)
        client_order_id = p.get("newClientOrderId") or uuid.uuid4().hex[:22]
        return Response(formats.cancelled_order_list(cancelled, client_order_id=client_order_id))


class MarginAllOrderListApi(MarginAccountView):
    security = USER_DATA
    weight = 200

    def get(self, request):
        p = self.params
        found = selectors.order_lists(
            account=self.account(),
            from_id=p.id("fromId"),
            **time_window(p),
            limit=p.limit(default=500, maximum=1000),
        )
        return Response([formats.order_list(order_list) for order_list in found])


class MarginOpenOrderListApi(MarginAccountView):
    security = USER_DATA
    weight = 10

    def get(self, request):
        found = selectors.open_order_lists(account=self.account())
        return Response([formats.order_list(order_list) for order_list in found])
