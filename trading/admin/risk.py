"""Risk profiles, their tiers and the platform settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models

from trading.models import (
    PlatformSettings,
    RiskProfile,
    RiskTier,
)

from .common import PlainDecimalsForm

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
        "fill_model",
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
