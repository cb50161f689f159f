"""Staff oversight of the risk engine: the accounts nearest to liquidation, the engine's records, the price
feeds, and the levers: set a pair's price or shock it by a percentage (the engine runs on it at once), run
a sweep now, freeze an account. The records themselves are read-only: the engine writes them."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from risk import history
from risk.models import (
    AccountRisk,
    EngineLock,
    Liquidation,
    MarginCall,
    MarginSnapshot,
    PriceFeed,
    PriceSourceState,
    SweepBaseline,
)
from risk.selectors import accounts_nearest_liquidation
from risk.services.sweep import SweepResult
from risk.staff import PriceMove, price_set_now, price_shock_now, sweep_now
from trading.admin import PairAdmin, ReadOnlyAdmin, action_form, place_error
from trading.models import Account, Pair
from trading.selectors import platform_settings_get
from trading.services.staff import account_freeze_set

NEAREST_ROWS = 50


def _sweep_summary(sweep: SweepResult) -> str:
    calls, liquidated = sweep.margin_calls, sweep.liquidations
    return (
        f"{sweep.checked} account(s) looked at closely, {len(calls)} margin call(s)"
        f"{' (#' + ', #'.join(map(str, calls)) + ')' if calls else ''}, {len(liquidated)} liquidation(s)"
        f"{' (#' + ', #'.join(map(str, liquidated)) + ')' if liquidated else ''}."
    )


def _move_summary(move: PriceMove) -> str:
    note = " (a tick was running: the exposed accounts were swept directly)" if move.tick_skipped else ""
    return (
        f"{move.mark.pair.symbol} mark price is now {move.mark.price.normalize():f}{note}: {_sweep_summary(move.sweep)}"
    )


# --- prices: set and shock, with the engine run at once ----------------------------------------------


class SetPriceForm(forms.Form):
    price = forms.CharField(max_length=40, help_text="In the quote asset, a multiple of the pair's tick size.")


class ShockForm(forms.Form):
    percent = forms.CharField(max_length=12, help_text="e.g. -15 for a 15 % drop, 7.5 for a rise.")


admin.site.unregister(Pair)


@admin.register(Pair)
class RiskPairAdmin(PairAdmin):
    """The Pairs list with the two price levers; both run a tick on the new price at once, so the margin
    calls and liquidations it causes happen now."""

    actions = ["set_price", "shock_price"]

    @admin.action(description="Set the mark price (runs the risk engine now)…")
    def set_price(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one pair to set its price.", messages.ERROR)
            return None
        pair = queryset.get()
        form = SetPriceForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                move = price_set_now(symbol=pair.symbol, price=form.cleaned_data["price"])
            except ApplicationError as error:
                place_error(form, error)
            else:
                self.message_user(request, _move_summary(move), messages.SUCCESS)
                return None
        mark = getattr(getattr(pair, "mark", None), "price", None)
        return action_form(
            self,
            request,
            queryset,
            form=form,
            title=f"Set the mark price of {pair.symbol}",
            intro=f"Now {mark.normalize():f}. Resting orders match and exposed accounts are swept at once."
            if mark
            else "",
        )

    @admin.action(description="Shock the price by a percentage (runs the risk engine now)…")
    def shock_price(self, request, queryset):
        form = ShockForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = []
            for pair in queryset.order_by("symbol"):
                try:
                    done.append(price_shock_now(symbol=pair.symbol, percent=form.cleaned_data["percent"]))
                except ApplicationError as error:
                    if not done:
                        place_error(form, error)
                        break
                    self.message_user(request, f"{pair.symbol}: {error.message}", messages.ERROR)
            for move in done:
                self.message_user(request, _move_summary(move), messages.SUCCESS)
            if done:
                return None
        symbols = ", ".join(queryset.order_by("symbol").values_list("symbol", flat=True))
        return action_form(
            self,
            request,
            queryset,
            form=form,
            title=f"Shock {symbols}",
            intro="Each selected pair's mark price moves by the percentage; the risk engine runs on it at once.",
        )


# --- accounts nearest to liquidation, and sweeping now -----------------------------------------------


@staff_member_required
def nearest_view(request):
    rows = accounts_nearest_liquidation(profile_id=platform_settings_get().risk_profile_id, limit=NEAREST_ROWS)
    context = {
        **admin.site.each_context(request),
        "title": "Accounts nearest to liquidation",
        "rows": rows,
        "limit": NEAREST_ROWS,
        "opts": AccountRisk._meta,
    }
    return TemplateResponse(request, "admin/risk/nearest.html", context)


@staff_member_required
@require_POST
def sweep_view(request):
    result = sweep_now()
    messages.success(request, f"Sweep done: {_sweep_summary(result)}")
    return redirect("admin:risk_nearest")


@staff_member_required
@require_POST
def freeze_view(request, account_id: int):
    frozen = request.POST.get("frozen") == "1"
    if request.POST.get("confirm") != "1":  # freezing stops a user's trading at once: ask first
        account = Account.objects.select_related("user", "pair").filter(pk=account_id).first()
        if account is None:
            messages.error(request, "Account not found.")
            return redirect("admin:risk_nearest")
        context = {
            **admin.site.each_context(request),
            "title": f"{'Freeze' if frozen else 'Unfreeze'} account #{account.pk}?",
            "account": account,
            "frozen": frozen,
            "opts": AccountRisk._meta,
        }
        return TemplateResponse(request, "admin/risk/freeze_confirm.html", context)
    try:
        account = account_freeze_set(account_id=account_id, frozen=frozen)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Account #{account.pk} {'frozen' if account.is_frozen else 'unfrozen'}.")
    return redirect("admin:risk_nearest")


class ReadOnlyRiskAdmin(ReadOnlyAdmin):
    @admin.display(description="user", ordering="account__user__username")
    def user(self, obj):
        return obj.account.user

    @admin.display(description="account", ordering="account_id")
    def account_link(self, obj):
        url = reverse("admin:trading_account_change", args=[obj.account_id])
        return format_html('<a href="{}">{}</a>', url, obj.account)


@admin.register(AccountRisk)
class AccountRiskAdmin(ReadOnlyRiskAdmin):
    """The engine's last recorded state per account (written when it needed attention). The live list of
    the accounts nearest to liquidation is its own page, linked from here and from the admin's front page."""

    list_display = [
        "account_link",
        "user",
        "status",
        "margin_level",
        "asset_value",
        "debt_value",
        "status_since",
        "margin_call_at",
        "checked_at",
        "watched",
    ]
    list_filter = ["status", "watched", "account__kind"]
    search_fields = ["=account__id", "account__user__username"]
    list_select_related = ["account__user", "account__pair"]
    ordering = ["margin_level"]

    def get_urls(self):
        # Before the model's own URLs, so that "nearest/" is not taken for an object id.
        extra = [
            path("nearest/", self.admin_site.admin_view(nearest_view), name="risk_nearest"),
            path("sweep/", self.admin_site.admin_view(sweep_view), name="risk_sweep"),
            path("freeze/<int:account_id>/", self.admin_site.admin_view(freeze_view), name="risk_freeze"),
        ]
        return extra + super().get_urls()


@admin.register(MarginSnapshot)
class MarginSnapshotAdmin(ReadOnlyRiskAdmin):
    list_display = [
        "id",
        "account_link",
        "user",
        "status",
        "margin_level",
        "asset_value",
        "debt_value",
        "reason",
        "created_at",
    ]
    list_filter = ["status", "reason"]
    search_fields = ["=account__id", "account__user__username"]
    list_select_related = ["account__user", "account__pair"]
    date_hierarchy = "created_at"


@admin.register(MarginCall)
class MarginCallAdmin(ReadOnlyRiskAdmin):
    list_display = [
        "id",
        "account_link",
        "user",
        "margin_level",
        "margin_call_ratio",
        "liquidation_ratio",
        "profile",
        "asset_value",
        "debt_value",
        "created_at",
    ]
    list_filter = ["profile", "account__kind"]
    search_fields = ["=account__id", "account__user__username"]
    list_select_related = ["account__user", "account__pair"]
    date_hierarchy = "created_at"


@admin.register(Liquidation)
class LiquidationAdmin(ReadOnlyRiskAdmin):
    list_display = [
        "id",
        "account_link",
        "user",
        "account_kind",
        "margin_level",
        "liquidation_ratio",
        "value_liquidated",
        "fee",
        "shortfall",
        "created_at",
    ]
    list_filter = ["account_kind", "profile"]
    search_fields = ["=account__id", "account__user__username"]
    list_select_related = ["account__user", "account__pair"]
    date_hierarchy = "created_at"
    readonly_fields = ["explanation"]

    @admin.display(description="explanation")
    def explanation(self, obj):
        return history.liquidation_explanation(obj)

    def has_change_permission(self, request, obj=None):
        # Viewing (with the explanation) is allowed; the fields stay read-only.
        return False


@admin.register(EngineLock)
class EngineLockAdmin(ReadOnlyAdmin):
    """The engine's leases on SQLite: who holds which, until when (an expired one is free). On PostgreSQL
    they are advisory locks, which die with their holder's connection (risk.services.leases)."""

    list_display = ["name", "holder", "expires_at"]


@admin.register(SweepBaseline)
class SweepBaselineAdmin(ReadOnlyAdmin):
    """What each chunk of the last full sweep valued its accounts at; ticks skip the unwatched accounts
    of a chunk while its baseline holds."""

    list_display = ["first_account", "last_account", "swept_at", "profile", "margin_call"]


@admin.register(PriceFeed)
class PriceFeedAdmin(admin.ModelAdmin):
    list_display = ["pair", "volatility", "drift", "enabled"]
    list_editable = ["volatility", "enabled"]
    list_filter = ["enabled"]
    list_select_related = ["pair"]
    search_fields = ["pair__symbol"]


@admin.register(PriceSourceState)
class PriceSourceStateAdmin(ReadOnlyAdmin):
    """Read-only: the counters are claimed with conditional UPDATEs by the price tick, not edited."""

    list_display = ["name", "step", "updated_at"]
