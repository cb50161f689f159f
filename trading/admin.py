"""Staff oversight of the trading app.

Markets, risk profiles and platform settings are editable; balances, the ledger, orders and trades are
read-only here, because every change of money must go through the ledger services.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.template.response import TemplateResponse

from core.errors import ApplicationError
from trading.models import (
    Account,
    AccountKind,
    Asset,
    Balance,
    JournalEntry,
    LedgerLine,
    LoanEvent,
    MarkPrice,
    Order,
    OrderList,
    Pair,
    PlatformSettings,
    PriceCandle,
    RiskProfile,
    RiskTier,
    Trade,
    Transfer,
)
from trading.services.accounts import paper_funds_credit
from trading.services.staff import account_freeze_set


def action_form(modeladmin, request, queryset, *, form: forms.Form, title: str, intro: str = "") -> TemplateResponse:
    """The page between choosing an action and applying it: a form, with the chosen rows carried along."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "form": form,
        "queryset": queryset,
        "action": request.POST.get("action"),
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/marginlab/action_form.html", context)


def place_error(form: forms.Form, error: ApplicationError) -> None:
    """A service's refusal, next to the field it names (or above the form)."""
    placed = [f for f in error.fields if f in form.fields]
    for field in placed:
        for message in error.fields[field]:
            form.add_error(field, str(message))
    if not placed:
        form.add_error(None, error.message)


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
    inlines = [MarkPriceInline]

    @admin.display(description="mark price")
    def mark_price(self, obj):
        return getattr(getattr(obj, "mark", None), "price", None)


class PlainDecimalsForm(forms.ModelForm):
    """Decimals as people type them: 0E-8 shows as 0, 0.00100000 as 0.001."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, value in list(self.initial.items()):
            if isinstance(value, Decimal):
                self.initial[name] = "0" if value == 0 else f"{value.normalize():f}"


# Narrow number boxes: the tier table has eight of them per row and must fit a 1,366 px screen.
NARROW_DECIMALS: dict[type[models.Field], dict[str, Any]] = {
    models.DecimalField: {"widget": forms.TextInput(attrs={"size": 10, "inputmode": "decimal"})}
}


class RiskTierInline(admin.TabularInline):
    model = RiskTier
    form = PlainDecimalsForm
    formfield_overrides = NARROW_DECIMALS
    extra = 0


@admin.register(RiskProfile)
class RiskProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    inlines = [RiskTierInline]
    form = PlainDecimalsForm
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})}}


# The database's platform_settings_sane constraint, said per field (its own message names only the constraint).
SETTINGS_RANGES = {
    "maker_fee": (Decimal(0), Decimal(1), "a fraction from 0 up to (not including) 1, e.g. 0.001 = 0.1 %"),
    "taker_fee": (Decimal(0), Decimal(1), "a fraction from 0 up to (not including) 1, e.g. 0.001 = 0.1 %"),
    "liquidation_fee": (Decimal(0), Decimal(1), "a fraction from 0 up to (not including) 1, e.g. 0.02 = 2 %"),
    "slippage_bps": (Decimal(0), Decimal(10000), "basis points from 0 up to (not including) 10000"),
}


class PlatformSettingsForm(PlainDecimalsForm):
    def clean(self):
        # A field with an error here is left out of the model's constraint check (Django excludes fields that
        # failed), so the admin shows this message beside the field instead of the constraint's name.
        data = super().clean()
        for name, (low, high, words) in SETTINGS_RANGES.items():
            value = data.get(name)
            if value is not None and not (low <= value < high):
                self.add_error(name, f"Must be {words}.")
        return data


@admin.register(PlatformSettings)
class PlatformSettingsAdmin(admin.ModelAdmin):
    form = PlatformSettingsForm
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


class CreditFundsForm(forms.Form):
    asset = forms.ModelChoiceField(queryset=Asset.objects.order_by("code"), to_field_name="code", initial="USDT")
    amount = forms.CharField(max_length=40, help_text="Paper money, booked against the paper-funding account.")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "pair", "leverage", "system_code", "is_frozen", "created_at"]
    list_filter = ["kind", "is_frozen", "leverage", "pair"]
    search_fields = ["=id", "user__username", "pair__symbol", "system_code"]
    list_select_related = ["user", "pair"]
    readonly_fields = ["user", "kind", "pair", "leverage", "system_code", "is_frozen", "created_at"]
    inlines = [BalanceInline]
    actions = ["freeze", "unfreeze", "credit_paper_funds"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _freeze(self, request, queryset, frozen: bool) -> None:
        changed = 0
        for account in queryset.exclude(kind=AccountKind.SYSTEM).exclude(is_frozen=frozen):
            account_freeze_set(account_id=account.pk, frozen=frozen)
            changed += 1
        verb = "frozen" if frozen else "unfrozen"
        self.message_user(request, f"{changed} account(s) {verb}.", messages.SUCCESS)

    def _confirmed(self, request, queryset, frozen: bool):
        """Freezing stops a user's trading at once: the action asks first, on the page between."""
        if "apply" in request.POST:
            self._freeze(request, queryset, frozen)
            return None
        verb = "Freeze" if frozen else "Unfreeze"
        intro = (
            "Their owners cannot place orders, transfer or borrow until unfrozen; open orders stay and can be cancelled."
            if frozen
            else "Their owners can trade, transfer and borrow again."
        )
        return action_form(self, request, queryset, form=forms.Form(), title=f"{verb} these accounts?", intro=intro)

    @admin.action(description="Freeze the selected accounts (no orders, transfers or loans)…")
    def freeze(self, request, queryset):
        return self._confirmed(request, queryset, True)

    @admin.action(description="Unfreeze the selected accounts…")
    def unfreeze(self, request, queryset):
        return self._confirmed(request, queryset, False)

    @admin.action(description="Credit paper funds (through the ledger)…")
    def credit_paper_funds(self, request, queryset):
        form = CreditFundsForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            asset, amount = form.cleaned_data["asset"].code, form.cleaned_data["amount"]
            done = []
            for account in queryset.order_by("id"):
                try:
                    paper_funds_credit(account_id=account.pk, asset=asset, amount=amount)
                except ApplicationError as error:
                    if not done:  # nothing credited yet: show the form again with the reason
                        place_error(form, error)
                        break
                    self.message_user(request, f"Account #{account.pk}: {error.message}", messages.ERROR)
                else:
                    done.append(account.pk)
            if done:
                ids = ", ".join(f"#{pk}" for pk in done)
                self.message_user(request, f"Credited {amount} {asset} to {ids}.", messages.SUCCESS)
                return None
        return action_form(
            self,
            request,
            queryset,
            form=form,
            title="Credit paper funds",
            intro="Each selected account receives the amount, booked as a funding entry in the ledger.",
        )


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


@admin.register(OrderList)
class OrderListAdmin(ReadOnlyAdmin):
    list_display = ["id", "account", "contingency_type", "list_client_order_id", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["list_client_order_id", "account__user__username"]
    list_select_related = ["account__user", "account__pair"]
