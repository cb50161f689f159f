"""Sweeps: one set-based query over the accounts in scope, and action on the few rows it returns.

``risk.selectors.accounts_needing_attention`` values all margin accounts, a chunk of them, or only
those exposed to the pairs that moved; the sweep writes status changes and snapshots, raises margin
calls (once per episode, again every 24 hours) and hands liquidations to ``accounts_liquidate``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification
from core.bulk import rows_insert
from risk import selectors as risk_selectors
from risk.models import AccountRisk, MarginCall, MarginSnapshot, SweepBaseline
from risk.services import notifications
from risk.services.leases import leased
from risk.services.liquidation import accounts_liquidate
from risk.services.state import snapshot_interval, snapshot_row, states_save
from trading import margin, selectors
from trading.margin import Status
from trading.models import Account, PlatformSettings

MARGIN_CALL_REPEAT = timedelta(hours=24)
EXPOSED_LEASE = "risk:sweep:exposed"


@dataclass
class SweepResult:
    checked: int = 0
    status_changes: int = 0
    margin_calls: list[int] = field(default_factory=list)
    liquidations: list[int] = field(default_factory=list)
    snapshots: int = 0

    def merge(self, other: SweepResult) -> SweepResult:
        self.checked += other.checked
        self.status_changes += other.status_changes
        self.margin_calls += other.margin_calls
        self.liquidations += other.liquidations
        self.snapshots += other.snapshots
        return self

    def as_dict(self) -> dict:
        return {
            "checked": self.checked,
            "status_changes": self.status_changes,
            "margin_calls": self.margin_calls,
            "liquidations": self.liquidations,
            "snapshots": self.snapshots,
        }


def sweep_run(
    *, id_range: tuple[int, int] | None = None, assets: list[int] | None = None, now: datetime | None = None
) -> SweepResult:
    """Classify the accounts in scope and act: snapshots, margin calls, liquidations.

    A sweep of every asset (all accounts or a chunk) also keeps its accounts' watch flags and records
    its baseline. A tick only ever raises a flag: it has no baseline to clear one by.
    """
    now = now or timezone.now()
    swept_at = timezone.now()  # before anything is read: what the ledger changes from here on, a tick sees
    settings = selectors.platform_settings_get()
    inputs = risk_selectors.valuation_inputs(profile_id=settings.risk_profile_id)
    keeps_watch = assets is None
    # The accounts this sweep values (an account opened after this read is outside its baseline).
    covered = id_range or (risk_selectors.margin_account_id_bounds() if keeps_watch else None)
    rows = risk_selectors.accounts_needing_attention(
        inputs=inputs,
        now=now,
        snapshot_before=now - snapshot_interval(),
        id_range=id_range,
        assets=assets,
    )
    result = SweepResult(checked=len(rows))
    states, snapshots, calls = [], [], []
    # Every account past the line at once, in batches (each re-checked under its lock).
    doomed = [row.account_id for row in rows if row.status == Status.LIQUIDATION]
    liquidated = {record.account_id for record in accounts_liquidate(account_ids=doomed, now=now)}
    result.liquidations = [account_id for account_id in doomed if account_id in liquidated]
    for row in rows:
        status = row.status
        if status == Status.LIQUIDATION:
            continue
        changed = status != row.previous
        call_due = status == Status.MARGIN_CALL and (
            changed or row.margin_call_at is None or row.margin_call_at <= now - MARGIN_CALL_REPEAT
        )
        snapshot_due = changed or (
            row.debt > 0 and (row.snapshot_at is None or row.snapshot_at < now - snapshot_interval())
        )
        if changed:
            result.status_changes += 1
        if snapshot_due:
            reason = MarginSnapshot.Reason.STATUS_CHANGE if changed else MarginSnapshot.Reason.INTERVAL
            snapshots.append(
                snapshot_row(account_id=row.account_id, status=status, valuation=row.valuation, reason=reason, now=now)
            )
        if call_due:
            calls.append(row)
        if changed or call_due or snapshot_due or (keeps_watch and row.watch != row.watched):
            # An account that stays in the same state needs no write: the sweep's cost stays the query's.
            states.append((row, status, changed, snapshot_due))

    with transaction.atomic():
        states_save(states, now, keeps_watch=keeps_watch)
        rows_insert(snapshots)  # COPY, as the liquidation's snapshots (core.bulk)
        result.snapshots = len(snapshots)
        result.margin_calls = _margin_calls(calls, settings, now)
        if keeps_watch and covered is not None:
            _baseline_record(covered, inputs, swept_at)
    return result


def _baseline_record(id_range: tuple[int, int], inputs: risk_selectors.Inputs, swept_at: datetime) -> None:
    """The baseline of these accounts, replacing any that overlaps them (left by another chunk size)."""
    lo, hi = id_range
    SweepBaseline.objects.filter(first_account__lte=hi, last_account__gte=lo).exclude(first_account=lo).delete()
    SweepBaseline.objects.update_or_create(
        first_account=lo,
        defaults={
            "last_account": hi,
            "swept_at": swept_at,
            "prices": {str(asset_id): str(price) for asset_id, price in inputs.prices.items()},
            "profile_id": inputs.profile_id,
            "margin_call": inputs.margin_call,
        },
    )


def _margin_calls(rows: list[risk_selectors.AccountLevel], settings: PlatformSettings, now: datetime) -> list[int]:
    """Write the margin-call records and tell the owners: once per episode, again every 24 hours.

    Each call is claimed first with a compare-and-set on the time of the last call the sweep read, so
    two sweeps that both saw an account enter MARGIN_CALL raise one call between them. The records and
    notifications of the claimed calls are then written in one statement each.
    """
    claimed = _margin_calls_claim(rows, now)
    accounts = Account.objects.select_related("user", "pair", "market__risk_profile").in_bulk(
        [row.account_id for row in claimed]
    )
    rows_insert(
        [
            MarginCall(
                account=accounts[row.account_id],
                margin_level=row.level,
                margin_call_ratio=row.ratios.margin_call,
                liquidation_ratio=row.ratios.liquidation,
                profile=_profile_name(accounts[row.account_id], settings),
                asset_value=margin.round_half_up(row.assets),
                debt_value=margin.round_half_up(row.debt),
                created_at=now,
            )
            for row in claimed
        ]
    )
    notifications.notify_all(
        [
            (
                accounts[row.account_id],
                Notification.Kind.MARGIN_CALL,
                f"Margin call on your {notifications.account_name(accounts[row.account_id])}",
                f"Margin level {row.level:.4f} is at or below the margin-call ratio {row.ratios.margin_call}; "
                f"at {row.ratios.liquidation} the account is liquidated. Add collateral or repay debt.",
            )
            for row in claimed
        ]
    )
    return [row.account_id for row in claimed]


def _profile_name(account: Account, settings: PlatformSettings) -> str:
    """The profile the account was classified by: its market's own (a class's), else the platform's."""
    market = account.market
    return (
        market.risk_profile.name
        if market is not None and market.risk_profile is not None
        else settings.risk_profile.name
    )


class _Contended(Exception):
    pass


def _margin_calls_claim(rows: list[risk_selectors.AccountLevel], now: datetime) -> list[risk_selectors.AccountLevel]:
    """The rows whose call this sweep claimed: compare-and-set on the time of the last call read.

    Rows that read the same last-call time are claimed in one statement; if another sweep got to some
    of them first, that statement is rolled back and they are claimed one by one.
    """
    groups = defaultdict(list)
    for row in rows:
        groups[row.margin_call_at].append(row)
    claimed = []
    for last_call, group in groups.items():
        try:
            with transaction.atomic():
                if _claim([row.account_id for row in group], last_call, now) != len(group):
                    raise _Contended
            claimed += group
        except _Contended:
            claimed += [row for row in group if _claim([row.account_id], last_call, now)]
    return claimed


def _claim(account_ids: list[int], last_call: datetime | None, now: datetime) -> int:
    states = AccountRisk.objects.filter(account_id__in=account_ids)
    states = (
        states.filter(margin_call_at__isnull=True) if last_call is None else states.filter(margin_call_at=last_call)
    )
    return states.update(margin_call_at=now)


# --- chunks -----------------------------------------------------------------------------------------


def sweep_chunks(*, size: int | None = None) -> list[tuple[int, int]]:
    """Account id ranges of about ``size`` ids each: the units several workers can sweep at once."""
    size = size or django_settings.MARGINLAB_SWEEP_CHUNK_SIZE
    bounds = risk_selectors.margin_account_id_bounds()
    if bounds is None:
        return []
    lo, hi = bounds
    return [(start, min(start + size - 1, hi)) for start in range(lo, hi + 1, size)]


def sweep_chunk_run(
    *, id_range: tuple[int, int], assets: list[int] | None = None, now: datetime | None = None
) -> SweepResult:
    """Sweep one chunk under its own lease: a chunk never runs twice at once."""
    return leased(
        f"risk:sweep:{id_range[0]}-{id_range[1]}",
        lambda: sweep_run(id_range=id_range, assets=assets, now=now),
        SweepResult,
    )


FanOut = Callable[[list[tuple[int, int]], list[int] | None], None]


def sweep_all(
    *, assets: list[int] | None = None, fan_out: FanOut | None = None, now: datetime | None = None
) -> SweepResult:
    """Every chunk: handed to ``fan_out`` (a Celery group) when there are several, else swept here.

    Swept here, the accounts exposed to a few moved assets take one query: they are a fraction of all,
    and one query over them costs less than one per chunk.
    """
    chunks = sweep_chunks()
    if fan_out is not None and len(chunks) > 1:
        fan_out(chunks, assets)
        return SweepResult()
    if assets is not None and chunks:
        return leased(EXPOSED_LEASE, lambda: sweep_run(assets=assets, now=now), SweepResult)
    result = SweepResult()
    for chunk in chunks:
        result.merge(sweep_chunk_run(id_range=chunk, assets=assets, now=now))
    return result
