"""The interest-rate schedule: what staff set, and the rates each charged hour uses.

The rule (every hour at the rate in force at its start) and its Binance sources: ``trading.models.InterestRate``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError, NotFound
from trading import margin
from trading.lookup_cache import lookup_cached
from trading.models import Asset, InterestRate
from trading.services.common import clean_amount

# Before every entry (an asset listed after the schedule began): the asset's own daily rate.
BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
RATES_KEPT = 1024  # answers of rates_for_hours kept per process (one per asset, hour and length asked)


def clock_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def rates_for_hours(*, asset: Asset, first_hour: datetime, hours: int) -> list[Decimal]:
    """The daily rate of each of ``hours`` clock hours from ``first_hour`` on (one query).

    Entries are one per hour at most, so the ``hours`` latest entries up to the last hour and one more reach
    back to the entry in force at ``first_hour``."""
    # Kept per process while no rate or asset changes (trading.lookup_cache): every borrow charges its first
    # hour at the rate of the current one, so orders of one hour ask the same question.
    known: dict[tuple, list[Decimal]] = lookup_cached("interest-rates", dict)
    key = (asset.pk, asset.daily_interest_rate, first_hour, hours)
    if key not in known:
        last_hour = first_hour + timedelta(hours=hours - 1)
        schedule = list(
            InterestRate.objects.filter(asset=asset, effective_from__lte=last_hour)
            .order_by("-effective_from")
            .values_list("effective_from", "daily_rate")[: hours + 1]
        )
        if not schedule or schedule[-1][0] > first_hour:
            schedule.append((BEGINNING, asset.daily_interest_rate))
        if len(known) >= RATES_KEPT:
            known.clear()
        known[key] = margin.hourly_rates(schedule=schedule, first_hour=first_hour, hours=hours)
    return list(known[key])


def rate_in_force(*, asset: Asset, at: datetime) -> Decimal:
    return rates_for_hours(asset=asset, first_hour=clock_hour(at), hours=1)[0]


def interest_rate_schedule(*, asset: str, daily_rate, effective_from: datetime | None = None) -> InterestRate:
    """Set ``asset``'s daily rate from the clock hour ``effective_from`` (default: the current hour) on.

    An hour already begun keeps the rate it was charged at, except the current one (a loan taken later in
    it pays the new rate; hours are charged once, so nothing charged is ever re-priced). The asset's own
    ``daily_interest_rate`` follows the rate in force now, so every page and API that shows it shows the
    current rate."""
    rate = clean_amount(daily_rate, field="daily_rate", allow_zero=True)
    if rate >= 1:
        raise ApplicationError(
            "Daily rate must be below 1 (1 = 100 % a day).", fields={"daily_rate": ["Must be below 1."]}
        )
    now = timezone.now()
    start = effective_from or clock_hour(now)
    if start != clock_hour(start):
        raise ApplicationError(
            "A rate starts on a clock hour (minutes and seconds 0).",
            fields={"effective_from": ["Must be a clock hour, e.g. 14:00:00."]},
        )
    if start < clock_hour(now):
        raise ApplicationError(
            "Hours already begun keep the rate they were charged at: a new rate starts this hour or later.",
            fields={"effective_from": ["This hour or later."]},
        )
    with transaction.atomic():
        # Codes are unique across markets (a class's copies are C<id>...), so a class asset is found too.
        found = Asset.in_all_markets.select_for_update().filter(code=str(asset).upper()).first()
        if found is None:
            raise NotFound(f"Unknown asset: {asset!r}.", code="unknown_asset")
        entry, _ = InterestRate.objects.update_or_create(
            asset=found, effective_from=start, defaults={"daily_rate": rate}
        )
        current = rate_in_force(asset=found, at=now)
        if found.daily_interest_rate != current:
            found.daily_interest_rate = current
            found.save(update_fields=["daily_interest_rate"])
    return entry


def interest_rates_refresh(*, now: datetime | None = None) -> int:
    """Bring every asset's shown ``daily_interest_rate`` to the rate in force now (a scheduled rate that
    began this hour); the hourly interest task runs it. Returns how many assets changed."""
    now = now or timezone.now()
    changed = 0
    for found in Asset.objects.all():
        current = rate_in_force(asset=found, at=now)
        if found.daily_interest_rate != current:
            Asset.objects.filter(pk=found.pk).update(daily_interest_rate=current)
            changed += 1
    return changed
