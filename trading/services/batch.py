"""Many operations of one transaction, written together (issue 15 item 3: liquidation in batches).

Each operation still gets its own balanced journal entry, with its own lines, orders, trades and loan
events, exactly as ``Operation.commit`` writes them; only the statements are shared: one INSERT per
table for the whole batch, and ONE ``UPDATE`` of every balance the batch touched, the deltas of the
shared system rows (market, fees, lending pool, insurance fund) summed first. The caller locks every
user account and balance of the batch first (``accounts_lock`` / ``balances_lock_many``, id order), and
applies the balances last (``LedgerBatch.apply``), just before its commit, so the hot system rows are
held by a batch for as short a time as by one operation.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.bulk import copy_supported, rows_copy, rows_insert, rows_update
from trading.models import Account, Balance, JournalEntry, LedgerLine, LoanEvent, Order, Trade
from trading.services.fills import Operation
from trading.services.ledger import DEFERRED_FIELDS, LedgerError, Posting, balances_update, posting_check
from trading.services.levels import margin_points_record_many

ORDER_FIELDS = [
    "status",
    "status_reason",
    "is_working",
    "locked_amount",
    "executed_qty",
    "cummulative_quote_qty",
    "borrowed_amount",
    "borrowed_asset",
    "updated_at",
]


class LedgerBatch:
    """The journal entries of one transaction: written with ``write``, their balances changed by ``apply``."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Posting, Account | None, str]] = []
        self.entries: list[JournalEntry] = []

    def add(self, *, kind: str, posting: Posting, account: Account | None, memo: str = "") -> None:
        posting_check(kind, posting)
        self.items.append((kind, posting, account, memo))

    def write(self) -> list[JournalEntry]:
        """The entries and their lines, one INSERT each (balances untouched until ``apply``)."""
        if not transaction.get_connection().in_atomic_block:
            raise LedgerError("a ledger batch must run inside transaction.atomic()")
        now = timezone.now()
        self.entries = rows_insert(
            [
                JournalEntry(kind=kind, account=account, memo=memo[:255], created_at=now)
                for kind, _posting, account, memo in self.items
            ],
            ids=True,
        )
        # ``.id``, not ``.pk`` (a property): tens of thousands of lines.
        lines = (
            (entry_id, balance.id, str(bucket), amount)
            for entry_id, (_kind, posting, _account, _memo) in zip(
                [entry.id for entry in self.entries], self.items, strict=True
            )
            for balance, bucket, amount in posting.lines
        )
        if copy_supported(LedgerLine):  # the most rows of a batch: no model instance for each
            rows_copy(LedgerLine, ["entry_id", "balance_id", "bucket", "amount"], lines)
        else:
            LedgerLine.objects.bulk_create(
                [LedgerLine(entry_id=e, balance_id=b, bucket=k, amount=a) for e, b, k, a in lines], batch_size=2000
            )
        return self.entries

    def apply(self) -> None:
        """Every balance of every entry in one statement (rows locked in id order), then the margin points."""
        if len(self.entries) != len(self.items):
            raise LedgerError("apply() before write()")
        deltas: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for _kind, posting, _account, _memo in self.items:
            for balance, bucket, amount in posting.lines:
                deltas[balance.id][bucket] += amount
        balances_update(deltas)
        margin_points_record_many(
            [
                (entry, {b.account_id for b, _bucket, _amount in posting.lines if not b.is_system})
                for entry, (_kind, posting, _account, _memo) in zip(self.entries, self.items, strict=True)
            ]
        )


def operations_commit(operations: list[tuple[Operation, JournalEntry | None, list[Order]]]) -> None:
    """``Operation.commit`` for many operations whose entries a ``LedgerBatch`` wrote: their orders,
    trades, loan events and the deferred fields of their balances, one statement per table. An operation
    that moved no money (an order only triggered) has no entry, hence no trade nor loan event."""
    fresh: list[Order] = []
    changed: list[Order] = []
    trades: list[Trade] = []
    events: list[LoanEvent] = []
    deferred: set[Balance] = set()
    now = timezone.now()
    for op, entry, orders in operations:
        op.initial_check()
        for order in orders:
            order.updated_at = now
            (changed if order.pk else fresh).append(order)
        if entry is None:
            if op.trades or op.book.events:
                raise LedgerError("a trade or loan event always moves money, so it has an entry")
            continue
        for trade in op.trades:
            trade.entry = entry
        trades += op.trades
        for event in op.book.events:
            event.entry = entry
            event.order = event.order or (orders[0] if len(orders) == 1 else None)
        events += op.book.events
        deferred |= op.book.deferred or set()
    rows_insert(fresh, ids=True)
    rows_update(Order, changed, ORDER_FIELDS)
    rows_insert(trades)
    rows_insert(events)
    rows_update(Balance, sorted(deferred, key=lambda b: b.pk), DEFERRED_FIELDS)
