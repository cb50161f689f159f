"""Staff oversight of futures: perpetuals with their brackets (editable: Binance changes its tables), funding
history, and positions (read-only: money moves only through the services) with the ones nearest to
liquidation on a page of their own."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path

from futures import selectors
from futures.models import (
    FundingRate,
    FuturesLiquidation,
    FuturesOrder,
    FuturesPosition,
    FuturesSymbol,
    FuturesTrade,
    Income,
    LeverageBracket,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BracketInline(admin.TabularInline):
    model = LeverageBracket
    extra = 0
    fields = ["bracket", "notional_floor", "notional_cap", "max_leverage", "maint_margin_ratio", "cum"]


@admin.register(FuturesSymbol)
class FuturesSymbolAdmin(admin.ModelAdmin):
    list_display = [
        "symbol",
        "pair",
        "tick_size",
        "step_size",
        "min_notional",
        "basis_rate",
        "liquidation_fee_rate",
        "is_active",
    ]
    list_editable = ["basis_rate", "is_active"]
    inlines = [BracketInline]


@admin.register(LeverageBracket)
class LeverageBracketAdmin(admin.ModelAdmin):
    list_display = ["symbol", "bracket", "notional_floor", "notional_cap", "max_leverage", "maint_margin_ratio", "cum"]
    list_filter = ["symbol"]


@admin.register(FundingRate)
class FundingRateAdmin(ReadOnly):
    list_display = ["symbol", "funding_time", "funding_rate", "mark_price"]
    list_filter = ["symbol"]
    date_hierarchy = "funding_time"


@admin.register(FuturesPosition)
class FuturesPositionAdmin(ReadOnly):
    list_display = [
        "account",
        "symbol",
        "position_amt",
        "entry_price",
        "margin_type",
        "leverage",
        "isolated_margin",
        "updated_at",
    ]
    list_filter = ["symbol", "margin_type"]
    search_fields = ["account__user__username"]
    change_list_template = "admin/futures/position_changelist.html"

    def get_urls(self):
        nearest = self.admin_site.admin_view(self.nearest_view)
        return [path("nearest/", nearest, name="futures_position_nearest"), *super().get_urls()]

    def nearest_view(self, request):
        context = {
            **self.admin_site.each_context(request),
            "title": "Futures positions nearest to liquidation",
            "rows": selectors.positions_nearest_liquidation(limit=50),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/futures/nearest.html", context)


@admin.register(FuturesOrder)
class FuturesOrderAdmin(ReadOnly):
    list_display = ["id", "account", "symbol", "type", "side", "orig_qty", "price", "status", "created_at"]
    list_filter = ["status", "type", "symbol"]


@admin.register(FuturesTrade)
class FuturesTradeAdmin(ReadOnly):
    list_display = ["id", "account", "symbol", "side", "qty", "price", "commission", "realized_pnl", "created_at"]
    list_filter = ["symbol"]


@admin.register(Income)
class IncomeAdmin(ReadOnly):
    list_display = ["id", "account", "symbol", "income_type", "income", "info", "time"]
    list_filter = ["income_type"]


@admin.register(FuturesLiquidation)
class FuturesLiquidationAdmin(ReadOnly):
    list_display = [
        "id",
        "account",
        "margin_type",
        "symbol",
        "realized_pnl",
        "to_insurance",
        "shortfall",
        "uncovered",
        "created_at",
    ]
    list_filter = ["margin_type"]
