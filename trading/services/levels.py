"""The one choke point that records a margin account's level after money moved (issue 17, issue 19 item 5).

``ledger_post`` calls ``margin_points_record`` after it wrote an entry: every trade, borrow, repayment,
transfer, interest charge, liquidation and reset of a margin account goes through it, so no service needs a
call of its own. It runs in the entry's transaction, reading the balances the entry just changed (still
locked by the caller), and values them at the mark prices of the moment with the same margin math as
everything else (``trading.margin.value``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from core.bulk import rows_insert
from trading import margin
from trading.models import Account, AccountKind, Balance, JournalEntry, MarginPoint
from trading.selectors.lookups import mark_prices
from trading.selectors.valuation import holdings_of

MARGIN_KINDS = (AccountKind.CROSS, AccountKind.ISOLATED)


def holdings_text(balances: Iterable[Balance]) -> dict[str, list[str]]:
    return {
        b.asset.code: [f"{b.free}", f"{b.locked}", f"{b.borrowed}", f"{b.interest}"]
        for b in balances
        if b.free or b.locked or b.borrowed or b.interest
    }


def margin_points_record(*, entry: JournalEntry, balances: Iterable[Balance], account: Account | None) -> None:
    """One ``MarginPoint`` per margin account among ``balances`` (the lines' balances) after ``entry``."""
    account_ids = {b.account_id for b in balances if not b.is_system}
    if not account_ids or (account is not None and account_ids == {account.pk} and not account.is_margin):
        return  # nothing of a user's, or only a spot wallet's: no level to record, and no query spent
    margin_points_record_many([(entry, account_ids)])


def margin_points_record_many(entries: list[tuple[JournalEntry, set[int]]]) -> None:
    """The points of several entries of one transaction (a liquidation batch's): one read, one insert.
    Each entry's accounts are valued once all the entries were applied."""
    entry_of = {account_id: entry for entry, account_ids in entries for account_id in account_ids}
    if not entry_of:
        return
    rows = Balance.objects.filter(account_id__in=entry_of, account__kind__in=MARGIN_KINDS).select_related("asset")
    by_account: dict[int, list[Balance]] = defaultdict(list)
    for row in rows:
        by_account[row.account_id].append(row)
    if not by_account:
        return
    prices = mark_prices()
    points = []
    for account_id, held in sorted(by_account.items()):
        holdings = [h for h in holdings_of(held) if h.gross or h.debt]
        if any(h.asset not in prices for h in holdings):
            continue  # an asset with no mark price yet has no value: no level to speak of
        valuation = margin.value(holdings, prices)
        entry = entry_of[account_id]
        points.append(
            MarginPoint(
                account_id=account_id,
                entry=entry,
                kind=entry.kind,
                margin_level=valuation.level,
                asset_value=margin.round_half_up(valuation.assets),
                debt_value=margin.round_half_up(valuation.debt),
                prices={h.asset: f"{prices[h.asset]}" for h in holdings},
                holdings=holdings_text(held),
                created_at=entry.created_at,
            )
        )
    rows_insert(points)
