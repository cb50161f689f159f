"""The one way a balance changes: balanced journal entries, written in the caller's transaction.

A ``Posting`` collects the lines of one business operation (a transfer, an order with its borrow and
repayment, a liquidation) and ``ledger_post`` writes them as one ``JournalEntry``. Lines carry the
change of one bucket of one balance; an entry balances when, per asset, holdings (free, locked) minus
debts (borrowed, interest) net to zero.

Locking: the caller locks the user account and its balances first (``balances_lock``), in id order,
and keeps them locked until commit. A Posting applies each line to those locked objects at once, so
later checks in the same operation see the projected state and a user bucket can never go below zero.
System balances (market, fees, pool, ...) are shared by every user: they are never read-locked, only
changed with one ``UPDATE ... SET x = x + delta`` each, in id order at the very end, so the time a hot
system row is held is as short as it can be and two operations cannot deadlock on them.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils import timezone

from accounts.models import User
from core.bulk import array_literal, insert_clause, rows_insert, rows_update
from core.errors import ApplicationError, InsufficientBalance
from core.money import AMOUNT_PLACES, Q8
from core.prepared import Prepared
from trading.lookup_cache import lookup_cached
from trading.models import (
    BUCKET_WEIGHT,
    Account,
    AccountKind,
    Asset,
    Balance,
    Bucket,
    JournalEntry,
    LedgerLine,
    MarginPoint,
    Market,
    Pair,
    SystemAccount,
)
from trading.selectors.lookups import assets_by_id, pairs_by_id
from trading.services.levels import POINT_COLUMNS, margin_point_rows, margin_points_write


class LedgerError(Exception):
    """A programming error: an unbalanced entry or an unlocked write. Never the user's fault."""


class PoolExhausted(ApplicationError):
    code = "pool_exhausted"


def _pools_check(posting: Posting, deltas: dict[int, dict[str, Decimal]], stored_free: dict[int, Decimal]) -> None:
    """Each lending pool the posting lends from still holds zero or more (``stored_free``: its free amount as
    the UPDATE stored it, for the pools among them); else the whole entry is refused (the transaction rolls
    back), saying what the pool had."""
    for pool_id, free in sorted(stored_free.items()):
        if pool_id in posting.pools and free < 0:
            pool = posting.pools[pool_id]
            left = free - deltas[pool_id][Bucket.FREE]
            raise PoolExhausted(f"The lending pool has only {left} {pool.asset.code} left.")


@dataclass(frozen=True)
class NewRows:
    """New rows of one model that an entry brings (an order's order, trades and loan events), written by
    ``ledger_post``: in the entry's own statement when it is one (``core.bulk.insert_clause``), else just
    after it. ``refs``: foreign keys (field names) to the entry (``"entry"``) or to the single row of an
    earlier ``NewRows`` (its ``name``), set on the objects once that row exists."""

    name: str
    objs: Sequence[models.Model]
    refs: Mapping[str, str] = field(default_factory=dict)


class Posting:
    def __init__(self) -> None:
        self.lines: list[tuple[Balance, str, Decimal]] = []
        # Lending pools this posting lends from, by balance id: their free amount must not go below zero.
        # A pool is a system row, never read-locked: ``ledger_post`` checks the amount its UPDATE stored.
        self.pools: dict[int, Balance] = {}

    def add(self, balance: Balance, bucket: str, amount: Decimal) -> None:
        if amount == 0:
            return
        if not balance.is_system:
            after = getattr(balance, bucket) + amount
            if after < 0:
                raise InsufficientBalance(
                    f"Account has insufficient balance for requested action: "
                    f"{balance.asset.code} {bucket} would be {after}."
                )
            setattr(balance, bucket, after)
        self.lines.append((balance, bucket, amount))

    # The few shapes money moves in. Each keeps the entry balanced on its own.

    def move(
        self,
        src: Balance,
        dst: Balance,
        amount: Decimal,
        *,
        src_bucket: str = Bucket.FREE,
        dst_bucket: str = Bucket.FREE,
    ) -> None:
        self.add(src, src_bucket, -amount)
        self.add(dst, dst_bucket, amount)

    def lend(self, *, debtor: Balance, pool: Balance, amount: Decimal) -> None:
        """The pool's cash goes to the debtor; the debtor's debt is the pool's claim (its negative debt). A pool
        lends only what it has (``ledger_post`` refuses the entry otherwise: ``PoolExhausted``)."""
        self.pools[pool.pk] = pool
        self.add(pool, Bucket.FREE, -amount)
        self.add(pool, Bucket.BORROWED, -amount)
        self.add(debtor, Bucket.FREE, amount)
        self.add(debtor, Bucket.BORROWED, amount)

    def repay_principal(self, *, payer: Balance, debtor: Balance, pool: Balance, amount: Decimal) -> None:
        self.add(payer, Bucket.FREE, -amount)
        self.add(debtor, Bucket.BORROWED, -amount)
        self.add(pool, Bucket.FREE, amount)
        self.add(pool, Bucket.BORROWED, amount)

    def charge_interest(self, *, debtor: Balance, income: Balance, amount: Decimal) -> None:
        self.add(debtor, Bucket.INTEREST, amount)
        self.add(income, Bucket.INTEREST, -amount)

    def pay_interest(self, *, payer: Balance, debtor: Balance, income: Balance, amount: Decimal) -> None:
        self.add(payer, Bucket.FREE, -amount)
        self.add(debtor, Bucket.INTEREST, -amount)
        self.add(income, Bucket.FREE, amount)
        self.add(income, Bucket.INTEREST, amount)


def posting_netted(posting: Posting) -> Posting:
    """The same movements with one line per balance, bucket and direction (in first-seen order).

    The matcher's entry of an account takes all its fills of one move: each fill left the same few lines
    (its lock to the market, the market to the wallet, the fee), hundreds for a busy account, each a row
    with its foreign-key checks at commit. Netted, the entry carries one line per movement (what the
    account's locked quote paid, what its wallet received, what it paid in fees) and balances exactly as
    before (the sums per balance and bucket are the same); each fill stays in its own ``Trade``. The
    balances already carry the lines (``Posting.add`` applied them), so nothing is applied again."""
    merged: dict[tuple[int, str, bool], int] = {}
    lines: list[tuple[Balance, str, Decimal]] = []
    for balance, bucket, amount in posting.lines:
        key = (balance.id if balance.id is not None else id(balance), bucket, amount > 0)
        at = merged.get(key)
        if at is None:
            merged[key] = len(lines)
            lines.append((balance, bucket, amount))
        else:
            lines[at] = (balance, bucket, lines[at][2] + amount)
    netted = Posting()
    netted.lines = lines
    netted.pools = dict(posting.pools)  # what it lends from is still checked
    return netted


def posting_check(kind: str, posting: Posting) -> None:
    """Per asset, holdings (free, locked) less debts (borrowed, interest) must net to zero."""
    per_asset: dict[int, Decimal] = defaultdict(Decimal)
    for balance, bucket, amount in posting.lines:
        per_asset[balance.asset_id] += BUCKET_WEIGHT[bucket] * amount
    unbalanced = {asset_id: total for asset_id, total in per_asset.items() if total != 0}
    if unbalanced:
        raise LedgerError(f"unbalanced journal entry {kind}: {unbalanced}")


def ledger_post(
    *,
    kind: str,
    posting: Posting,
    account: Account | None = None,
    memo: str = "",
    held: Sequence[Balance] | None = None,
    prices: dict[str, Decimal] | None = None,
    deferred: Sequence[Balance] = (),
    rows: Sequence[NewRows] = (),
) -> JournalEntry:
    """Write the posting as one entry, and the margin point of the accounts it touched; then ``rows``.

    ``held``: every balance of ``account``, locked by the caller and carrying the posting's lines (a
    ``LockedAccount``'s); with it the margin point values them as the entry's UPDATE leaves them instead of
    reading them again, and when the posting touches no other user balance (an order's) the UPDATE, the
    entry, its lines, its point and ``rows`` are one statement. ``rows``: the records the entry brings
    (``NewRows``: an order's order, trades and loan events), written with it. ``prices``: the mark prices
    the caller's checks used, for the point too (else they are read). ``deferred``: locked user balances
    whose ``DEFERRED_FIELDS`` (interest clock, entry price) the caller changed, saved in the entry's UPDATE.
    A lending pool the posting lends from must not end below zero (``PoolExhausted``)."""
    if not transaction.get_connection().in_atomic_block:
        raise LedgerError("ledger_post must run inside transaction.atomic()")
    posting_check(kind, posting)
    deltas: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for balance, bucket, amount in posting.lines:
        deltas[balance.pk][bucket] += amount

    entry = JournalEntry(kind=kind, account=account, memo=memo[:255], created_at=timezone.now())
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and _amounts_known(posting, account, held):
        # Every user balance of the entry is one the caller locked and holds: what the UPDATE will store is
        # known here, so the margin points are valued before it, and the UPDATE, the entry, its lines and
        # its points are one statement (issue 15: one round trip fewer for every order).
        _round_as_stored(posting)
        points = margin_point_rows(
            entry=entry, balances=[line[0] for line in posting.lines], account=account, held=held, prices=prices
        )
        _entry_write_all(entry, posting=posting, deltas=deltas, deferred=deferred, points=points, rows=rows)
        return entry
    stored = balances_update(deltas, deferred)
    if posting.pools:
        pools_free = (
            {pk: stored[pk][0] for pk in posting.pools if pk in stored}
            if stored is not None
            else dict(Balance.objects.filter(pk__in=posting.pools).values_list("pk", "free"))
        )
        _pools_check(posting, deltas, pools_free)
    if stored is not None:
        # The user's balance objects take the amounts the UPDATE stored (rounded as the database rounds).
        for balance, _, _ in posting.lines:
            if not balance.is_system and balance.pk in stored:
                balance.free, balance.locked, balance.borrowed, balance.interest = stored[balance.pk]
    else:
        held = None  # amounts not read back: the margin point reads them
    # The level of every margin account the entry touched (issue 17): here, so that no service can forget it.
    # Valued before the entry exists (the balances already carry it): the points go in the entry's statement.
    points = margin_point_rows(
        entry=entry, balances=[line[0] for line in posting.lines], account=account, held=held, prices=prices
    )
    if not _entry_create(entry, lines=posting.lines, points=points):
        margin_points_write([(point[0], entry.pk, *point[2:8], entry.created_at) for point in points])
    for group in rows:
        _refs_set(group, entry, rows)
        rows_insert(group.objs, ids=True)
    return entry


def _refs_set(group: NewRows, entry: JournalEntry, rows: Sequence[NewRows]) -> None:
    by_name = {other.name: other for other in rows}
    for name, target in group.refs.items():
        value = entry if target == "entry" else by_name[target].objs[0]
        for obj in group.objs:
            setattr(obj, name, value)


def _amounts_known(posting: Posting, account: Account | None, held: Sequence[Balance] | None) -> bool:
    """Whether what the UPDATE stores follows from the objects: every amount has at most AMOUNT_PLACES
    places (so its ROUND changes nothing), and every user balance the posting changes is one of ``held``
    (the caller's balances of ``account``, locked and read), so that no margin point needs a read either."""
    if not posting.lines or any(_places(amount) > AMOUNT_PLACES for _, _, amount in posting.lines):
        return False
    users = {balance.account_id for balance, _, _ in posting.lines if not balance.is_system}
    if not users:
        return True
    if held is None or account is None or users != {account.pk}:
        return False
    ids = {balance.pk for balance in held}
    return all(balance.pk in ids for balance, _, _ in posting.lines if not balance.is_system)


def _places(amount: Decimal) -> int:
    exponent = amount.as_tuple().exponent if isinstance(amount, Decimal) else 0
    return -exponent if isinstance(exponent, int) else AMOUNT_PLACES + 1  # NaN and infinities: never


def _round_as_stored(posting: Posting) -> None:
    """The user balance objects as the UPDATE stores them, with AMOUNT_PLACES places (``_amounts_known``:
    nothing to round; 1.5 becomes 1.50000000, as the row reads back)."""
    for balance, bucket, _ in posting.lines:
        if not balance.is_system:
            setattr(balance, bucket, getattr(balance, bucket).quantize(Q8))


BUCKETS = (Bucket.FREE, Bucket.LOCKED, Bucket.BORROWED, Bucket.INTEREST)
# A balance's bookkeeping beside its amounts, which an operation changes on the locked row and saves with
# its entry's UPDATE (``ledger_post``'s ``deferred``; a batch's in one statement of its own).
DEFERRED_FIELDS = ["interest_accrued_exact", "interest_charged_hour", "entry_price"]


# Every balance of the entry in one statement (issue 15: "system balances and ledger lines written in bulk").
# The CTE locks the rows in id order first, as the one-UPDATE-per-row loop did, so two entries touching the
# same hot system rows (the market, the lending pool) still queue rather than deadlock; the user's own rows
# are already locked by ``balances_lock``.
def _bulk_update_sql(*, with_fields: bool) -> str:
    # With ``with_fields``, also the deferred fields of the rows whose ``own`` is true (the others keep theirs).
    fields = (
        """,
    interest_accrued_exact = CASE WHEN d.own THEN d.accrued ELSE b.interest_accrued_exact END,
    interest_charged_hour = CASE WHEN d.own THEN d.charged_hour ELSE b.interest_charged_hour END,
    entry_price = CASE WHEN d.own THEN d.entry_price ELSE b.entry_price END"""
        if with_fields
        else ""
    )
    arrays = (
        ", %(own)s::boolean[], %(accrued)s::numeric[], %(charged_hour)s::timestamptz[], %(entry_price)s::numeric[]"
        if with_fields
        else ""
    )
    columns = ", own, accrued, charged_hour, entry_price" if with_fields else ""
    # Two WITH clauses (``locked``, ``updated``): alone (``_BULK_UPDATE``) or before the entry's ones
    # (``_UPDATE_AND_ENTRY``).
    #
    # The ids come through a sub-select, "(SELECT %(ids)s::bigint[])": its value is hidden from the planner's
    # estimates, so a plan made for the values (a custom plan) weighs as much as the one plan for any values
    # (the generic plan) and PostgreSQL keeps the generic one after its first runs. With the value in sight
    # the locked rows of an entry with one balance (a resting LIMIT) looked cheaper planned afresh, and the
    # statement was planned on every run: about half a millisecond, more than it takes to run
    # (pg_prepared_statements' custom_plans; the estimate is the rows of the array, 10 for an unknown one).
    return f"""
locked AS MATERIALIZED (
    SELECT id FROM trading_balance WHERE id = ANY((SELECT %(ids)s::bigint[])::bigint[]) ORDER BY id FOR UPDATE
), updated AS (
UPDATE trading_balance AS b SET
    free = ROUND(b.free + d.free, {AMOUNT_PLACES}),
    locked = ROUND(b.locked + d.locked, {AMOUNT_PLACES}),
    borrowed = ROUND(b.borrowed + d.borrowed, {AMOUNT_PLACES}),
    interest = ROUND(b.interest + d.interest, {AMOUNT_PLACES}){fields}
FROM locked
JOIN unnest((SELECT %(ids)s::bigint[]), %(free)s::numeric[], %(locked)s::numeric[], %(borrowed)s::numeric[],
            %(interest)s::numeric[]{arrays})
    AS d(id, free, locked, borrowed, interest{columns}) ON d.id = locked.id
WHERE b.id = locked.id
RETURNING b.id, b.free, b.locked, b.borrowed, b.interest
)"""


# Keyed by ``with_fields``: an operation's own balances also carry their deferred fields (a batch saves its
# own apart, ``rows_update``).
_UPDATE_CTES = {with_fields: _bulk_update_sql(with_fields=with_fields) for with_fields in (False, True)}
_BULK_UPDATE = {
    with_fields: f"WITH {ctes}\nSELECT id, free, locked, borrowed, interest FROM updated"
    for with_fields, ctes in _UPDATE_CTES.items()
}


def balances_update(
    deltas: dict[int, dict[str, Decimal]], deferred: Sequence[Balance] = ()
) -> dict[int, tuple[Decimal, ...]] | None:
    """Apply the deltas, and save the ``DEFERRED_FIELDS`` of the ``deferred`` balances as they are on the
    objects; on PostgreSQL, in one statement, returning each changed balance's stored (free, locked,
    borrowed, interest)."""
    changed = {pk: d for pk, d in deltas.items() if any(d.values())}
    own = {balance.pk: balance for balance in deferred}
    connection = transaction.get_connection()
    if own and connection.vendor != "postgresql":
        rows_update(Balance, sorted(own.values(), key=lambda b: b.pk), DEFERRED_FIELDS)
        own = {}
    if not changed and not own:
        return {}
    if connection.vendor != "postgresql":
        for balance_id in sorted(changed):
            # ROUND keeps SQLite (floating point underneath) from leaving -1e-14 dust that would trip the
            # not-negative CHECK; on PostgreSQL's exact NUMERIC it changes nothing.
            changes = {
                bucket: Round(F(bucket) + amount, AMOUNT_PLACES)
                for bucket, amount in changed[balance_id].items()
                if amount
            }
            if Balance.objects.filter(pk=balance_id).update(**changes) != 1:
                raise LedgerError(f"balance #{balance_id} is gone")
        return None
    params, count = _update_params(deltas, deferred)
    with connection.cursor() as cursor:
        cursor.execute(_BULK_UPDATE["own" in params], params)
        rows = cursor.fetchall()
    if len(rows) != count:
        raise LedgerError(f"{count - len(rows)} of the entry's balances are gone")
    return {row[0]: tuple(row[1:]) for row in rows}


def _update_params(deltas: dict[int, dict[str, Decimal]], deferred: Sequence[Balance]) -> tuple[dict[str, str], int]:
    """The parameters of the UPDATE's WITH clauses (``_bulk_update_sql``), each array in its text form
    (core.bulk.array_literal), cast in the SQL; ``own`` and the deferred fields only when there are some.
    And the number of rows it must update."""
    changed = {pk: d for pk, d in deltas.items() if any(d.values())}
    own = {balance.pk: balance for balance in deferred}
    ids = sorted(set(changed) | set(own))
    params = {"ids": array_literal(ids)}
    for bucket in BUCKETS:
        params[str(bucket)] = array_literal(changed.get(pk, {}).get(bucket, 0) for pk in ids)
    if own:
        params["own"] = array_literal(pk in own for pk in ids)
        params["accrued"] = array_literal(own[pk].interest_accrued_exact if pk in own else None for pk in ids)
        params["charged_hour"] = array_literal(own[pk].interest_charged_hour if pk in own else None for pk in ids)
        params["entry_price"] = array_literal(own[pk].entry_price if pk in own else None for pk in ids)
    return params, len(ids)


# Each margin point column (levels.POINT_COLUMNS) as the entry's statement fills it.
_POINT_VALUES = {
    "account_id": "p.account_id",
    "entry_id": "entry.id",
    "kind": "%(kind)s",
    "margin_level": "p.level",
    "asset_value": "p.assets",
    "debt_value": "p.debt",
    "prices": "p.prices",
    "holdings": "p.holdings",
    "created_at": "%(created_at)s",
}

# The entry, its lines and its margin points in one statement (PostgreSQL runs every data-modifying WITH
# clause, referenced or not): one round trip instead of three. The lines keep the posting's order (their
# ids follow it).
_ENTRY_CTES = f"""
entry AS (
    INSERT INTO {JournalEntry._meta.db_table} (kind, account_id, memo, created_at)
    VALUES (%(kind)s, %(account)s, %(memo)s, %(created_at)s)
    RETURNING id
), lines AS (
    INSERT INTO {LedgerLine._meta.db_table} (entry_id, balance_id, bucket, amount)
    SELECT entry.id, l.balance_id, l.bucket, l.amount
    FROM entry, unnest(%(balances)s::bigint[], %(buckets)s::varchar[], %(amounts)s::numeric[])
        WITH ORDINALITY AS l(balance_id, bucket, amount, n)
    ORDER BY l.n
), points AS (
    INSERT INTO {MarginPoint._meta.db_table} ({", ".join(POINT_COLUMNS)})
    SELECT {", ".join(_POINT_VALUES[column] for column in POINT_COLUMNS)}
    FROM entry, unnest(%(point_accounts)s::bigint[], %(point_levels)s::numeric[], %(point_assets)s::numeric[],
        %(point_debts)s::numeric[], %(point_prices)s::jsonb[], %(point_holdings)s::jsonb[])
        AS p(account_id, level, assets, debt, prices, holdings)
)"""
ENTRY_SQL = f"WITH {_ENTRY_CTES}\nSELECT id FROM entry"
# With the balances' UPDATE first (``ledger_post`` when the amounts it stores are known): the entry's id, the
# number of balances updated and the free amount each lending pool lent from (``pools``) is left with.
_UPDATE_AND_ENTRY_SELECT = (
    "SELECT (SELECT id FROM entry), (SELECT count(*) FROM updated), "
    "ARRAY(SELECT ARRAY[id, free] FROM updated WHERE id = ANY(%(pools)s::bigint[]))"
)
_UPDATE_AND_ENTRY = {
    with_fields: f"WITH {ctes},{_ENTRY_CTES}\n{_UPDATE_AND_ENTRY_SELECT}" for with_fields, ctes in _UPDATE_CTES.items()
}


def _entry_params(entry: JournalEntry, lines: list[tuple[Balance, str, Decimal]], points: list[tuple]) -> dict:
    """The parameters of the entry's WITH clauses (``_ENTRY_CTES``): each array in its text form
    (core.bulk.array_literal), cast in the SQL; the JSON ones as JSON text."""
    return {
        "kind": entry.kind,
        "account": entry.account_id,
        "memo": entry.memo,
        "created_at": entry.created_at,
        "balances": array_literal(balance.pk for balance, _, _ in lines),
        "buckets": array_literal(str(bucket) for _, bucket, _ in lines),
        "amounts": array_literal(amount for _, _, amount in lines),
        "point_accounts": array_literal(point[0] for point in points),
        "point_levels": array_literal(point[3] for point in points),
        "point_assets": array_literal(point[4] for point in points),
        "point_debts": array_literal(point[5] for point in points),
        "point_prices": array_literal(json.dumps(point[6]) for point in points),
        "point_holdings": array_literal(json.dumps(point[7]) for point in points),
    }


def _entry_create(entry: JournalEntry, *, lines: list[tuple[Balance, str, Decimal]], points: list[tuple]) -> bool:
    """Save ``entry`` (its id set) with its lines, and on PostgreSQL the margin ``points`` in the same
    statement; returns whether the points were written."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or not lines:
        entry.save()
        LedgerLine.objects.bulk_create(
            LedgerLine(entry=entry, balance=balance, bucket=bucket, amount=amount) for balance, bucket, amount in lines
        )
        return False
    with connection.cursor() as cursor:
        cursor.execute(ENTRY_SQL, _entry_params(entry, lines, points))
        entry.pk = cursor.fetchone()[0]
    entry._state.adding, entry._state.db = False, connection.alias
    return True


@functools.cache
def _write_all_sql(with_fields: bool, clauses: tuple[tuple[str, str], ...]) -> str:
    """The statement of ``_entry_write_all``, built once per shape, its runs of white space made one space:
    psycopg keeps its parsing only for a statement of at most 4096 bytes (``core.bulk.insert_clause``), and
    an order's, with its order, trade and loan event, comes close."""
    sql = _UPDATE_AND_ENTRY[with_fields]
    if clauses:
        # Each group's ids come back as an array, in the order of its objects (a sequence's ids ascend).
        sql = (
            f"WITH {_UPDATE_CTES[with_fields]},{_ENTRY_CTES},\n"
            + ",\n".join(clause for _, clause in clauses)
            + f"\n{_UPDATE_AND_ENTRY_SELECT}, "
            + ", ".join(f"ARRAY(SELECT id FROM {name} ORDER BY id)" for name, _ in clauses)
        )
    return " ".join(sql.split())


def _entry_write_all(
    entry: JournalEntry,
    *,
    posting: Posting,
    deltas: dict[int, dict[str, Decimal]],
    deferred: Sequence[Balance],
    points: list[tuple],
    rows: Sequence[NewRows],
) -> None:
    """PostgreSQL, one statement: the balances' UPDATE, the entry with its lines and margin ``points``, then
    ``rows``, each group's ids set on its objects and their references to the entry and the other groups."""
    connection = transaction.get_connection()
    update_params, count = _update_params(deltas, deferred)
    with_fields = "own" in update_params
    written = [group for group in rows if group.objs]
    clauses = [insert_clause(group.name, group.objs, refs=group.refs, connection=connection) for group in written]
    shape = tuple((group.name, clause) for group, (clause, _) in zip(written, clauses, strict=True))
    sql = _write_all_sql(with_fields, shape)
    params = _entry_params(entry, posting.lines, points) | update_params | {"pools": array_literal(posting.pools)}
    for _, clause_params in clauses:
        params |= clause_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        entry.pk, updated, pools_free, *ids = cursor.fetchone()
    if updated != count:
        raise LedgerError(f"{count - updated} of the entry's balances are gone")
    _pools_check(posting, deltas, {int(pool_id): free for pool_id, free in pools_free})
    entry._state.adding, entry._state.db = False, connection.alias
    for group, group_ids in zip(written, ids, strict=True):
        for obj, pk in zip(group.objs, group_ids, strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias
        _refs_set(group, entry, rows)


# --- balances ---------------------------------------------------------------------------------------


# Every order and transfer locks its accounts and their balances: compiled once (core.prepared).
_ACCOUNTS_LOCK = Prepared(
    lambda account_ids: (
        Account.objects.select_for_update(of=("self",))
        .filter(pk__in=account_ids)
        .select_related("pair__base", "pair__quote", "user")
        .order_by("id")
    ),
    account_ids=list,
)
_BALANCES_LOCK = Prepared(
    lambda account_id: (
        Balance.objects.select_for_update(of=("self",))
        .filter(account_id=account_id)
        .select_related("asset")
        .order_by("id")
    ),
    account_id=int,
)


def balances_lock(*, account: Account, assets: Sequence[Asset] = ()) -> dict[str, Balance]:
    """Every balance of a (locked) user account, locked in id order; missing ones for ``assets`` are made.

    The caller must already hold the account row's lock: that is what keeps two transactions from
    creating the same balance at once. The rows made here are this transaction's until it commits.
    """
    balances = {b.asset.code: b for b in _BALANCES_LOCK(account_id=account.pk)}
    missing = list({asset.pk: asset for asset in assets if asset.code not in balances}.values())
    for balance in Balance.objects.bulk_create([Balance(account=account, asset=a, is_system=False) for a in missing]):
        balances[balance.asset.code] = balance
    return balances


# An order's first statement: the user's own account and every balance of it, locked, the account first
# (FOR UPDATE OF takes each row's locks in the order named), then the balances in id order: the order
# ``accounts_lock`` then ``balances_lock`` take them in, in one round trip instead of two (issue 15).
# Only the two locked tables: the assets and the account's pair are this process's copies
# (``selectors.assets_by_id``, ``pairs_by_id``), as a batch's are (``accounts_lock_many``); joining them
# made ten more objects per order and a plan of six tables for PostgreSQL to start on every order.
_OWN_ACCOUNT_AND_BALANCES_LOCK = Prepared(
    lambda account_id, user_id: (
        Balance.objects.select_for_update(of=("account", "self"))
        .filter(account_id=account_id, account__user_id=user_id)
        # The futures wallet is the futures app's: no spot or margin service may touch it.
        .exclude(account__kind__in=[AccountKind.SYSTEM, AccountKind.FUTURES])
        .select_related("account")
        .order_by("id")
    ),
    account_id=int,
    user_id=int,
)


def own_account_lock(*, user: User, account_id: int) -> LockedAccount | None:
    """The user's own (spot or margin) account ``account_id`` with all its balances, locked in one statement
    as ``accounts_lock`` and ``LockedAccount`` lock them; None when that finds nothing: not the user's
    account, or one without a balance yet, which the caller looks up and locks the usual way."""
    rows = _OWN_ACCOUNT_AND_BALANCES_LOCK(account_id=account_id, user_id=user.pk)
    if not rows:
        return None
    account = rows[0].account
    account.user = user  # the filter proved it
    if account.pair_id is not None:
        Account.pair.field.set_cached_value(account, _pair_of(account))
    assets = _assets_of(account.market_id, {balance.asset_id for balance in rows})
    for balance in rows:
        Balance.account.field.set_cached_value(balance, account)  # one account object, as LockedAccount's
        Balance.asset.field.set_cached_value(balance, assets[balance.asset_id])
    return LockedAccount.of(account, {balance.asset.code: balance for balance in rows})


def _pair_of(account: Account) -> Pair:
    """The account's pair (an isolated account's), this process's copy; read when it is not (yet) there."""
    pair_id = account.pair_id
    assert pair_id is not None
    pair = pairs_by_id(account.market_id).get(pair_id)
    if pair is None:
        pair = Pair.in_all_markets.select_related("base", "quote").get(pk=pair_id)
    return pair


def _assets_of(market_id: int | None, asset_ids: set[int]) -> dict[int, Asset]:
    """The assets ``asset_ids`` by id: this process's copies of the market's, and any other read."""
    known = assets_by_id(market_id)
    missing = asset_ids - known.keys()
    if not missing:
        return known
    return known | {asset.pk: asset for asset in Asset.in_all_markets.filter(pk__in=missing)}


def balances_lock_many(*, account_ids: Sequence[int], assets: Sequence[Asset] = ()) -> dict[int, dict[str, Balance]]:
    """Every balance of many (locked) user accounts, locked in one statement in id order (a batch's).
    Their assets are read apart, a few rows shared by all, rather than joined to each balance. The
    missing ones for ``assets`` (the matcher's pair) are made with one insert, as ``balances_lock``."""
    locked = list(Balance.objects.select_for_update().filter(account_id__in=account_ids).order_by("id"))
    by_id = {a.pk: a for a in Asset.in_all_markets.filter(pk__in={b.asset_id for b in locked})}
    balances: dict[int, dict[str, Balance]] = {pk: {} for pk in account_ids}
    for balance in locked:
        asset = by_id[balance.asset_id]
        Balance.asset.field.set_cached_value(balance, asset)
        balances[balance.account_id][asset.code] = balance
    wanted = {asset.pk: asset for asset in assets}.values()
    missing = [
        Balance(account_id=pk, asset=asset, is_system=False)
        for pk in account_ids
        for asset in wanted
        if asset.code not in balances[pk]
    ]
    for balance in Balance.objects.bulk_create(missing):
        balances[balance.account_id][balance.asset.code] = balance
    return balances


def accounts_lock_many(account_ids: Sequence[int]) -> list[Account]:
    """Lock many account rows in id order (a batch's), nothing joined: each account's pair comes from the
    per-process copy of the pairs, its owner (for the e-mail) from one small read of the owners."""
    accounts = list(Account.objects.select_for_update().filter(pk__in=account_ids).order_by("id"))
    owners = {u.pk: u for u in User.objects.filter(pk__in={a.user_id for a in accounts}).only("id", "email")}
    for account in accounts:
        if account.pair_id is not None:
            Account.pair.field.set_cached_value(account, _pair_of(account))
        if account.user_id is not None:
            Account.user.field.set_cached_value(account, owners[account.user_id])
    return accounts


def accounts_lock(*account_ids: int) -> dict[int, Account]:
    """Lock account rows, always in id order (two transfers in opposite directions cannot deadlock)."""
    # Ids as the ORM would take them (a form's "12" too; junk raises ValueError, as the ORM does).
    return {a.pk: a for a in _ACCOUNTS_LOCK(account_ids=sorted({int(pk) for pk in account_ids}))}


# System balances no check reads, only postings move money to and from (the lending pool's and the
# insurance fund's holdings are checked, so those are always read afresh).
WRITE_ONLY_SYSTEM = (SystemAccount.MARKET, SystemAccount.FEES, SystemAccount.INTEREST_INCOME)


# What a market of its own keeps apart from the main one: what its accounts borrow from, and what pays
# their liquidations' shortfalls. The other system accounts are the platform's, whatever the market.
MARKET_KEYED = (SystemAccount.LENDING_POOL, SystemAccount.INSURANCE_FUND)


# Every borrow and repayment reads its lending pool: compiled once (core.prepared). One row per system
# account and asset (their unique key), so no ORDER BY.
_SYSTEM_BALANCE = Prepared(
    lambda code, asset_id: Balance.objects.filter(
        account__market__isnull=True, account__system_code=code, asset_id=asset_id
    ).order_by()[:1],
    code=str,
    asset_id=int,
)
_MARKET_SYSTEM_BALANCE = Prepared(
    lambda code, asset_id, market_id: Balance.objects.filter(
        account__market_id=market_id, account__system_code=code, asset_id=asset_id
    ).order_by()[:1],
    code=str,
    asset_id=int,
    market_id=int,
)


def system_balance(code: SystemAccount, asset: Asset, *, market: Market | int | None = None) -> Balance:
    """The (unlocked) balance of a system account; changed only through ``ledger_post``'s UPDATEs.

    ``market``: the market of the account the entry is about; a lending pool or insurance fund is that
    market's own (``market_system_accounts_open``), or the main one's for a market made before it had any."""
    market_id = market.pk if isinstance(market, Market) else market
    if code not in MARKET_KEYED:
        market_id = None
    if market_id is None:
        balance = next(iter(_SYSTEM_BALANCE(code=str(code), asset_id=asset.pk)), None)
    else:
        balance = next(iter(_MARKET_SYSTEM_BALANCE(code=str(code), asset_id=asset.pk, market_id=market_id)), None)
    if balance is None:  # only before `bootstrap` made them all, or a market's first use of an asset
        own = Q(market__isnull=True) if market_id is None else Q(market_id=market_id)
        account = Account.objects.filter(own, kind=AccountKind.SYSTEM, system_code=code).first()
        if account is None and market_id is not None:
            return system_balance(code, asset)
        if account is None:
            account, _ = Account.objects.get_or_create(kind=AccountKind.SYSTEM, system_code=code, market=None)
        balance, _ = Balance.objects.get_or_create(account=account, asset=asset, defaults={"is_system": True})
    balance.asset = asset
    return balance


def market_system_accounts_open(*, market: Market) -> None:
    """A market's own lending pool and insurance fund accounts (their balances are made on first use)."""
    for code in MARKET_KEYED:
        Account.objects.get_or_create(kind=AccountKind.SYSTEM, system_code=code, market=market)


def lending_pool_to_post(asset: Asset, *, market: Market | int | None = None) -> Balance:
    """The lending pool of ``asset`` (of ``market``, as ``system_balance`` finds it) to lend from: a reference
    by id kept per process (trading.lookup_cache), no query. Its amounts read zero: what it has left is
    checked on what the entry's UPDATE stores (``Posting.lend``, ``PoolExhausted``). A pool row not made yet
    is made by ``system_balance`` and not kept until it has committed (a later look-up finds it)."""
    market_id = market.pk if isinstance(market, Market) else market
    ref = lookup_cached(f"pool:{asset.pk}:{market_id}", lambda: _pool_existing(asset, market_id))
    if ref is None:
        return system_balance(SystemAccount.LENDING_POOL, asset, market=market_id)
    return Balance(pk=ref[0], account_id=ref[1], asset=asset, is_system=True)


def _pool_existing(asset: Asset, market_id: int | None) -> tuple[int, int] | None:
    rows = (
        _SYSTEM_BALANCE(code=str(SystemAccount.LENDING_POOL), asset_id=asset.pk)
        if market_id is None
        else _MARKET_SYSTEM_BALANCE(code=str(SystemAccount.LENDING_POOL), asset_id=asset.pk, market_id=market_id)
    )
    balance = next(iter(rows), None)
    if balance is None and market_id is not None and not _market_has_own(SystemAccount.LENDING_POOL, market_id):
        return _pool_existing(asset, None)  # a market made before it had a pool of its own lends from the main one
    return None if balance is None else (balance.pk, balance.account_id)


def _market_has_own(code: SystemAccount, market_id: int) -> bool:
    return Account.objects.filter(market_id=market_id, kind=AccountKind.SYSTEM, system_code=code).exists()


def system_balance_to_post(code: SystemAccount, asset: Asset, *, market: Market | int | None = None) -> Balance:
    """A system balance to post to. A write-only one is a reference by id kept per process
    (trading.lookup_cache), no query: its amounts read zero, and ``ledger_post`` refuses an entry whose
    balance row is gone. The others are read, as ``system_balance``."""
    if code not in WRITE_ONLY_SYSTEM:
        return system_balance(code, asset, market=market)
    ref = lookup_cached(f"system:{code}:{asset.pk}", lambda: system_balance(code, asset))
    return Balance(pk=ref.pk, account_id=ref.account_id, asset=asset, is_system=True)


class LockedAccount:
    """A user account and all its balances, locked for the rest of the transaction."""

    def __init__(self, account: Account, assets: Sequence[Asset] = ()) -> None:
        self.account = account
        self.balances = balances_lock(account=account, assets=list(assets))

    @classmethod
    def of(cls, account: Account, balances: dict[str, Balance]) -> LockedAccount:
        """An account whose balances the caller already locked (``balances_lock_many``): no query."""
        locked = cls.__new__(cls)
        locked.account, locked.balances = account, balances
        return locked

    def with_assets(self, assets: Sequence[Asset]) -> LockedAccount:
        """The balances of ``assets`` the account has none of yet, made (one insert; none when all exist).

        One that seems missing may have been made meanwhile: ``own_account_lock``'s one statement waits for
        the account's lock, and a transaction that held it before may have made the balance and committed,
        but a statement finds the rows of when it started (READ COMMITTED re-reads the rows it waited for,
        not new ones). So the missing ones go through ``balances_lock``, which reads the account's balances
        again, under its lock, where none can be made but by this transaction, and makes only those still
        missing: a balance is never made twice (a unique key violation otherwise)."""
        missing = [asset for asset in assets if asset.code not in self.balances]
        if missing:
            for code, balance in balances_lock(account=self.account, assets=missing).items():
                if code not in self.balances:  # the ones held keep what this operation did to them
                    Balance.account.field.set_cached_value(balance, self.account)
                    self.balances[code] = balance
        return self

    def balance(self, asset: Asset) -> Balance:
        if asset.code not in self.balances:
            # Only the new row: the others carry what this operation's postings already changed.
            self.balances[asset.code] = balances_lock(account=self.account, assets=[asset])[asset.code]
        return self.balances[asset.code]

    def all(self) -> list[Balance]:
        return list(self.balances.values())
