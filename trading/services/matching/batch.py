"""The matcher's batch: many accounts' reached orders filled in one transaction (issue 15 item 4).

Accounts are taken in id order, in chunks of about ``CHUNK_ORDERS`` reached orders. In each chunk's
transaction: the accounts are locked in id order with one ``select_for_update``, then all their balances
in id order with another (``accounts_lock_many`` / ``balances_lock_many``, as a liquidation batch: account
rows first, then balances, both ascending, so it queues behind, and never deadlocks with, any other
writer); the orders are re-read under those locks (one query, their OCO legs another) and worked in memory
with the same rules as one account's (``rules.orders_work``), each account into its own ``Operation`` with
its market's settings: its own balanced journal entry, its trades and its margin level. Then everything is
written as a liquidation batch writes it (``trading.services.batch``): entries and lines in one INSERT
each (``LedgerBatch.write``), orders, trades and moved entry prices one statement each
(``operations_commit``), and last every balance the chunk changed in one UPDATE (``LedgerBatch.apply``).

A move of two chunks or more is worked by two threads, each chunk still one transaction of its own
(``accounts_work_batched``): one thread's fills are computed while the other's statements run.

Only accounts whose orders touch no loan come here (``orders_match`` sends the others one by one):
working them writes nothing before the bulk writes, so an account that cannot fill (an ``ApplicationError``
while it is worked in memory) is simply left out of its chunk and handed back, to be tried alone.
"""

from __future__ import annotations

import gc
import threading
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.db import connections, transaction

from core.errors import ApplicationError
from trading.models import OPEN_STATUSES, JournalEntry, Order, OrderList
from trading.services.batch import LedgerBatch, operations_commit
from trading.services.fills import Operation
from trading.services.ledger import (
    WRITE_ONLY_SYSTEM,
    LockedAccount,
    accounts_lock_many,
    balances_lock_many,
    posting_netted,
)
from trading.services.loans import LoanBook
from trading.services.matching.rules import Context, MatchResult, Worked, orders_work

NO_SIDE_EFFECT = Order.SideEffect.NO_SIDE_EFFECT
CHUNK_ORDERS = 500  # reached orders per transaction: enough to amortise its statements, few enough to hold few locks
WORKERS = 2  # threads working chunks at once (the calling one included), each in its own connection


def accounts_work_batched(by_account: dict[int, list[int]], ctx: Context, result: MatchResult) -> set[int]:
    """Work these accounts' reached orders in chunks; the ids of the accounts left for one-by-one work.

    With two chunks or more, on PostgreSQL and outside any transaction of the caller's, a second thread works
    every other chunk in its own connection (``WORKERS``): while one thread waits for its chunk's statements,
    the other computes its fills (psycopg lets go of the GIL while it waits). The chunks are transactions of
    their own on disjoint accounts either way; the one rows they share, the system balances, are locked by
    ``LedgerBatch.apply`` in id order, so two chunks queue there and never deadlock.
    """
    chunks: list[dict[int, list[int]]] = []
    chunk: dict[int, list[int]] = {}
    size = 0
    for account_id in sorted(by_account):
        chunk[account_id] = by_account[account_id]
        size += len(by_account[account_id])
        if size >= CHUNK_ORDERS:
            chunks.append(chunk)
            chunk, size = {}, 0
    if chunk:
        chunks.append(chunk)
    workers = min(WORKERS, len(chunks)) if _may_fan_out() else 1
    with _collector_paused():
        if workers <= 1:
            done = [_chunk_work(c, ctx) for c in chunks]
        else:
            stop = threading.Event()
            with ThreadPoolExecutor(max_workers=workers - 1) as pool:
                others = [pool.submit(_chunks_work, chunks[n::workers], ctx, stop, True) for n in range(1, workers)]
                done = _chunks_work(chunks[0::workers], ctx, stop, False)
                for future in others:
                    done += future.result()
    left: set[int] = set()
    for outcome, chunk_left in done:
        result.add(outcome)
        left |= chunk_left
    return left


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the chunks are worked, on again (as it was) after.

    A chunk keeps tens of thousands of objects alive until it is written (its orders, trades, ledger lines):
    every young collection walked them all again, a tenth of the match's Python time. Nothing here makes
    reference cycles (what a chunk drops, reference counting frees at once); any stray one is collected
    once the collector is back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _may_fan_out() -> bool:
    """Another connection sees only what is committed, and cannot join a transaction of the caller's (a test's,
    a service's): the chunks go to a second thread only on PostgreSQL and outside any atomic block."""
    connection = transaction.get_connection()
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _chunks_work(
    chunks: list[dict[int, list[int]]], ctx: Context, stop: threading.Event, own_connection: bool
) -> list[tuple[MatchResult, set[int]]]:
    """One thread's share of the chunks; a chunk that raised stops the others' next ones too."""
    done = []
    try:
        for chunk in chunks:
            if stop.is_set():
                break
            done.append(_chunk_work(chunk, ctx))
    except BaseException:
        stop.set()
        raise
    finally:
        if own_connection:
            connections.close_all()  # this thread's own: a worker thread's connection is never reused
    return done


def _chunk_work(by_account: dict[int, list[int]], ctx: Context) -> tuple[MatchResult, set[int]]:
    """One chunk in one transaction: what it filled, and the accounts it left for one-by-one work."""
    left: set[int] = set()
    outcome = MatchResult()
    with transaction.atomic():
        accounts = [a for a in accounts_lock_many(list(by_account)) if not a.is_frozen]
        # The move's pair is the same object for every order (its assets read once, not one join per order).
        pair = ctx.pair
        orders = list(
            Order.objects.filter(
                pk__in=[pk for a in accounts for pk in by_account[a.pk]], status__in=OPEN_STATUSES, pair=pair
            ).order_by("id")
        )
        for order in orders:
            Order.pair.field.set_cached_value(order, pair)  # pair_id is pair.pk already (the filter)
        balances = balances_lock_many(account_ids=[a.pk for a in accounts], assets=[pair.base, pair.quote])
        legs = _oco_legs(orders)
        # An OCO leg with a side effect (or a borrow) may repay when cancelled: that account is worked alone.
        left |= {leg.account_id for leg in legs if leg.side_effect != NO_SIDE_EFFECT or leg.borrowed_amount}
        by_id: dict[int, list[Order]] = defaultdict(list)
        for order in orders:
            by_id[order.account_id].append(order)
        done: list[tuple[Operation, Worked]] = []
        # The system balances the operations post to (``Operation.system``): the write-only ones (references
        # by id, never read, only changed by ``LedgerBatch.apply``'s one UPDATE) carried from chunk to chunk.
        system = {key: balance for key, balance in ctx.system.items() if key[0] in WRITE_ONLY_SYSTEM}
        for account in accounts:
            if account.pk in left or not by_id[account.pk]:
                continue
            locked = LockedAccount.of(account, balances[account.pk])
            settings = ctx.account_settings(account)  # its market's fees and fill model
            # ``deferred``: the balances whose entry price moved are saved by ``operations_commit``, all at once.
            op = Operation(
                locked,
                settings,
                ctx.prices,
                ctx.now,
                book=LoanBook(deferred=set()),
                _system=system,
                book_params=ctx.books,
            )
            try:
                worked = orders_work(op, by_id[account.pk], ctx, lambda o: _open_legs(legs, o))
            except ApplicationError:
                left.add(account.pk)  # nothing of it was written: it is tried alone afterwards
                continue
            if op.book.events or op.borrowed:  # cannot happen without a side effect, and nothing may be lost
                raise AssertionError(f"account {account.pk}: a loan in the matcher's batch")
            op.posting = posting_netted(op.posting)  # one line per movement, not per fill
            done.append((op, worked))
            outcome.triggered += worked.outcome.triggered
            outcome.filled += worked.outcome.filled
        _write(done, ctx)
    ctx.system.update(system)
    return outcome, left


def _oco_legs(orders: list[Order]) -> list[Order]:
    """The open legs of the OCO lists among ``orders``, read once for the chunk (the accounts are locked)."""
    list_ids = {o.order_list_id for o in orders if o.order_list_id}
    if not list_ids:
        return []
    return list(
        Order.objects.filter(order_list_id__in=list_ids, status__in=OPEN_STATUSES).select_related(
            "pair__base", "pair__quote"
        )
    )


def _open_legs(legs: list[Order], order: Order) -> list[Order]:
    """The other open legs of ``order``'s list (objects of their own, as one account's work reads them)."""
    return [leg for leg in legs if leg.order_list_id == order.order_list_id and leg.pk != order.pk]


def _write(done: list[tuple[Operation, Worked]], ctx: Context) -> None:
    """Everything the chunk's operations left, in a few bulk statements (``Operation.commit``'s order),
    the balances last so that the hot system rows are held as briefly as by one operation."""
    if not done:
        return
    ledger = LedgerBatch()
    posted = [(op, worked) for op, worked in done if op.posting.lines]
    for op, worked in posted:
        ledger.add(
            kind=JournalEntry.Kind.TRADE if op.trades else JournalEntry.Kind.LOCK,
            posting=op.posting,
            account=op.locked.account,
            memo=f"matched at {ctx.mark} {worked.memo}",
        )
    entry_of = {id(op): entry for (op, _), entry in zip(posted, ledger.write(), strict=True)}
    operations_commit([(op, entry_of.get(id(op)), list(worked.changed.values())) for op, worked in done])
    lists_done = set().union(*(worked.lists_done for _, worked in done))
    if lists_done:
        OrderList.objects.filter(pk__in=lists_done).update(status=OrderList.Status.ALL_DONE)
    ledger.apply()
