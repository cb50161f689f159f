"""The matcher: given a pair's new mark price, trigger reached stops and fill reached resting limits.

One set-based query finds the orders the price reached; each is then worked in its own short
transaction under its account's lock (re-checked there, so a cancel that won the race wins). The risk
engine's tick calls ``orders_match`` for every pair whose price moved.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import ApplicationError
from trading import margin, selectors
from trading.models import OPEN_STATUSES, JournalEntry, Order, OrderList, Pair, PlatformSettings
from trading.services import fills
from trading.services.fills import Operation
from trading.services.ledger import LockedAccount, accounts_lock
from trading.services.orders import cancel_locked, take

logger = logging.getLogger(__name__)

SL, TP = Order.Type.STOP_LOSS_LIMIT, Order.Type.TAKE_PROFIT_LIMIT
BUY, SELL = Order.Side.BUY, Order.Side.SELL


@dataclass
class MatchResult:
    triggered: int = 0
    filled: int = 0
    failed: int = 0


def stops_reached(mark: Decimal) -> Q:
    """The SQL twin of ``margin.stop_reached``."""
    return (
        Q(type=SL, side=SELL, stop_price__gte=mark)
        | Q(type=SL, side=BUY, stop_price__lte=mark)
        | Q(type=TP, side=SELL, stop_price__lte=mark)
        | Q(type=TP, side=BUY, stop_price__gte=mark)
    )


def limits_reached(mark: Decimal) -> Q:
    """The SQL twin of ``margin.is_marketable``."""
    return Q(side=BUY, price__gte=mark) | Q(side=SELL, price__lte=mark)


def orders_match(*, pair: Pair, price: Decimal | None = None, now: datetime | None = None) -> MatchResult:
    mark = price if price is not None else selectors.mark_price_get(pair=pair)
    settings, prices, now = selectors.platform_settings_get(), selectors.mark_prices(), now or timezone.now()
    prices[pair.base.code] = mark
    result = MatchResult()
    reached = Order.objects.filter(
        Q(stops_reached(mark), is_working=False)
        | (Q(limits_reached(mark), is_working=True) & ~Q(type=Order.Type.MARKET)),
        pair=pair,
        status__in=OPEN_STATUSES,
        account__is_frozen=False,
    )
    by_account = defaultdict(list)
    for order_id, account_id in reached.order_by("account_id", "id").values_list("id", "account_id"):
        by_account[account_id].append(order_id)
    for account_id, order_ids in by_account.items():
        try:
            # All of an account's reached orders in one transaction: one lock, one journal entry.
            _work(account_id, order_ids, mark, settings, prices, now, result)
        except ApplicationError:
            # One order that cannot fill (an account emptied by a race) must not hold back the others:
            # the batch rolled back, so each order is tried alone.
            for order_id in order_ids:
                try:
                    _work(account_id, [order_id], mark, settings, prices, now, result)
                except ApplicationError as exc:
                    result.failed += 1
                    logger.warning("order %s not matched at %s: %s", order_id, mark, exc.message)
    return result


def _work(
    account_id: int,
    order_ids: list[int],
    mark: Decimal,
    settings: PlatformSettings,
    prices: dict,
    now: datetime,
    result: MatchResult,
) -> None:
    outcome = MatchResult()
    with transaction.atomic():
        account = accounts_lock(account_id)[account_id]
        if account.is_frozen:
            return
        orders = Order.objects.filter(pk__in=order_ids, status__in=OPEN_STATUSES).select_related(
            "pair__base", "pair__quote"
        )
        op = Operation(LockedAccount(account), settings, prices, now)
        changed: dict[int, Order] = {}
        for order in orders.order_by("id"):
            if order.pk in changed:  # an OCO leg this batch already cancelled
                continue
            changed[order.pk] = order
            is_buy = order.side == BUY
            trades_before = len(op.trades)
            if not order.is_working:
                if not margin.stop_reached(
                    is_stop_loss=order.type == SL, is_buy=is_buy, stop=order.stop_price, mark=mark
                ):
                    continue
                order.is_working = True
                outcome.triggered += 1
                if order.order_list_id:
                    changed.update((o.pk, o) for o in _oco_hand_over(op, order))
                if margin.is_marketable(is_buy=is_buy, limit=order.price, mark=mark):
                    take(op, order, mark)
            elif margin.is_marketable(is_buy=is_buy, limit=order.price, mark=mark):
                _make(op, order)
                if order.order_list_id:
                    changed.update((o.pk, o) for o in _oco_cancel_others(op, order))
            if len(op.trades) > trades_before:
                outcome.filled += 1
        kind = JournalEntry.Kind.TRADE if op.trades else JournalEntry.Kind.LOCK
        op.commit(kind=kind, memo=f"matched at {mark} ({len(changed)} orders)", orders=list(changed.values()))
    result.triggered += outcome.triggered
    result.filled += outcome.filled


def _make(op: Operation, order: Order) -> None:
    """A resting limit the price reached fills at its own price, as maker, as far as depth allows."""
    pair, settings = order.pair, op.settings
    remaining = order.quantity - order.executed_qty
    quantity = margin.capped_quantity(
        quantity=remaining, price=order.price, max_notional=settings.max_fill_notional, step=pair.step_size
    )
    if quantity > 0:
        fill = margin.fill_at(
            is_buy=order.side == BUY, price=order.price, quantity=quantity, fee_rate=settings.maker_fee
        )
        fills.fill(op, order, fill, is_maker=True)


def _siblings(order: Order) -> list[Order]:
    return list(
        Order.objects.filter(order_list_id=order.order_list_id, status__in=OPEN_STATUSES)
        .exclude(pk=order.pk)
        .select_related("pair__base", "pair__quote")
    )


def _oco_hand_over(op: Operation, stop_leg: Order) -> list[Order]:
    """The stop leg triggered: the limit leg is cancelled and its lock passes to the stop leg."""
    others = _siblings(stop_leg)
    for other in others:
        stop_leg.locked_amount += other.locked_amount
        other.locked_amount = 0
        if other.borrowed_amount:
            stop_leg.borrowed_amount, stop_leg.borrowed_asset = other.borrowed_amount, other.borrowed_asset
            other.borrowed_amount = 0
        cancel_locked(op, other, "OCO: the other leg triggered.")
    assert stop_leg.order_list_id is not None  # only OCO legs come here, and they belong to a list
    OrderList.objects.filter(pk=stop_leg.order_list_id).update(status=OrderList.Status.ALL_DONE)
    return others


def _oco_cancel_others(op: Operation, filled_leg: Order) -> list[Order]:
    """The limit leg filled (even partly): the stop leg is cancelled."""
    others = _siblings(filled_leg)
    for other in others:
        cancel_locked(op, other, "OCO: the other leg filled.")
    assert filled_leg.order_list_id is not None  # only OCO legs come here, and they belong to a list
    OrderList.objects.filter(pk=filled_leg.order_list_id).update(status=OrderList.Status.ALL_DONE)
    return others
