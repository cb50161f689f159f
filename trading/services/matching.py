"""The matcher: given a pair's new mark price, trigger reached stops and fill reached resting limits.

One set-based query finds the orders the price reached; each is then worked in its own short
transaction under its account's lock (re-checked there, so a cancel that won the race wins). The risk
engine's tick calls ``orders_match`` for every pair whose price moved.

A resting limit fills as maker, at its own price. Under the BOOK fill model, a price that trades through
it fills it whole; a price that only touches it (the mark exactly at its price) trades one book level's
worth there, which the orders at that price share in time priority (oldest first), so some fill partly
(PARTIALLY_FILLED) or not at all until the next tick. Under FIXED, ``max_fill_notional`` caps each fill.
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
from trading.book import BookParams
from trading.models import OPEN_STATUSES, FillModel, JournalEntry, Order, OrderList, Pair, PlatformSettings
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
    settings, prices, now = (
        selectors.market_settings_get(pair.market_id),
        selectors.mark_prices(),
        now or timezone.now(),
    )
    prices[pair.base.code] = mark
    result = MatchResult()
    reached = Order.objects.filter(
        Q(stops_reached(mark), is_working=False)
        | (Q(limits_reached(mark), is_working=True) & ~Q(type=Order.Type.MARKET)),
        pair=pair,
        status__in=OPEN_STATUSES,
        account__is_frozen=False,
    )
    books: dict[int, BookParams] = {}
    touch = _touch_shares(reached, pair, mark, now, books) if settings.fill_model == FillModel.BOOK else {}
    by_account = defaultdict(list)
    for order_id, account_id in reached.order_by("account_id", "id").values_list("id", "account_id"):
        if touch.get(order_id, 1) > 0:  # an order at the touch whose turn has not come waits
            by_account[account_id].append(order_id)
    ctx = _Context(mark, settings, prices, now, touch, books)
    for account_id, order_ids in by_account.items():
        try:
            # All of an account's reached orders in one transaction: one lock, one journal entry.
            _work(account_id, order_ids, ctx, result)
        except ApplicationError:
            # One order that cannot fill (an account emptied by a race) must not hold back the others:
            # the batch rolled back, so each order is tried alone.
            for order_id in order_ids:
                try:
                    _work(account_id, [order_id], ctx, result)
                except ApplicationError as exc:
                    result.failed += 1
                    logger.warning("order %s not matched at %s: %s", order_id, mark, exc.message)
    return result


@dataclass
class _Context:
    """What every account's transaction of one match shares."""

    mark: Decimal
    settings: PlatformSettings
    prices: dict
    now: datetime
    touch: dict[int, Decimal]  # order id -> what it may fill at the touch (orders at the mark's price only)
    books: dict[int, BookParams]


def _touch_shares(reached, pair: Pair, mark: Decimal, now: datetime, books: dict) -> dict[int, Decimal]:
    """Share what trades at the touch among the resting limits priced exactly at the mark, oldest first.

    What trades there in one tick is one level of the book: the best level of the side a taker of the
    resting order's side would meet (a resting buy at the mark meets the flow its own taker would: the
    asks' best size). The matcher runs one tick at a time, so the queue simply continues next tick.
    """
    at_touch = list(
        reached.filter(price=mark, is_working=True, type__in=[Order.Type.LIMIT, Order.Type.LIMIT_MAKER])
        .order_by("id")
        .values_list("id", "side", "quantity", "executed_qty")
    )
    if not at_touch:
        return {}
    left = {}
    for side in (BUY, SELL):
        levels = fills.book_side_get(books, pair=pair, mark=mark, now=now, is_buy=side == BUY)
        left[side] = levels[0].quantity if levels else margin.ZERO
    shares = {}
    for order_id, side, quantity, executed in at_touch:
        share = min(quantity - executed, left[side])
        left[side] -= share
        shares[order_id] = share
    return shares


def _work(account_id: int, order_ids: list[int], ctx: _Context, result: MatchResult) -> None:
    mark, settings, prices, now = ctx.mark, ctx.settings, ctx.prices, ctx.now
    outcome = MatchResult()
    with transaction.atomic():
        account = accounts_lock(account_id)[account_id]
        if account.is_frozen:
            return
        orders = Order.objects.filter(pk__in=order_ids, status__in=OPEN_STATUSES).select_related(
            "pair__base", "pair__quote"
        )
        op = Operation(LockedAccount(account), settings, prices, now, book_params=ctx.books)
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
                _make(op, order, ctx.touch.get(order.pk))
                if order.order_list_id:
                    changed.update((o.pk, o) for o in _oco_cancel_others(op, order))
            if len(op.trades) > trades_before:
                outcome.filled += 1
        kind = JournalEntry.Kind.TRADE if op.trades else JournalEntry.Kind.LOCK
        op.commit(kind=kind, memo=f"matched at {mark} ({len(changed)} orders)", orders=list(changed.values()))
    result.triggered += outcome.triggered
    result.filled += outcome.filled


def _make(op: Operation, order: Order, touch_share: Decimal | None) -> None:
    """A resting limit the price reached fills at its own price, as maker, as far as depth allows.

    ``touch_share``: what it may fill when the mark only touches its price (BOOK: see the module's doc).
    """
    pair, settings = order.pair, op.settings
    remaining = order.quantity - order.executed_qty
    if settings.fill_model == FillModel.BOOK:
        quantity = remaining if touch_share is None else min(remaining, touch_share)
    else:
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
