"""The hourly interest-rate schedule of each borrowable asset."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from trading.lookup_cache import LookupQuerySet

from .fields import ratio_field
from .markets import Asset


class InterestRate(models.Model):
    """From ``effective_from`` (a clock hour, UTC) on, ``asset`` is lent at ``daily_rate`` a day, until the next
    entry of the same asset. Every hour of interest is charged at the rate in force at the start of that hour.

    Binance's margin rates "change every hour based on current market conditions" and "interest accrues at
    the start of each hour", charged hourly at daily rate / 24
    (https://www.binance.com/en/support/faq/360030157812); their history is what
    ``GET /sapi/v1/margin/interestRateHistory`` answers
    (https://developers.binance.com/docs/margin_trading/borrow-and-repay/Query-Margin-Interest-Rate-History).
    Staff set the schedule (past hours are kept as charged; the admin and the staff API add entries).
    """

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="interest_rates")
    effective_from = models.DateTimeField(help_text="A clock hour (UTC): minutes and seconds are 0.")
    daily_rate = ratio_field(help_text="Daily borrow rate from that hour on, e.g. 0.0002 = 0.02 % a day.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LookupQuerySet.as_manager()  # its writes retire the cached copies (trading.lookup_cache)

    class Meta:
        ordering = ["asset", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "effective_from"], name="interest_rate_one_per_hour"),
            models.CheckConstraint(condition=Q(daily_rate__gte=0, daily_rate__lt=1), name="interest_rate_sane"),
        ]
        indexes = [models.Index(fields=["asset", "-effective_from"], name="interest_rate_in_force")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.daily_rate} from {self.effective_from:%Y-%m-%d %H}:00"
