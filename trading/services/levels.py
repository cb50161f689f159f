"""The one choke point that records a margin account's level after money moved (issue 17, issue 19 item 5).

``ledger_post`` values the points of every entry (``margin_point_rows``) once its balances changed and
writes them with the entry, in the entry's own statement on PostgreSQL: every trade, borrow, repayment,
transfer, interest charge, liquidation and reset of a margin account goes through it, so no service needs a
call of its own. It runs in the entry's transaction, reading the balances the entry just changed (still
locked by the caller), and values them at the mark prices of the moment with the same margin math as
everything else (``trading.margin.value``). Batches record theirs with ``margin_points_record_many``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from core.bulk import COPY_FROM, copy_supported, rows_copy, rows_insert
from trading import margin
from trading.margin import Holding
from trading.models import Account, AccountKind, Balance, JournalEntry, MarginPoint
from trading.selectors.lookups import mark_prices
from trading.selectors.valuation import holdings_of

MARGIN_KINDS = (AccountKind.CROSS, AccountKind.ISOLATED)


def margin_point_rows(
    *,
    entry: JournalEntry,
    balances: Iterable[Balance],
    account: Account | None,
    held: Iterable[Balance] | None = None,
    prices: dict[str, Decimal] | None = None,
) -> list[tuple]:
    """One ``MarginPoint`` row (``POINT_COLUMNS`` order) per margin account among ``balances`` (the lines'
    balances) after ``entry``, not written: ``ledger_post`` sends them in its entry's own statement, made
    before ``entry`` has an id (their ``entry_id`` is None).

    ``held``: all of ``account``'s balances as the entry left them (``ledger_post``): no read when the
    entry touched that account alone. ``prices``: the mark prices to value them at (else read now)."""
    account_ids = {b.account_id for b in balances if not b.is_system}
    if not account_ids or (account is not None and account_ids == {account.pk} and not account.is_margin):
        return []  # nothing of a user's, or only a spot wallet's: no level to record, and no query spent
    if held is not None and account is not None and account_ids == {account.pk}:
        return _point_rows({account.pk: holdings_of(held)}, {account.pk: entry}, prices)
    entry_of = dict.fromkeys(account_ids, entry)
    return _point_rows(_holdings_read(entry_of), entry_of, prices)


POINT_COLUMNS = [
    "account_id",
    "entry_id",
    "kind",
    "margin_level",
    "asset_value",
    "debt_value",
    "prices",
    "holdings",
    "created_at",
]


def margin_points_record_many(
    entries: list[tuple[JournalEntry, set[int]]], *, prices: dict[str, Decimal] | None = None
) -> None:
    """The points of several entries of one transaction (a liquidation batch's): one read, one insert.
    Each entry's accounts are valued once all the entries were applied. Rows, not model instances: a
    batch writes hundreds."""
    entry_of = {account_id: entry for entry, account_ids in entries for account_id in account_ids}
    if not entry_of:
        return
    margin_points_write(_point_rows(_holdings_read(entry_of), entry_of, prices))


def _holdings_read(account_ids: Iterable[int]) -> dict[int, list[Holding]]:
    """The holdings of the margin accounts among ``account_ids``, as stored now: one read."""
    rows = Balance.objects.filter(account_id__in=list(account_ids), account__kind__in=MARGIN_KINDS).values_list(
        "account_id", "asset__code", "free", "locked", "borrowed", "interest"
    )
    by_account: dict[int, list[Holding]] = defaultdict(list)
    for account_id, code, free, locked, borrowed, interest in rows:
        by_account[account_id].append(
            Holding(asset=code, free=free, locked=locked, borrowed=borrowed, interest=interest)
        )
    return by_account


def _point_rows(
    by_account: dict[int, list[Holding]], entry_of: dict[int, JournalEntry], prices: dict[str, Decimal] | None
) -> list[tuple]:
    if not by_account:
        return []
    prices = prices if prices is not None else mark_prices()
    points = []
    for account_id, held in sorted(by_account.items()):
        holdings = [h for h in held if h.gross or h.debt]
        if any(h.asset not in prices for h in holdings):
            continue  # an asset with no mark price yet has no value: no level to speak of
        valuation = margin.value(holdings, prices)
        entry = entry_of[account_id]
        points.append(
            (
                account_id,
                entry.pk,
                entry.kind,
                valuation.level,
                margin.round_half_up(valuation.assets),
                margin.round_half_up(valuation.debt),
                {h.asset: f"{prices[h.asset]}" for h in holdings},
                {h.asset: [f"{h.free}", f"{h.locked}", f"{h.borrowed}", f"{h.interest}"] for h in holdings},
                entry.created_at,
            )
        )
    return points


def margin_points_write(points: list[tuple]) -> None:
    """Margin point rows (``POINT_COLUMNS`` order, their entries saved) in one statement."""
    if copy_supported(MarginPoint) and len(points) >= COPY_FROM:
        rows_copy(MarginPoint, POINT_COLUMNS, points, json=("prices", "holdings"))
    else:
        rows_insert([MarginPoint(**dict(zip(POINT_COLUMNS, point, strict=True))) for point in points])
