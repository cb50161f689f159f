"""Order lists (OCO) in Binance's shapes, of margin accounts and of the spot wallet.

Margin: https://developers.binance.com/docs/margin_trading/trade/Margin-Account-New-OCO, .../Query-Margin-Account-OCO,
.../Margin-Account-Cancel-OCO, .../Query-Margin-Account-All-OCO, .../Query-Margin-Account-Open-OCO.
Spot: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints (order lists) and
.../account-endpoints (Query Order list, Query all Order lists, Query Open Order lists). A spot list has no
``isIsolated``, and a spot leg's report shows ``stopPrice`` only on the stop leg, as Binance's examples do.
"""

from __future__ import annotations

from trading.binance.formats.common import amount, ms
from trading.binance.formats.orders import cancelled_order, margin_fields, new_order
from trading.models import AccountKind, Order, OrderList

LIST_STATUS = {OrderList.Status.EXECUTING: "EXEC_STARTED", OrderList.Status.ALL_DONE: "ALL_DONE"}


def _legs(order_list: OrderList) -> list[Order]:
    return sorted(order_list.orders.all(), key=lambda o: o.pk)  # prefetched: no query per list


def _stop_price(leg: Order) -> dict:
    if leg.stop_price is None and leg.account.kind == AccountKind.SPOT:
        return {}
    return {"stopPrice": amount(leg.stop_price)}


def order_list(order_list: OrderList) -> dict:
    legs = _legs(order_list)
    return {
        "orderListId": order_list.pk,
        "contingencyType": order_list.contingency_type,
        "listStatusType": LIST_STATUS[OrderList.Status(order_list.status)],
        "listOrderStatus": order_list.status,
        "listClientOrderId": order_list.list_client_order_id,
        "transactionTime": ms(order_list.created_at),
        "symbol": legs[0].pair.symbol if legs else "",
        **margin_fields(order_list.account),
        "orders": [{"symbol": o.pair.symbol, "orderId": o.pk, "clientOrderId": o.client_order_id} for o in legs],
    }


def new_order_list(placed: OrderList, *, response_type: str) -> dict:
    """POST margin/order/oco, order/oco, orderList/oco: the list, and with RESULT or FULL each leg's report."""
    legs = _legs(placed)
    answer = order_list(placed)
    borrowing = next((leg for leg in legs if leg.borrowed_amount), None)
    if borrowing is not None:
        answer["marginBuyBorrowAmount"] = amount(borrowing.borrowed_amount)
        answer["marginBuyBorrowAsset"] = borrowing.borrowed_asset.code if borrowing.borrowed_asset else ""
    if response_type != "ACK":
        answer["orderReports"] = [new_order(leg, response_type="RESULT", trades=[]) | _stop_price(leg) for leg in legs]
    return answer


def cancelled_order_list(cancelled: OrderList, *, client_order_id: str) -> dict:
    return order_list(cancelled) | {
        "orderReports": [
            cancelled_order(leg, client_order_id=client_order_id) | _stop_price(leg) for leg in _legs(cancelled)
        ]
    }
