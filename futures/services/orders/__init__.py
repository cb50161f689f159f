"""Futures orders: placement, fills into one-way positions, resting and stop orders, cancellation.

A fill is paper: the platform's market is the counterparty (``SystemAccount.MARKET``), as for spot and
margin orders. Market orders and marketable limits fill at once as the platform's fill model says
(``book``: the perpetual's order book under BOOK, the mark moved by trading's slippage under FIXED),
with trading's taker fee; resting limits fill at their price with the maker fee when
the mark reaches them. Realized PnL, commission and isolated margin move through the ledger in the
fill's one journal entry, and each is an ``Income`` row.

- ``book``: the fill model, ``taker_fills`` (what a taker fills now, level by level);
- ``placement``: ``futures_order_place`` (the checks, then an immediate fill or a resting order);
- ``fills``: one fill into the position and the ledger, the margin check, cancellation;
- ``matching``: resting limits and stops against the marks (or the contract price), each tick.
"""

from futures.services.orders.fills import (
    CLOSE_POSITION_TYPES,
    CONDITIONAL_TYPES,
    LIMIT_TYPES,
    STOP_LOSS_TYPES,
    STOP_TYPES,
    TIF,
    Status,
    Type,
    fill,
    futures_order_cancel,
    orders_cancel_all,
)
from futures.services.orders.matching import futures_orders_match
from futures.services.orders.placement import futures_order_place

__all__ = [
    "CLOSE_POSITION_TYPES",
    "CONDITIONAL_TYPES",
    "LIMIT_TYPES",
    "STOP_LOSS_TYPES",
    "STOP_TYPES",
    "TIF",
    "Status",
    "Type",
    "fill",
    "futures_order_cancel",
    "futures_order_place",
    "futures_orders_match",
    "orders_cancel_all",
]
