"""The spot wallet's order lists (/api/v3): the margin OCO views on the spot wallet, and orderList/oco.

https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints#order-lists:
POST order/oco (deprecated: the margin path's parameters), POST orderList/oco (an above and a below leg, each
with its type), DELETE orderList; and .../account-endpoints: GET orderList, allOrderList, openOrderList.
Weights are Binance's spot ones (1, 1, 1, 4, 20, 6).

orderList/oco takes what Binance allows that the one OCO service can place: a LIMIT_MAKER leg and a
STOP_LOSS_LIMIT leg. A SELL OCO has the LIMIT_MAKER above and the stop below; a BUY OCO the other way round
(the wrong way round fails the service's price rule, -2010 as on Binance). The other leg types Binance allows
(STOP_LOSS, TAKE_PROFIT, TAKE_PROFIT_LIMIT) are -1014 "Unsupported order combination."; trailing deltas and
iceberg quantities are refused with Binance's messages for a symbol that does not allow them (exchangeInfo
says ``allowTrailingStop`` and ``icebergAllowed`` false): https://developers.binance.com/docs/binance-spot-api-docs/errors
"""

from __future__ import annotations

from trading.binance import errors
from trading.binance.apis.base import TIMES_IN_FORCE
from trading.binance.apis.order_lists import (
    MarginAllOrderListApi,
    MarginOcoApi,
    MarginOpenOrderListApi,
    MarginOrderListApi,
    client_id,
)
from trading.binance.apis.orders import SpotAccountView
from trading.binance.params import Params
from trading.models import Order

# Binance's aboveType and belowType values (trading-endpoints, "New Order list - OCO").
LEG_TYPES = ("STOP_LOSS_LIMIT", "STOP_LOSS", "LIMIT_MAKER", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
LIMIT_LEG, STOP_LEG = Order.Type.LIMIT_MAKER, Order.Type.STOP_LOSS_LIMIT
UNSUPPORTED_COMBINATION = (-1014, "Unsupported order combination.")
NO_TRAILING = (-2010, "Trailing stop orders are not supported for this symbol.")
NO_ICEBERG = (-2010, "Iceberg orders are not supported for this symbol.")


class SpotOcoApi(SpotAccountView, MarginOcoApi):
    """POST order/oco: the deprecated spot OCO, with the margin path's parameters."""

    uid_weight = 0

    def legs(self, p: Params) -> dict:
        if "trailingDelta" in p:
            raise errors.BinanceError(NO_TRAILING)
        if "limitIcebergQty" in p or "stopIcebergQty" in p:
            raise errors.BinanceError(NO_ICEBERG)
        return super().legs(p)


class SpotOrderListOcoApi(SpotOcoApi):
    """POST orderList/oco: the legs named by position (above and below the price), each with its type."""

    def legs(self, p: Params) -> dict:
        types = {
            position: p.choice(f"{position}Type", LEG_TYPES, error=errors.INVALID_ORDER_TYPE, required=True)
            for position in ("above", "below")
        }
        if sorted(types.values()) != sorted((LIMIT_LEG, STOP_LEG)):
            raise errors.BinanceError(UNSUPPORTED_COMBINATION)
        for position in types:
            if f"{position}TrailingDelta" in p:
                raise errors.BinanceError(NO_TRAILING)
            if f"{position}IcebergQty" in p:
                raise errors.BinanceError(NO_ICEBERG)
        limit = next(position for position, type in types.items() if type == LIMIT_LEG)
        stop = next(position for position, type in types.items() if type == STOP_LEG)
        # A LIMIT_MAKER leg takes no stop price and no time in force, as POST order refuses them.
        for name in (f"{limit}StopPrice", f"{limit}TimeInForce"):
            if name in p:
                raise errors.not_required(name)
        return {
            "quantity": p.decimal("quantity", required=True),
            "price": p.decimal(f"{limit}Price", required=True),
            "stop_price": p.decimal(f"{stop}StopPrice", required=True),
            "stop_limit_price": p.decimal(f"{stop}Price", required=True),
            "stop_limit_time_in_force": p.choice(
                f"{stop}TimeInForce", TIMES_IN_FORCE, error=errors.INVALID_TIME_IN_FORCE, required=True
            ),
            "limit_client_order_id": client_id(p, f"{limit}ClientOrderId"),
            "stop_client_order_id": client_id(p, f"{stop}ClientOrderId"),
        }


class SpotOrderListApi(SpotAccountView, MarginOrderListApi):
    weight = {"GET": 4, "DELETE": 1}


class SpotAllOrderListApi(SpotAccountView, MarginAllOrderListApi):
    weight = 20


class SpotOpenOrderListApi(SpotAccountView, MarginOpenOrderListApi):
    weight = 6
