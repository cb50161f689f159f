"""Orders and trades: of a margin account (/sapi/v1/margin) and of the spot wallet (/api/v3).

The same views serve both, over the same order service: only the account differs (``account()``), and
spot orders take no ``sideEffectType``. Spot: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints
and .../account-endpoints; margin: https://developers.binance.com/docs/margin_trading/trade/Margin-Account-New-Order,
.../Margin-Account-Cancel-Order, .../Margin-Account-Cancel-all-Open-Orders-on-a-Symbol,
.../Query-Margin-Account-Order, .../Query-Margin-Account-Open-Orders, .../Query-Margin-Account-All-Orders and
.../Query-Margin-Account-Trade-List.
"""

from __future__ import annotations

import uuid
from typing import cast

from rest_framework.response import Response

from accounts.models import User
from core.dry_run import rolled_back
from trading import selectors as trading_selectors
from trading.binance import errors, formats, selectors
from trading.binance.apis.base import (
    NEEDS_TIME_IN_FORCE,
    ORDER_TYPES,
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
from trading.binance.markets import current_market_id
from trading.binance.params import Params
from trading.models import Account, Order
from trading.services import orders


def _client_order_id(p: Params) -> str:
    return p.get("newClientOrderId") or uuid.uuid4().hex[:22]


class MarginAccountView(BinanceApi):
    """A margin path: isIsolated and symbol pick the cross or an isolated account."""

    margin = True

    def account(self) -> Account:
        return margin_route(self)


class SpotAccountView(BinanceApi):
    """An /api/v3 path: the user's spot wallet."""

    margin = False

    def account(self) -> Account:
        return selectors.spot_account_get(user=cast(User, self.request.user))


class MarginOrderApi(MarginAccountView):
    security = {"POST": TRADE, "GET": USER_DATA, "DELETE": TRADE}
    weight = {"POST": 1, "GET": 10, "DELETE": 10}
    uid_weight = {"POST": 6, "GET": 0, "DELETE": 0}
    action = {"POST": "order", "GET": "query", "DELETE": "cancel"}

    def post(self, request):
        p = self.params
        symbol = p.symbol(required=True)
        side = p.choice("side", SIDES, error=errors.INVALID_SIDE, required=True)
        type = p.choice("type", ORDER_TYPES, error=errors.INVALID_ORDER_TYPE, required=True)
        if type in NEEDS_TIME_IN_FORCE:
            p.required("timeInForce")
        time_in_force = p.choice("timeInForce", TIMES_IN_FORCE, error=errors.INVALID_TIME_IN_FORCE)
        side_effect = p.choice("sideEffectType", SIDE_EFFECTS) if self.margin else None
        default_response = "FULL" if type in (Order.Type.MARKET, Order.Type.LIMIT) else "ACK"
        response_type = p.choice("newOrderRespType", RESPONSE_TYPES) or default_response
        account = self.account()
        order = self.place(
            user=request.user,
            account=account,  # the user's own, as margin_route or the spot wallet look-up found it
            symbol=symbol,
            side=side,
            type=type,
            quantity=p.decimal("quantity"),
            quote_quantity=p.decimal("quoteOrderQty"),
            price=p.decimal("price"),
            stop_price=p.decimal("stopPrice"),
            time_in_force=time_in_force,
            side_effect=side_effect,
            client_order_id=p.get("newClientOrderId"),
            auto_repay_at_cancel=p.flag("autoRepayAtCancel", default=True) if self.margin else True,
        )
        trades = selectors.trades_of(order) if response_type == "FULL" else []
        return Response(formats.new_order(order, response_type=response_type, trades=trades))

    def place(self, **order) -> Order:
        return orders.order_place(**order)

    def _find(self):
        p = self.params
        pair = selectors.pair_get(p.symbol(required=True))
        account = self.account()
        return selectors.order_find(
            user=self.request.user,
            account=account,
            pair=pair,
            order_id=p.id("orderId"),
            client_order_id=p.get("origClientOrderId"),
        )

    def get(self, request):
        return Response(formats.order(self._find()))

    def delete(self, request):
        order = orders.order_cancel(user=request.user, order_id=self._find().pk)
        return Response(formats.cancelled_order(order, client_order_id=_client_order_id(self.params)))


class OpenOrdersApi(MarginAccountView):
    """GET: open orders (all the cross account's without a symbol); DELETE: cancel a symbol's open orders."""

    security = {"GET": USER_DATA, "DELETE": TRADE}
    action = {"GET": "query", "DELETE": "cancel"}

    def weight_for(self, request) -> int:
        return 10 if request.method == "DELETE" or "symbol" in self.params else 40

    def get(self, request):
        p = self.params
        account = self.account()
        pair = selectors.pair_get(p.symbol()) if "symbol" in p else None
        return Response([formats.order(order) for order in selectors.open_orders(account=account, pair=pair)])

    def delete(self, request):
        p = self.params
        symbol = p.symbol(required=True)
        account = self.account()
        cancelled = orders.orders_cancel_all(user=request.user, account_id=account.pk, symbol=symbol)
        return Response([formats.cancelled_order(o, client_order_id=uuid.uuid4().hex[:22]) for o in cancelled])


class AllOrdersApi(MarginAccountView):
    security = USER_DATA
    weight = 200

    def get(self, request):
        p = self.params
        pair = selectors.pair_get(p.symbol(required=True))
        account = self.account()
        found = selectors.all_orders(
            account=account,
            pair=pair,
            from_id=p.id("orderId"),
            **time_window(p),
            limit=p.limit(default=500, maximum=500),
        )
        return Response([formats.order(order) for order in found])


class MyTradesApi(MarginAccountView):
    security = USER_DATA
    weight = 10

    def get(self, request):
        p = self.params
        pair = selectors.pair_get(p.symbol(required=True))
        account = self.account()
        found = selectors.my_trades(
            account=account,
            pair=pair,
            order_id=p.id("orderId"),
            from_id=p.id("fromId"),
            **time_window(p),
            limit=p.limit(default=500, maximum=1000),
        )
        return Response([formats.trade(t) for t in found])


# --- the spot wallet's: the same views on /api/v3, with Binance's spot weights ----------------------------


class SpotOrderApi(SpotAccountView, MarginOrderApi):
    weight = {"POST": 1, "GET": 4, "DELETE": 1}
    uid_weight = {"POST": 0}


class SpotOrderTestApi(SpotOrderApi):
    """POST order/test: every check of a real order (filters, funds), then nothing kept; answers ``{}``."""

    security = {"POST": TRADE}
    weight = {"POST": 1}
    action = {"POST": "order"}

    def place(self, **order) -> Order:
        return rolled_back(lambda: orders.order_place(**order))

    def post(self, request):
        super().post(request)
        if self.params.flag("computeCommissionRates"):
            return Response(formats.commission_rates_test(trading_selectors.market_settings_get(current_market_id())))
        return Response({})


class SpotOpenOrdersApi(SpotAccountView, OpenOrdersApi):
    def weight_for(self, request) -> int:
        return 1 if request.method == "DELETE" else 6 if "symbol" in self.params else 80


class SpotAllOrdersApi(SpotAccountView, AllOrdersApi):
    weight = 20


class SpotMyTradesApi(SpotAccountView, MyTradesApi):
    def weight_for(self, request) -> int:
        return 5 if "orderId" in self.params else 20


# --- borrowing and repaying ----------------------------------------------------------------------------
