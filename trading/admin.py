"""Staff oversight of the trading app.

Markets, risk profiles and platform settings are editable; balances, the ledger, orders and trades are
read-only here, because every change of money must go through the ledger services.
"""

from django.contrib import admin

from trading.models import (
    Account,
    Asset,
    Balance,
    JournalEntry,
    LedgerLine,
    LoanEvent,
    MarkPrice,
    Order,
    Pair,
    PlatformSettings,
    RiskProfile,
    RiskTier,
    Trade,
    Transfer,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "daily_interest_rate", "borrowable", "borrow_limit", "lending_pool_size"]
    list_editable = ["daily_interest_rate", "borrowable", "borrow_limit"]
    search_fields = ["code", "name"]


class MarkPriceInline(admin.StackedInline):
    model = MarkPrice
    can_delete = False


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
    inlines = [MarkPriceInline]

    @admin.display(description="mark price")
    def mark_price(self, obj):
        return getattr(getattr(obj, "mark", None), "price", None)


class RiskTierInline(admin.TabularInline):
    model = RiskTier
    extra = 0


@admin.register(RiskProfile)
class RiskProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    inlines = [RiskTierInline]


@admin.register(PlatformSettings)
class PlatformSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "maker_fee",
        "taker_fee",
        "slippage_bps",
        "liquidation_fee",
        "risk_profile",
        "starting_balance",
        "isolated_account_limit",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BalanceInline(ReadOnlyInline):
    model = Balance
    fields = ["asset", "free", "locked", "borrowed", "interest", "entry_price"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "pair", "leverage", "system_code", "is_frozen", "created_at"]
    list_filter = ["kind", "is_frozen", "leverage"]
    search_fields = ["user__username", "pair__symbol", "system_code"]
    list_select_related = ["user", "pair"]
    readonly_fields = ["user", "kind", "pair", "leverage", "system_code", "created_at"]
    inlines = [BalanceInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ["account", "asset", "free", "locked", "borrowed", "interest", "entry_price", "is_system"]
    list_filter = ["is_system", "asset"]
    search_fields = ["account__user__username", "account__system_code"]
    list_select_related = ["account__user", "account__pair", "asset"]


class LedgerLineInline(ReadOnlyInline):
    model = LedgerLine
    fields = ["balance", "bucket", "amount"]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "account", "memo", "created_at"]
    list_filter = ["kind"]
    search_fields = ["memo", "account__user__username"]
    list_select_related = ["account__user", "account__pair"]
    inlines = [LedgerLineInline]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "account",
        "pair",
        "side",
        "type",
        "side_effect",
        "status",
        "quantity",
        "executed_qty",
        "cummulative_quote_qty",
        "created_at",
    ]
    list_filter = ["status", "type", "side", "side_effect", "pair"]
    search_fields = ["client_order_id", "account__user__username"]
    list_select_related = ["account__user", "account__pair", "pair"]


@admin.register(Trade)
class TradeAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "account",
        "pair",
        "side",
        "price",
        "quantity",
        "quote_quantity",
        "fee",
        "fee_asset",
        "is_maker",
        "created_at",
    ]
    list_filter = ["side", "is_maker", "pair"]
    list_select_related = ["account__user", "account__pair", "pair", "fee_asset"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "from_account", "to_account", "asset", "amount", "created_at"]
    search_fields = ["user__username"]
    list_select_related = ["user", "from_account__pair", "to_account__pair", "asset"]


@admin.register(LoanEvent)
class LoanEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "account", "asset", "kind", "principal", "interest", "order", "created_at"]
    list_filter = ["kind", "asset"]
    list_select_related = ["account__user", "account__pair", "asset", "order"]
