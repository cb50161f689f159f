"""Placing and cancelling orders (``shared/spec/margin-rules.md``, "Orders (paper fills)"), one module per job:
placement (MARKET, LIMIT, stop-limits), OCO lists, and cancelling. Every name is importable from here."""

from trading.services.orders.cancels import cancel_locked, order_cancel, orders_cancel_all
from trading.services.orders.oco import oco_place
from trading.services.orders.placement import (
    CLIENT_ORDER_ID,
    LIMIT_TYPES,
    STOP_TYPES,
    OrderRequest,
    check_filters,
    clean_client_order_id,
    clean_side_effect,
    expire,
    mark_of,
    order_lock_amount,
    order_place,
    take,
)

__all__ = [
    "CLIENT_ORDER_ID",
    "LIMIT_TYPES",
    "STOP_TYPES",
    "OrderRequest",
    "cancel_locked",
    "check_filters",
    "clean_client_order_id",
    "clean_side_effect",
    "expire",
    "mark_of",
    "oco_place",
    "order_cancel",
    "order_lock_amount",
    "order_place",
    "orders_cancel_all",
    "take",
]
