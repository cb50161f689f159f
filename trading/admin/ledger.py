"""The ledger, orders, trades, transfers and loans: read-only."""

from __future__ import annotations

from django.contrib import admin

from trading.models import (
    JournalEntry,
    LedgerLine,
    LoanEvent,
    Order,
    OrderList,
    Trade,
    Transfer,
)

from .common import ReadOnlyAdmin, ReadOnlyInline


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
    search_fields = ["=order__id", "account__user__username"]
    list_select_related = ["account__user", "account__pair", "pair", "fee_asset"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "from_account", "to_account", "asset", "amount", "created_at"]
    list_filter = ["asset", "from_account__kind", "to_account__kind"]
    search_fields = ["user__username"]
    list_select_related = ["user", "from_account__pair", "to_account__pair", "asset"]


@admin.register(LoanEvent)
class LoanEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "account", "asset", "kind", "principal", "interest", "order", "created_at"]
    list_filter = ["kind", "asset"]
    search_fields = ["account__user__username"]
    list_select_related = ["account__user", "account__pair", "asset", "order"]


@admin.register(LedgerLine)
class LedgerLineAdmin(ReadOnlyAdmin):
    list_display = ["id", "entry", "entry_kind", "balance", "asset", "bucket", "amount", "created_at"]
    list_filter = ["bucket", "entry__kind", "balance__asset"]
    search_fields = ["=entry__id", "balance__account__user__username", "entry__memo"]
    list_select_related = ["entry", "balance__account__user", "balance__account__pair", "balance__asset"]

    @admin.display(description="kind", ordering="entry__kind")
    def entry_kind(self, obj):
        return obj.entry.kind

    @admin.display(description="asset", ordering="balance__asset__code")
    def asset(self, obj):
        return obj.balance.asset.code

    @admin.display(description="at", ordering="entry__created_at")
    def created_at(self, obj):
        return obj.entry.created_at


@admin.register(OrderList)
class OrderListAdmin(ReadOnlyAdmin):
    list_display = ["id", "account", "contingency_type", "list_client_order_id", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["list_client_order_id", "account__user__username"]
    list_select_related = ["account__user", "account__pair"]
