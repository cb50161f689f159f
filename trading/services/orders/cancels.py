"""Cancelling orders: one, every open one of an account, and both legs of an OCO together."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import ApplicationError
from trading import selectors
from trading.models import OPEN_STATUSES, JournalEntry, Order, OrderList
from trading.services import fills
from trading.services.fills import Operation
from trading.services.ledger import LockedAccount, accounts_lock


def cancel_locked(op: Operation, order: Order, reason: str = "") -> None:
    fills.release(op, order)
    order.status = Order.Status.CANCELED
    order.status_reason = reason


def _cancel_with_list(op: Operation, order: Order) -> list[Order]:
    """Cancel an order; cancelling either leg of an OCO cancels the list."""
    if order.order_list_id is None:
        cancel_locked(op, order, "Cancelled by the user.")
        return [order]
    legs = list(
        Order.objects.filter(order_list_id=order.order_list_id)
        .select_related("pair__base", "pair__quote")
        .order_by("id")
    )
    for leg in legs:
        if leg.status in OPEN_STATUSES:
            cancel_locked(op, leg, "OCO cancelled by the user.")
    OrderList.objects.filter(pk=order.order_list_id).update(status=OrderList.Status.ALL_DONE)
    return legs


def order_cancel(*, user: User, order_id, now: datetime | None = None) -> Order:
    """Cancel an open order of the user's: its lock is released (and its borrow repaid, by default)."""
    order = selectors.order_get_for_user(user=user, order_id=order_id)
    prices, settings, now = (
        selectors.mark_prices(),
        selectors.market_settings_get(order.pair.market_id),
        now or timezone.now(),
    )
    with transaction.atomic():
        account = accounts_lock(order.account_id)[order.account_id]
        order = Order.objects.select_related("pair__base", "pair__quote").get(pk=order.pk)
        if order.status not in OPEN_STATUSES:
            raise ApplicationError(f"The order is {order.status.lower()}, not open.", code="order_not_open")
        op = Operation(LockedAccount(account), settings, prices, now)
        changed = _cancel_with_list(op, order)
        op.commit(kind=JournalEntry.Kind.UNLOCK, memo=f"cancel #{order.client_order_id}", orders=changed)
    return next(o for o in changed if o.pk == order.pk)


def orders_cancel_all(*, user: User, account_id, symbol: str | None = None, now: datetime | None = None) -> list[Order]:
    account = selectors.account_get_for_user(user=user, account_id=account_id)
    pair = selectors.pair_get(symbol=symbol, market=account.market_id) if symbol else None
    prices, settings, now = selectors.mark_prices(), selectors.account_settings_get(account), now or timezone.now()
    with transaction.atomic():
        account = accounts_lock(account.pk)[account.pk]
        open_orders = Order.objects.filter(account=account, status__in=OPEN_STATUSES).select_related(
            "pair__base", "pair__quote"
        )
        if pair is not None:
            open_orders = open_orders.filter(pair=pair)
        op = Operation(LockedAccount(account), settings, prices, now)
        cancelled: list[Order] = []
        for order in open_orders.order_by("id"):
            if order.status in OPEN_STATUSES and order.pk not in {o.pk for o in cancelled}:
                cancelled += [o for o in _cancel_with_list(op, order) if o.status == Order.Status.CANCELED]
        op.commit(kind=JournalEntry.Kind.UNLOCK, memo="cancel all", orders=cancelled)
    return cancelled
