"""Reads of the interest-rate schedule (``trading.models.InterestRate``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from trading.models import Asset, InterestRate


def interest_rate_list(*, asset: Asset) -> QuerySet[InterestRate]:
    """The asset's whole schedule, newest first (the future entries staff set included)."""
    return InterestRate.objects.filter(asset=asset).select_related("asset").order_by("-effective_from")


def interest_rate_history(*, asset: Asset, start: datetime, end: datetime, limit: int = 1000) -> list[InterestRate]:
    """The entries in force at some time in [start, end], newest first: those that began inside it and the
    one already in force at ``start`` (so a window with no change still shows its rate)."""
    inside = list(interest_rate_list(asset=asset).filter(effective_from__gt=start, effective_from__lte=end)[:limit])
    at_start = interest_rate_list(asset=asset).filter(effective_from__lte=start).first()
    return inside + ([at_start] if at_start is not None and len(inside) < limit else [])


def interest_rate_current(*, asset: Asset, now: datetime | None = None) -> Decimal:
    """The daily rate in force now (the asset's own rate before its first entry)."""
    entry = interest_rate_list(asset=asset).filter(effective_from__lte=now or timezone.now()).first()
    return asset.daily_interest_rate if entry is None else entry.daily_rate


def interest_rates_now(*, account_assets: QuerySet[Asset], now: datetime | None = None) -> list[tuple[str, Decimal]]:
    """(code, daily rate in force now) of each borrowable asset of ``account_assets``, in one query."""
    in_force = (
        InterestRate.objects.filter(asset=OuterRef("pk"), effective_from__lte=now or timezone.now())
        .order_by("-effective_from")
        .values("daily_rate")[:1]
    )
    rows = account_assets.filter(borrowable=True).annotate(rate_now=Subquery(in_force)).order_by("code")
    return [(a.code, a.daily_interest_rate if a.rate_now is None else a.rate_now) for a in rows]
