"""Assets, pairs, their mark prices and candles."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from trading.lookup_cache import LookupQuerySet

from .fields import amount_field, ratio_field


class Asset(models.Model):
    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=64, blank=True)
    daily_interest_rate = ratio_field(default=Decimal("0.0002"), help_text="Daily borrow rate, e.g. 0.0002 = 0.02 %.")
    borrowable = models.BooleanField(default=True)
    borrow_limit = amount_field(help_text="Most one margin account may owe of this asset (principal).")
    lending_pool_size = amount_field(help_text="Paper lending pool kept for this asset by `bootstrap`.")

    objects = LookupQuerySet.as_manager()  # its writes retire the cached copies (trading.lookup_cache)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Pair(models.Model):
    class Leverage(models.IntegerChoices):
        X3 = 3, "3x"
        X5 = 5, "5x"
        X10 = 10, "10x"

    symbol = models.CharField(max_length=32, unique=True)
    base = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="base_pairs")
    quote = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="quote_pairs")
    tick_size = amount_field()
    step_size = amount_field()
    min_qty = amount_field()
    min_notional = amount_field()
    max_leverage = models.PositiveSmallIntegerField(choices=Leverage.choices, default=Leverage.X5)
    is_active = models.BooleanField(default=True)
    margin_enabled = models.BooleanField(default=True)
    isolated_enabled = models.BooleanField(default=True)

    objects = LookupQuerySet.as_manager()  # its writes retire the cached copies (trading.lookup_cache)

    class Meta:
        ordering = ["symbol"]
        constraints = [
            models.UniqueConstraint(fields=["base", "quote"], name="pair_unique_base_quote"),
            models.CheckConstraint(
                condition=Q(tick_size__gt=0, step_size__gt=0, min_qty__gte=0, min_notional__gte=0),
                name="pair_filters_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.symbol


class MarkPrice(models.Model):
    pair = models.OneToOneField(Pair, on_delete=models.CASCADE, primary_key=True, related_name="mark")
    price = amount_field()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(price__gt=0), name="mark_price_positive")]

    def __str__(self) -> str:
        return f"{self.pair_id}: {self.price}"


class PriceCandle(models.Model):
    """Price history as OHLC candles of mark prices: 1-minute ones kept for days, 1-hour ones for a year."""

    class Interval(models.TextChoices):
        MINUTE = "1m"
        HOUR = "1h"

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="candles")
    interval = models.CharField(max_length=3, choices=Interval.choices)
    open_time = models.DateTimeField()
    open = amount_field()
    high = amount_field()
    low = amount_field()
    close = amount_field()
    ticks = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pair", "interval", "open_time"]
        constraints = [
            models.UniqueConstraint(fields=["pair", "interval", "open_time"], name="candle_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pair_id} {self.interval} {self.open_time:%Y-%m-%d %H:%M} {self.close}"
