"""Isolated margin's tiered leverage: each pair's tiers by amount borrowed, on the pair's page and listed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from trading.models import IsolatedMarginTier

from .common import NARROW_DECIMALS, PlainDecimalsForm

TIER_FIELDS: list[Any] = [
    "leverage",
    "tier",
    "effective_multiple",
    "initial",
    "margin_call",
    "liquidation",
    "base_max_borrowable",
    "quote_max_borrowable",
]


class IsolatedMarginTierInline(admin.TabularInline):
    """On the pair's page. A tier holds borrowed amounts up to its maxima (base and quote apart; the higher
    tier of the two applies); an empty ratio is the risk profile's line for the leverage class, so tier 1
    with every ratio empty is the profile itself. Binance's rules: trading.margin.tiers."""

    model = IsolatedMarginTier
    form = PlainDecimalsForm
    formfield_overrides = NARROW_DECIMALS
    fields = TIER_FIELDS
    extra = 0
    verbose_name = "isolated tier (by amount borrowed)"
    verbose_name_plural = "isolated tiered leverage (by amount borrowed; empty ratio = the risk profile's)"


@admin.register(IsolatedMarginTier)
class IsolatedMarginTierAdmin(admin.ModelAdmin):
    form = PlainDecimalsForm
    list_display = ["pair", *TIER_FIELDS]
    list_filter = ["leverage", "tier"]
    search_fields = ["pair__symbol"]
    list_select_related = ["pair"]
