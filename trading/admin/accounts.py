"""Accounts and balances."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from core.errors import ApplicationError
from trading.models import (
    Account,
    AccountKind,
    Asset,
    Balance,
)
from trading.services.accounts import paper_funds_credit
from trading.services.staff import account_freeze_set
from trading.templatetags.marginlab import qty

from .common import ReadOnlyAdmin, ReadOnlyInline, action_form, place_error

BUCKETS = ["free", "locked", "borrowed", "interest"]


def _at_precision(bucket: str):
    """A bucket shown at its asset's precision (rounded down, the exact figure on hover), as the web shows
    amounts: "1.25" for 1.25000000 ETH, not the column's eight places (issue 19)."""

    def shown(self, balance: Balance) -> str:
        return qty(getattr(balance, bucket), balance.asset.code)

    shown.short_description = bucket  # type: ignore[attr-defined]
    shown.admin_order_field = bucket  # type: ignore[attr-defined]
    return shown


class AtPrecision:
    free_shown = _at_precision("free")
    locked_shown = _at_precision("locked")
    borrowed_shown = _at_precision("borrowed")
    interest_shown = _at_precision("interest")


SHOWN = [f"{bucket}_shown" for bucket in BUCKETS]


class BalanceInline(AtPrecision, ReadOnlyInline):
    model = Balance
    fields = ["asset", *SHOWN, "entry_price"]
    readonly_fields = ["asset", *SHOWN, "entry_price"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("asset")


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
class BalanceAdmin(AtPrecision, ReadOnlyAdmin):
    list_display = ["account", "asset", *SHOWN, "entry_price", "is_system"]
    list_filter = ["is_system", "asset"]
    search_fields = ["account__user__username", "account__system_code"]
    list_select_related = ["account__user", "account__pair", "asset"]
