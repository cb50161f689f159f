"""Risk profiles, their tiers and the platform settings."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from trading.lookup_cache import LookupQuerySet

from .accounts import AccountKind
from .fields import amount_field, ratio_field
from .markets import Pair


class RiskProfile(models.Model):
    """A set of margin rules, one tier per (account kind, leverage class); Platform settings pick the one in
    force, and every page that shows a margin level names it."""

    name = models.SlugField(max_length=32, unique=True)
    description = models.TextField(
        blank=True,
        help_text="What sets this profile apart, for staff choosing one and learners reading its name: "
        "`classic` is the spec's profile that reproduces the seed example (margin call 1.1, liquidation 1.05 "
        "for every class); `binance-2025` has Binance's published current lines (e.g. cross 3x: call 1.3, "
        "liquidation 1.1). Both have the cross 10x tier, Cross Margin Pro.",
    )

    objects = LookupQuerySet.as_manager()  # its writes retire the cached copies (trading.lookup_cache)

    def __str__(self) -> str:
        return self.name


class RiskTier(models.Model):
    profile = models.ForeignKey(RiskProfile, on_delete=models.CASCADE, related_name="tiers")
    kind = models.CharField(max_length=8, choices=[(AccountKind.CROSS, "Cross"), (AccountKind.ISOLATED, "Isolated")])
    leverage = models.PositiveSmallIntegerField(choices=Pair.Leverage.choices)
    initial = ratio_field()
    margin_call = ratio_field()
    liquidation = ratio_field()
    transfer_out = ratio_field(default=Decimal(2))
    maintenance_rate = ratio_field(
        null=True,
        blank=True,
        help_text="Cross Margin Pro only (cross 10x): the maintenance margin rate of the liability. Set, the "
        "margin call and liquidation lines are Pro margin levels (net equity / maintenance margin; Binance "
        "liquidates at 1.0) and initial is 1 + the initial margin rate (10x: 1.1112). Empty: Classic, every "
        "line a margin level = total assets / (borrowed + interest).",
    )

    objects = LookupQuerySet.as_manager()  # its writes retire the cached copies (trading.lookup_cache)

    class Meta:
        ordering = ["profile", "kind", "leverage"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "kind", "leverage"], name="risk_tier_unique"),
            models.CheckConstraint(
                condition=Q(
                    maintenance_rate__isnull=True,
                    liquidation__gt=1,
                    margin_call__gte=models.F("liquidation"),
                    initial__gt=models.F("margin_call"),
                )
                | Q(
                    maintenance_rate__gt=0,
                    maintenance_rate__lt=1,
                    liquidation__gt=0,
                    margin_call__gte=models.F("liquidation"),
                    initial__gt=1,
                ),
                name="risk_tier_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} {self.kind} {self.leverage}x"


class FillModel(models.TextChoices):
    BOOK = "BOOK", "Order book: walk each pair's simulated book"
    FIXED = "FIXED", "Fixed slippage: the whole order at mark +/- slippage_bps"


class PlatformSettings(models.Model):
    """The platform's one row of staff-editable trading settings."""

    maker_fee = ratio_field(default=Decimal("0.001"))
    taker_fee = ratio_field(default=Decimal("0.001"))
    slippage_bps = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("5"))
    liquidation_fee = ratio_field(default=Decimal("0.02"))
    risk_profile = models.ForeignKey(RiskProfile, on_delete=models.PROTECT)
    starting_balance = amount_field(default=Decimal("10000"))
    isolated_account_limit = models.PositiveSmallIntegerField(default=10)
    fill_model = models.CharField(
        max_length=8,
        choices=FillModel.choices,
        default=FillModel.BOOK,
        help_text="What orders fill against: each pair's order book (its spread and depth), or the whole "
        "order at the mark price moved by slippage_bps.",
    )
    max_fill_notional = amount_field(
        help_text="Fixed fill model only (the book has its own depth): the most one order fills per price "
        "tick, in USDT (0 = unlimited). Orders larger than this fill partly; IOC expires the rest, FOK "
        "expires whole."
    )

    objects = LookupQuerySet.as_manager()  # its writes retire the cached copies (trading.lookup_cache)

    class Meta:
        verbose_name_plural = "platform settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="platform_settings_singleton"),
            models.CheckConstraint(
                condition=Q(
                    maker_fee__gte=0,
                    maker_fee__lt=1,
                    taker_fee__gte=0,
                    taker_fee__lt=1,
                    slippage_bps__gte=0,
                    slippage_bps__lt=10000,
                    liquidation_fee__gte=0,
                    liquidation_fee__lt=1,
                ),
                name="platform_settings_sane",
            ),
        ]

    def __str__(self) -> str:
        return "Platform settings"
