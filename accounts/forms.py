"""The shape of the credential forms (API tokens, Binance-style key pairs)."""

from __future__ import annotations

from django import forms

from core.forms import ServiceForm


class TokenForm(ServiceForm):
    name = forms.CharField(max_length=64, required=False, widget=forms.TextInput(attrs={"placeholder": "e.g. my bot"}))


class ApiKeyForm(ServiceForm):
    label = forms.CharField(
        max_length=64, required=False, widget=forms.TextInput(attrs={"placeholder": "e.g. ccxt bot"})
    )
    can_trade = forms.BooleanField(required=False, label="Enable trading (orders, loans, transfers)")
