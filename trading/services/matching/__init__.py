"""The matcher: given a pair's new mark price, trigger reached stops and fill reached resting limits.

One set-based query finds the orders the price reached. The accounts whose orders touch no loan (no side
effect: nothing to borrow or repay) are worked in batches (``matching.batch``): a few hundred orders per
transaction, their accounts and balances locked in id order with one query each, the fills computed in
memory, and the orders, trades, balances and journal lines written in bulk. The others, and any account
the batch could not fill, are worked one account per short transaction (``account_work``). Either way the
orders are re-read and re-checked under their account's lock, so a cancel that won the race wins, and a
price move worked twice fills nothing twice. The risk engine's tick calls ``orders_match`` for every pair
whose price moved.

A resting limit fills as maker, at its own price. Under the BOOK fill model, a price that trades through
it fills it whole; a price that only touches it (the mark exactly at its price) trades one book level's
worth there, which the orders at that price share in time priority (oldest first), so some fill partly
(PARTIALLY_FILLED) or not at all until the next tick. Under FIXED, ``max_fill_notional`` caps each fill.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import ApplicationError
from trading import margin, selectors
from trading.book import BookParams
from trading.models import OPEN_STATUSES, FillModel, JournalEntry, Order, OrderList, Pair
from trading.services import fills
from trading.services.fills import Operation
from trading.services.ledger import LockedAccount, accounts_lock, posting_netted
from trading.services.matching.batch import accounts_work_batched
from trading.services.matching.rules import BUY, SELL, SL, TP, Context, MatchResult, orders_work

__all__ = ["MatchResult", "account_work", "limits_reached", "orders_match", "stops_reached"]

logger = logging.getLogger(__name__)


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
    # The pair's market's settings decide the fill model of the move; each account's fills take its own
    # market's fees (``selectors.account_settings_get``: the same market, as the pair's orders are its).
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
    by_account: dict[int, list[int]] = defaultdict(list)
    with_loans: set[int] = set()
    rows = reached.order_by("account_id", "id").values_list("id", "account_id", "side_effect")
    for order_id, account_id, side_effect in rows:
        if touch.get(order_id, 1) > 0:  # an order at the touch whose turn has not come waits
            by_account[account_id].append(order_id)
            if side_effect != Order.SideEffect.NO_SIDE_EFFECT:
                with_loans.add(account_id)
    ctx = Context(mark, settings, prices, now, touch, books, pair)
    plain = {account_id: ids for account_id, ids in by_account.items() if account_id not in with_loans}
    left = accounts_work_batched(plain, ctx, result)
    for account_id, order_ids in by_account.items():
        if account_id in with_loans or account_id in left:
            _account_work_or_each(account_id, order_ids, ctx, result)
    return result


def _account_work_or_each(account_id: int, order_ids: list[int], ctx: Context, result: MatchResult) -> None:
    try:
        # All of an account's reached orders in one transaction: one lock, one journal entry.
        account_work(account_id, order_ids, ctx, result)
    except ApplicationError:
        # One order that cannot fill (an account emptied by a race) must not hold back the others:
        # the batch rolled back, so each order is tried alone.
        for order_id in order_ids:
            try:
                account_work(account_id, [order_id], ctx, result)
            except ApplicationError as exc:
                result.failed += 1
                logger.warning("order %s not matched at %s: %s", order_id, ctx.mark, exc.message)


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


def account_work(account_id: int, order_ids: list[int], ctx: Context, result: MatchResult) -> None:
    """One account's reached orders in one transaction under its lock: one journal entry."""
    with transaction.atomic():
        account = accounts_lock(account_id)[account_id]
        if account.is_frozen:
            return
        orders = Order.objects.filter(pk__in=order_ids, status__in=OPEN_STATUSES).select_related(
            "pair__base", "pair__quote"
        )
        settings = selectors.account_settings_get(account)
        op = Operation(LockedAccount(account), settings, ctx.prices, ctx.now, book_params=ctx.books)
        worked = orders_work(op, orders.order_by("id"), ctx, _siblings)
        if worked.lists_done:
            OrderList.objects.filter(pk__in=worked.lists_done).update(status=OrderList.Status.ALL_DONE)
        op.posting = posting_netted(op.posting)  # one line per movement, not per fill (``posting_netted``)
        kind = JournalEntry.Kind.TRADE if op.trades else JournalEntry.Kind.LOCK
        op.commit(kind=kind, memo=f"matched at {ctx.mark} {worked.memo}", orders=list(worked.changed.values()))
    result.triggered += worked.outcome.triggered
    result.filled += worked.outcome.filled


def _siblings(order: Order) -> list[Order]:
    return list(
        Order.objects.filter(order_list_id=order.order_list_id, status__in=OPEN_STATUSES)
        .exclude(pk=order.pk)
        .select_related("pair__base", "pair__quote")
    )
