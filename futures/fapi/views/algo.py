"""Binance's algo service for USDⓈ-M conditional orders: algoOrder (place, query, cancel), openAlgoOrders,
allAlgoOrders and algoOpenOrders (cancel all).

Since December 2025 Binance takes STOP, STOP_MARKET, TAKE_PROFIT, TAKE_PROFIT_MARKET and
TRAILING_STOP_MARKET orders here (ccxt 4.5 and python-binance 1.0.37 send them here). This is another door
onto the same futures orders (``futures.services.orders``): an algo order is a ``FuturesOrder`` marked
``algo_type=CONDITIONAL``, its id is its algoId and its client id its clientAlgoId; it triggers and fills
as any stop does. Until it triggers only these paths show it; once triggered it is also the matching
engine's order (``actualOrderId``, the same id) on /fapi/v1/order, openOrders and allOrders.

https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Algo-Order
"""

from __future__ import annotations

from rest_framework.response import Response

from futures.fapi import algo_formats, selectors
from futures.fapi.views.base import TRADE, USER_DATA, FapiApi, time_window
from futures.fapi.views.trade import POSITION_SIDES, cancel_each, client_id
from futures.models import ALGO_CONDITIONAL, FuturesOrder
from futures.selectors import SymbolInfo
from futures.services import orders
from trading.binance import errors as binance_errors
from trading.binance.errors import BinanceError
from trading.binance.params import MAX_PAGE, Params

Type = FuturesOrder.Type
# New Algo Order: the parameters each conditional type needs (quantity unless closePosition=true).
MANDATORY = {
    Type.STOP: ("quantity", "price", "triggerPrice"),
    Type.TAKE_PROFIT: ("quantity", "price", "triggerPrice"),
    Type.STOP_MARKET: ("quantity", "triggerPrice"),
    Type.TAKE_PROFIT_MARKET: ("quantity", "triggerPrice"),
    Type.TRAILING_STOP_MARKET: ("quantity", "callbackRate"),
}
WITH_PRICE = (Type.STOP, Type.TAKE_PROFIT)
# Accepted and answered as NONE: a paper market has no one else's orders to trade against, so self-trade
# prevention never acts, and an order's price is its own (no priceMatch).
STP_MODES = ("NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH")
CANCEL_ALL_DONE = {"code": 200, "msg": "The operation of cancel all open order is done."}


def place(user, p: Params, market: dict[str, SymbolInfo]) -> FuturesOrder:
    p.choice("algoType", (ALGO_CONDITIONAL,), required=True)
    info = selectors.symbol_info(market, p.symbol(required=True))
    side = p.choice("side", FuturesOrder.Side.values, error=binance_errors.INVALID_SIDE, required=True)
    kind = p.choice("type", list(MANDATORY), error=binance_errors.INVALID_ORDER_TYPE, required=True)
    close_position = p.flag("closePosition")
    for name in MANDATORY[kind]:
        if not (name == "quantity" and close_position):
            p.required(name)
    if kind not in WITH_PRICE and "price" in p:
        raise binance_errors.not_required("price")
    if kind == Type.TRAILING_STOP_MARKET and "triggerPrice" in p:
        raise binance_errors.not_required("triggerPrice")  # a trailing stop starts at activatePrice
    time_in_force = p.choice("timeInForce", FuturesOrder.TimeInForce.values, error=binance_errors.INVALID_TIME_IN_FORCE)
    position_side = p.choice("positionSide", POSITION_SIDES) or "BOTH"
    p.choice("newOrderRespType", ("ACK", "RESULT"))
    p.choice("selfTradePreventionMode", STP_MODES)
    p.choice("priceMatch", ("NONE",))
    p.flag("priceProtect")
    p.time("goodTillDate")
    return orders.futures_order_place(
        user=user,
        symbol=info.code,
        side=side,
        type=kind,
        quantity=p.decimal("quantity"),
        price=p.decimal("price") if kind in WITH_PRICE else None,
        stop_price=p.decimal("triggerPrice"),
        time_in_force=time_in_force if kind in WITH_PRICE else None,
        reduce_only=p.flag("reduceOnly"),
        close_position=close_position,
        working_type=p.choice("workingType", FuturesOrder.WorkingType.values),
        callback_rate=p.decimal("callbackRate"),
        activation_price=p.decimal("activatePrice"),
        position_side=position_side,
        client_order_id=client_id(p, "clientAlgoId"),
        algo=True,
    )


def _either(p: Params, name: str) -> str:
    # Cancel Algo Order's page spells them "algoid" and "clientalgoid"; the clients send camelCase.
    return name if name in p else name.lower()


def _find(view: FapiApi) -> FuturesOrder:
    p = view.params
    info = view.symbol(selectors.market(), required=False)
    return selectors.algo_order_find(
        user=view.user,
        info=info,
        algo_id=p.id(_either(p, "algoId")),
        client_algo_id=client_id(p, _either(p, "clientAlgoId")),
    )


class AlgoOrderApi(FapiApi):
    """New Algo Order (weight 0, as New Order), Query Algo Order, Cancel Algo Order (an order still waiting
    for its trigger; a triggered one is the matching engine's: cancel it on /fapi/v1/order).
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Algo-Order
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-Algo-Order
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Cancel-Algo-Order
    """

    security = {"POST": TRADE, "GET": USER_DATA, "DELETE": TRADE}
    weight = {"POST": 0, "GET": 1, "DELETE": 1}
    action = {"POST": "order", "GET": "query", "DELETE": "cancel"}

    def post(self, request):
        return Response(algo_formats.algo_order(place(self.user, self.params, selectors.market())))

    def get(self, request):
        return Response(algo_formats.algo_order(_find(self)))

    def delete(self, request):
        order = _find(self)
        if selectors.algo_status(order) != "NEW":
            raise BinanceError(binance_errors.CANCEL_REJECTED)
        # Checked again under the lock: a stop that triggers between here and there is refused (-2011).
        cancelled = orders.futures_order_cancel(user=self.user, order_id=order.pk, untriggered=True)
        return Response(algo_formats.algo_cancelled(cancelled))


class OpenAlgoOrdersApi(FapiApi):
    """The algo orders waiting for their trigger; weight 1 for a symbol, 40 for all.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Current-All-Algo-Open-Orders
    """

    security = USER_DATA

    def weight_for(self, request) -> int:
        return 1 if "symbol" in self.params else 40

    def get(self, request):
        p = self.params
        p.choice("algoType", (ALGO_CONDITIONAL,))
        info = self.symbol(selectors.market(), required=False)
        found = selectors.open_algo_orders(user=self.user, info=info, algo_id=p.id("algoId"))
        return Response([algo_formats.algo_order(o) for o in found])


class AllAlgoOrdersApi(FapiApi):
    """Every algo order of a symbol: waiting, triggered, finished, cancelled.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Query-All-Algo-Orders
    """

    security = USER_DATA
    weight = 5

    def get(self, request):
        p = self.params
        info = self.symbol(selectors.market())
        found = selectors.all_algo_orders(
            user=self.user,
            info=info,
            algo_id=p.id("algoId"),
            **time_window(p),
            page=p.integer("page", default=1, minimum=1, maximum=MAX_PAGE),
            limit=p.limit(default=500, maximum=1000),
        )
        return Response([algo_formats.algo_order(o) for o in found])


class AlgoOpenOrdersApi(FapiApi):
    """Cancel every algo order of a symbol that still waits for its trigger.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Cancel-All-Algo-Open-Orders
    """

    security = TRADE
    action = "cancel"

    def delete(self, request):
        info = self.symbol(selectors.market())
        cancel_each(self.user, selectors.open_algo_orders(user=self.user, info=info), untriggered=True)
        return Response(CANCEL_ALL_DONE)
