"""Isolated margin's tiered leverage: per isolated pair and leverage class, tiers by the amount borrowed.

Binance: "Using Tiered Leverage, the system automatically adjusts the maximum leverage based on the user's
borrowed fund amount", 10 tiers for 10x pairs and 5 for 5x and 3x, each with its own initial risk ratio
(https://www.binance.com/en/support/faq/7fbadf3c75914efc90e8b831709b644f, "Tiered Leverage Function on
Isolated Margin"). The pick of a tier and what it changes are pure functions (``trading.margin.tiers``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from trading.lookup_cache import LookupQuerySet

from .fields import amount_field, ratio_field
from .markets import Pair


class IsolatedMarginTier(models.Model):
    """One tier of a pair's table for one leverage class: up to which borrowed amounts it holds and the
    ratios it sets. An empty ratio is the risk profile's own line for that class (tier 1's, by default all
    three: so tier 1 is exactly the profile, and the seed example comes out as before)."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="isolated_tiers")
    leverage = models.PositiveSmallIntegerField(choices=Pair.Leverage.choices)
    tier = models.PositiveSmallIntegerField()
    effective_multiple = ratio_field(help_text="Binance's effectiveMultiple: the tier's maximum leverage.")
    initial = ratio_field(
        null=True, blank=True, help_text="The tier's initial risk ratio. Empty: the risk profile's for this class."
    )
    margin_call = ratio_field(
        null=True,
        blank=True,
        help_text="Empty: the risk profile's line. Binance today keeps one margin-call and liquidation line for "
        "every tier of a leverage class; set to give this tier its own.",
    )
    liquidation = ratio_field(null=True, blank=True, help_text="Empty: the risk profile's line.")
    base_max_borrowable = amount_field(
        help_text="Most base asset borrowed (principal) that this tier holds; more is the next tier."
    )
    quote_max_borrowable = amount_field(
        help_text="Most quote asset borrowed (principal) that this tier holds; more is the next tier."
    )

    objects = LookupQuerySet.as_manager()  # its writes retire the cached copies (trading.lookup_cache)

    class Meta:
        ordering = ["pair", "leverage", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["pair", "leverage", "tier"], name="isolated_tier_unique"),
            models.CheckConstraint(
                condition=Q(
                    tier__gte=1,
                    effective_multiple__gt=1,
                    base_max_borrowable__gt=0,
                    quote_max_borrowable__gt=0,
                )
                & (Q(initial__isnull=True) | Q(initial__gt=1))
                & (Q(margin_call__isnull=True) | Q(margin_call__gt=1))
                & (Q(liquidation__isnull=True) | Q(liquidation__gt=1)),
                name="isolated_tier_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pair} {self.leverage}x tier {self.tier}"
