"""Order lists (OCO) in Binance's shapes: margin/order/oco, margin/orderList, allOrderList, openOrderList.

https://developers.binance.com/docs/margin_trading/trade (Margin Account New OCO, Query OCO, Cancel OCO).
"""

from __future__ import annotations

from trading.binance.formats.common import amount, ms
from trading.binance.formats.orders import cancelled_order, new_order
from trading.models import AccountKind, Order, OrderList

LIST_STATUS = {OrderList.Status.EXECUTING: "EXEC_STARTED", OrderList.Status.ALL_DONE: "ALL_DONE"}


def _legs(order_list: OrderList) -> list[Order]:
    return sorted(order_list.orders.all(), key=lambda o: o.pk)  # prefetched: no query per list


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
        "isIsolated": order_list.account.kind == AccountKind.ISOLATED,
        "orders": [{"symbol": o.pair.symbol, "orderId": o.pk, "clientOrderId": o.client_order_id} for o in legs],
    }


def new_order_list(placed: OrderList, *, response_type: str) -> dict:
    """POST margin/order/oco: the list, and with RESULT or FULL each leg's report."""
    legs = _legs(placed)
    answer = order_list(placed)
    borrowing = next((leg for leg in legs if leg.borrowed_amount), None)
    if borrowing is not None:
        answer["marginBuyBorrowAmount"] = amount(borrowing.borrowed_amount)
        answer["marginBuyBorrowAsset"] = borrowing.borrowed_asset.code if borrowing.borrowed_asset else ""
    if response_type != "ACK":
        answer["orderReports"] = [
            new_order(leg, response_type="RESULT", trades=[]) | {"stopPrice": amount(leg.stop_price)} for leg in legs
        ]
    return answer


def cancelled_order_list(cancelled: OrderList, *, client_order_id: str) -> dict:
    return order_list(cancelled) | {
        "orderReports": [
            cancelled_order(leg, client_order_id=client_order_id) | {"stopPrice": amount(leg.stop_price)}
            for leg in _legs(cancelled)
        ]
    }
