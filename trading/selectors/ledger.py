"""Reads of the ledger: an account's lines, and the check that every entry balances and every balance
equals its journal."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Case, DecimalField, F, Max, Sum, When
from django.db.models.functions import Abs

from trading.models import (
    BUCKET_WEIGHT,
    Account,
    Asset,
    Balance,
    Bucket,
    LedgerLine,
)


def ledger_lines_for_account(*, account: Account):
    return LedgerLine.objects.filter(balance__account=account).select_related("entry", "balance__asset").order_by("-id")


# SQLite keeps decimals as floating point with 15 significant digits; a difference below that is the
# storage, not the books. PostgreSQL's NUMERIC is exact, and there (in CI and production) nothing is let off.
SQLITE_RELATIVE_PRECISION = Decimal("1e-14")


def _journal_sums() -> tuple[dict, dict, Decimal]:
    """Per (entry, asset) the weighted total of its lines, per (balance, bucket) the sum of its lines,
    and the relative difference the database's storage allows.

    PostgreSQL sums NUMERIC exactly, so it does the work; on SQLite the lines are summed here.
    """
    if connection.vendor == "postgresql":
        weighted = Case(
            *[When(bucket=bucket, then=F("amount") * weight) for bucket, weight in BUCKET_WEIGHT.items()],
            output_field=DecimalField(max_digits=32, decimal_places=8),
        )
        entries = {
            (r["entry_id"], r["balance__asset_id"]): (r["total"], r["largest"])
            for r in LedgerLine.objects.values("entry_id", "balance__asset_id")
            .annotate(total=Sum(weighted), largest=Max(Abs("amount")))
            .exclude(total=0)
        }
        buckets = {
            (r["balance_id"], r["bucket"]): r["total"]
            for r in LedgerLine.objects.values("balance_id", "bucket").annotate(total=Sum("amount"))
        }
        return entries, buckets, Decimal(0)
    totals: defaultdict[tuple[int, int], Decimal] = defaultdict(Decimal)
    largest: defaultdict[tuple[int, int], Decimal] = defaultdict(Decimal)
    buckets = defaultdict(Decimal)
    rows = LedgerLine.objects.values_list("entry_id", "balance__asset_id", "balance_id", "bucket", "amount")
    for entry_id, asset_id, balance_id, bucket, amount in rows.iterator():
        totals[(entry_id, asset_id)] += BUCKET_WEIGHT[bucket] * amount
        largest[(entry_id, asset_id)] = max(largest[(entry_id, asset_id)], abs(amount))
        buckets[(balance_id, bucket)] += amount
    entries = {key: (total, largest[key]) for key, total in totals.items() if total != 0}
    return entries, buckets, SQLITE_RELATIVE_PRECISION


def ledger_differences() -> list[str]:
    """Every way the ledger disagrees with itself: unbalanced entries, balances unlike their journal."""

    entries, buckets, precision = _journal_sums()
    codes = dict(Asset.in_all_markets.values_list("id", "code"))  # every market's assets: the ledger is one
    problems = [
        f"entry #{entry_id} {codes[asset_id]} does not balance: off by {total:f}"
        for (entry_id, asset_id), (total, largest) in sorted(entries.items())
        if abs(total) > largest * precision
    ]
    columns = ["id", "account_id", "asset_id", "is_system", *Bucket.values]
    for row in Balance.objects.order_by("id").values_list(*columns).iterator():
        balance_id, account_id, asset_id, is_system, *stored = row
        for bucket, value in zip(Bucket.values, stored, strict=True):
            journal = buckets.get((balance_id, bucket), Decimal(0))
            where = f"balance #{balance_id} (account #{account_id} {codes[asset_id]}) {bucket}"
            if abs(value - journal) > max(abs(value), abs(journal)) * precision:
                problems.append(f"{where}: stored {value:f}, journal {journal:f}")
            if value < 0 and not is_system:
                problems.append(f"{where} is negative: {value:f}")
    return problems
