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
    name = models.SlugField(max_length=32, unique=True)
    description = models.TextField(blank=True)

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

    objects = LookupQuerySet.as_manager()  # its writes retire the cached copies (trading.lookup_cache)

    class Meta:
        ordering = ["profile", "kind", "leverage"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "kind", "leverage"], name="risk_tier_unique"),
            models.CheckConstraint(
                condition=Q(
                    liquidation__gt=1, margin_call__gte=models.F("liquidation"), initial__gt=models.F("margin_call")
                ),
                name="risk_tier_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} {self.kind} {self.leverage}x"


class PlatformSettings(models.Model):
    """The platform's one row of staff-editable trading settings."""

    maker_fee = ratio_field(default=Decimal("0.001"))
    taker_fee = ratio_field(default=Decimal("0.001"))
    slippage_bps = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("5"))
    liquidation_fee = ratio_field(default=Decimal("0.02"))
    risk_profile = models.ForeignKey(RiskProfile, on_delete=models.PROTECT)
    starting_balance = amount_field(default=Decimal("10000"))
    isolated_account_limit = models.PositiveSmallIntegerField(default=10)
    max_fill_notional = amount_field(
        help_text="Market depth: the most one order fills per price tick, in USDT (0 = unlimited). "
        "Orders larger than this fill partly; IOC expires the rest, FOK expires whole."
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
