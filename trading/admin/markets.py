"""Assets, pairs and their prices."""

from __future__ import annotations

from django.contrib import admin

from trading.models import (
    Asset,
    MarkPrice,
    Pair,
    PriceCandle,
)

from .book import PairBookInline
from .common import ReadOnlyAdmin
from .interest import InterestRateInline
from .tiers import IsolatedMarginTierInline


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "daily_interest_rate", "borrowable", "borrow_limit", "lending_pool_size"]
    # The rate shown is the one in force now; it is set through the schedule (Interest rates), hour by hour.
    list_editable = ["borrowable", "borrow_limit"]
    readonly_fields = ["daily_interest_rate"]
    search_fields = ["code", "name"]
    inlines = [InterestRateInline]


class MarkPriceInline(admin.StackedInline):
    # Read-only: a price set here would skip the risk engine. The Pairs' actions "Set the mark price" and
    # "Shock the price" set it and run a tick at once (risk.admin).
    model = MarkPrice
    can_delete = False
    readonly_fields = ["price", "updated_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Pair)
class PairAdmin(admin.ModelAdmin):
    list_display = [
        "symbol",
        "base",
        "quote",
        "mark_price",
        "tick_size",
        "step_size",
        "min_qty",
        "min_notional",
        "max_leverage",
        "is_active",
        "margin_enabled",
        "isolated_enabled",
    ]
    list_filter = ["is_active", "margin_enabled", "isolated_enabled", "max_leverage"]
    search_fields = ["symbol"]
    list_select_related = ["base", "quote", "mark"]
    inlines = [MarkPriceInline, PairBookInline, IsolatedMarginTierInline]

    @admin.display(description="mark price")
    def mark_price(self, obj):
        return getattr(getattr(obj, "mark", None), "price", None)


@admin.register(MarkPrice)
class MarkPriceAdmin(ReadOnlyAdmin):
    """Read-only: staff set prices with the Pairs' actions, which run the risk engine at once."""

    list_display = ["pair", "price", "updated_at"]
    search_fields = ["pair__symbol"]
    list_select_related = ["pair"]


@admin.register(PriceCandle)
class PriceCandleAdmin(ReadOnlyAdmin):
    list_display = ["pair", "interval", "open_time", "open", "high", "low", "close", "ticks"]
    list_filter = ["interval", "pair"]
    date_hierarchy = "open_time"
    list_select_related = ["pair"]
