"""Each margin account's risk state (``AccountRisk``) and its history of snapshots, written in bulk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.utils import timezone

from core.bulk import rows_upsert
from risk.models import AccountRisk, MarginSnapshot
from risk.selectors import AccountLevel
from trading import margin
from trading.services.markets import price_history_prune

# margin_call_at is left out on purpose: only the sweep's margin-call claim moves it (an upsert of what
# a sweep read earlier must never undo a claim another sweep just made).
STATE_FIELDS = ["status", "margin_level", "asset_value", "debt_value", "checked_at", "snapshot_at"]


def snapshot_interval() -> timedelta:
    return timedelta(seconds=django_settings.MARGINLAB_SNAPSHOT_INTERVAL)


def state_row(
    *,
    account_id: int,
    status: str,
    valuation: margin.Valuation,
    now: datetime,
    snapshot_at: datetime | None,
    watched: bool = False,
) -> AccountRisk:
    """An account's risk state as valued at ``now`` (values rounded as every record keeps them)."""
    return AccountRisk(
        account_id=account_id,
        status=status,
        margin_level=valuation.level,
        asset_value=margin.round_half_up(valuation.assets),
        debt_value=margin.round_half_up(valuation.debt),
        checked_at=now,
        status_since=now,
        snapshot_at=snapshot_at,
        watched=watched,
    )


def snapshot_row(
    *, account_id: int, status: str, valuation: margin.Valuation, reason: str, now: datetime
) -> MarginSnapshot:
    return MarginSnapshot(
        account_id=account_id,
        margin_level=valuation.level,
        status=status,
        asset_value=margin.round_half_up(valuation.assets),
        debt_value=margin.round_half_up(valuation.debt),
        reason=reason,
        created_at=now,
    )


def states_upsert(states: list[AccountRisk], *, status_changed: bool, watched: bool = False) -> None:
    """Insert or update states in one statement: two sweeps racing on one account cannot collide.
    The watch flag is updated only with ``watched`` (an insert always writes it)."""
    fields = [*STATE_FIELDS, "status_since"] if status_changed else list(STATE_FIELDS)
    if watched:
        fields.append("watched")
    rows_upsert(AccountRisk, states, unique_field="account", update_fields=fields)


def states_save(states: Sequence[tuple[AccountLevel, str, bool, bool]], now: datetime, *, keeps_watch: bool) -> None:
    """A sweep's states, ``(row, status, changed, snapshot_due)`` each, in one upsert per kind of change."""
    groups = defaultdict(list)
    for row, status, changed, snapshot_due in states:
        state = state_row(
            account_id=row.account_id,
            status=status,
            valuation=row.valuation,
            now=now,
            snapshot_at=now if snapshot_due else row.snapshot_at,
            watched=row.watch,
        )
        groups[(changed, keeps_watch or row.watch)].append(state)
    for (changed, watched), states_ in groups.items():
        states_upsert(states_, status_changed=changed, watched=watched)


def history_prune(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    keep = timedelta(days=django_settings.MARGINLAB_SNAPSHOT_RETENTION_DAYS)
    deleted = MarginSnapshot.objects.filter(reason=MarginSnapshot.Reason.INTERVAL, created_at__lt=now - keep).delete()[
        0
    ]
    return deleted + price_history_prune(now=now)
