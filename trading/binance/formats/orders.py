"""Orders, fills and trades in Binance's shapes.

Spot orders (/api/v3, https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints)
and margin orders (/sapi/v1/margin, https://developers.binance.com/docs/margin_trading/trade/Margin-Account-New-Order
and .../trade/Query-Margin-Account-Trade-List) share one
shape; margin ones add ``isIsolated``. ``orderListId`` is -1 outside an OCO, as on Binance.
"""

from __future__ import annotations

from decimal import Decimal

from trading.binance.formats.common import (
    amount,
    ms,
)
from trading.models import Account, AccountKind, Order, Trade


def margin_fields(account: Account) -> dict:
    """``isIsolated``: margin orders and trades only; a spot order's answer has no such field on Binance."""
    return {} if account.kind == AccountKind.SPOT else {"isIsolated": account.kind == AccountKind.ISOLATED}


def _list_id(order: Order) -> int:
    return order.order_list_id if order.order_list_id is not None else -1


def _orig_qty(order: Order) -> Decimal:
    # A MARKET order by quote quantity has no quantity of its own: Binance shows what it bought.
    return order.quantity if order.quantity is not None else order.executed_qty


def _order_state(order: Order) -> dict:
    return {
        "price": amount(order.price),
        "origQty": amount(_orig_qty(order)),
        "executedQty": amount(order.executed_qty),
        "cummulativeQuoteQty": amount(order.cummulative_quote_qty),
        "status": order.status,
        "timeInForce": order.time_in_force or "GTC",
        "type": order.type,
        "side": order.side,
    }


def order(order: Order) -> dict:
    """GET margin/order, openOrders, allOrders."""
    return {
        "symbol": order.pair.symbol,
        "orderId": order.pk,
        "orderListId": _list_id(order),
        "clientOrderId": order.client_order_id,
        **_order_state(order),
        "stopPrice": amount(order.stop_price),
        "icebergQty": amount(0),
        "time": ms(order.created_at),
        "updateTime": ms(order.updated_at),
        "isWorking": order.is_working,
        **margin_fields(order.account),
        "selfTradePreventionMode": "NONE",
    }


def fill(trade: Trade) -> dict:
    return {
        "price": amount(trade.price),
        "qty": amount(trade.quantity),
        "commission": amount(trade.fee),
        "commissionAsset": trade.fee_asset.code,
        "tradeId": trade.pk,
    }


def new_order(order: Order, *, response_type: str, trades: list[Trade]) -> dict:
    """POST margin/order in its three sizes: ACK, RESULT and FULL (RESULT with the fills)."""
    answer = {
        "symbol": order.pair.symbol,
        "orderId": order.pk,
        "orderListId": _list_id(order),
        "clientOrderId": order.client_order_id,
        **margin_fields(order.account),
        "transactTime": ms(order.updated_at),
    }
    if response_type == "ACK":
        return answer
    answer |= _order_state(order) | {"selfTradePreventionMode": "NONE"}
    if order.borrowed_amount:
        # Present only when the order borrowed (MARGIN_BUY / AUTO_BORROW_REPAY), as on Binance.
        answer["marginBuyBorrowAmount"] = amount(order.borrowed_amount)
        answer["marginBuyBorrowAsset"] = order.borrowed_asset.code if order.borrowed_asset else ""
    if response_type == "FULL":
        answer["fills"] = [fill(trade) for trade in trades]
    return answer


def cancelled_order(order: Order, *, client_order_id: str) -> dict:
    return {
        "symbol": order.pair.symbol,
        **margin_fields(order.account),
        "orderId": order.pk,
        "orderListId": _list_id(order),
        "origClientOrderId": order.client_order_id,
        "clientOrderId": client_order_id,
        **_order_state(order),
    }


def trade(trade: Trade) -> dict:
    return {
        "commission": amount(trade.fee),
        "commissionAsset": trade.fee_asset.code,
        "id": trade.pk,
        "isBestMatch": True,
        "isBuyer": trade.side == Order.Side.BUY,
        "isMaker": trade.is_maker,
        "orderId": trade.order_id,
        "price": amount(trade.price),
        "qty": amount(trade.quantity),
        "quoteQty": amount(trade.quote_quantity),
        "symbol": trade.pair.symbol,
        **margin_fields(trade.account),
        "orderListId": _list_id(trade.order),
        "time": ms(trade.created_at),
    }
