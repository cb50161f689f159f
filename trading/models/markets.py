"""Assets, pairs, their mark prices and candles."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from trading.lookup_cache import LookupQuerySet

from .fields import amount_field, ratio_field


class Market(models.Model):
    """A market of its own beside the main one (a classroom's): its own copies of assets and pairs, with
    their own prices, and the accounts that trade them. NULL where a row points here means the main
    market, so the main market has no row and nothing of it changes."""

    name = models.CharField(max_length=100)
    # The market's own trading rules, where they differ from the platform's (NULL: the platform's): the risk
    # profile (margin-call and liquidation lines of every tier) and the fees (``trading.selectors.market_settings_get``).
    risk_profile = models.ForeignKey(
        "trading.RiskProfile", on_delete=models.PROTECT, null=True, blank=True, related_name="markets"
    )
    maker_fee = ratio_field(null=True, blank=True)
    taker_fee = ratio_field(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(maker_fee__isnull=True) | Q(maker_fee__gte=0, maker_fee__lt=1))
                & (Q(taker_fee__isnull=True) | Q(taker_fee__gte=0, taker_fee__lt=1)),
                name="market_fees_in_range",
            )
        ]

    def __str__(self) -> str:
        return self.name


class MainMarketManager(models.Manager.from_queryset(LookupQuerySet)):  # type: ignore[misc]
    """``objects`` of assets and pairs: the main market's only, so that every listing, price source and
    look-up written before markets existed sees exactly what it saw before. Another market's rows are
    reached through ``in_all_markets`` or the market-aware selectors (``trading.selectors.pair_get``);
    related access (``account.pair``), the admin and forms use ``in_all_markets`` (the default manager)."""

    # Data migrations written before markets existed use ``Pair.objects``: it stays theirs, as it was.
    use_in_migrations = True

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(market__isnull=True)


class AllMarketsManager(models.Manager.from_queryset(LookupQuerySet)):  # type: ignore[misc]
    """``in_all_markets``: every market's rows (the default and base manager). Both managers' querysets are
    ``LookupQuerySet``: their writes retire the cached copies (``trading.lookup_cache``)."""


class Asset(models.Model):
    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=64, blank=True)
    daily_interest_rate = ratio_field(default=Decimal("0.0002"), help_text="Daily borrow rate, e.g. 0.0002 = 0.02 %.")
    borrowable = models.BooleanField(default=True)
    borrow_limit = amount_field(help_text="Most one margin account may owe of this asset (principal).")
    lending_pool_size = amount_field(help_text="Paper lending pool kept for this asset by `bootstrap`.")
    # NULL: the main market. A market's own asset has a code of its own (codes stay unique), because
    # prices and valuations key on the code.
    market = models.ForeignKey(Market, on_delete=models.PROTECT, null=True, blank=True, related_name="assets")

    objects = MainMarketManager()
    in_all_markets = AllMarketsManager()

    class Meta:
        ordering = ["code"]
        base_manager_name = default_manager_name = "in_all_markets"

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
    market = models.ForeignKey(Market, on_delete=models.PROTECT, null=True, blank=True, related_name="pairs")

    objects = MainMarketManager()
    in_all_markets = AllMarketsManager()

    class Meta:
        ordering = ["symbol"]
        base_manager_name = default_manager_name = "in_all_markets"
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

    objects = LookupQuerySet.as_manager()  # its writes retire the cached copies (trading.lookup_cache)

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
