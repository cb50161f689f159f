"""The shape of the web forms. The rules are the services': a form only says which fields there are, and
puts what a service refused next to the field the service named."""

from __future__ import annotations

from typing import cast

from django import forms

from accounts.validators import PASSWORD_MAX_LENGTH
from core.forms import ServiceForm
from trading.models import Order, Pair

TICKET_TYPES = [*Order.Type.choices, ("OCO", "OCO (limit + stop-limit)")]


def _amount(**attrs) -> forms.CharField:
    # Amounts stay text here: the services read them as exact Decimals and say what is wrong with them.
    attrs = {"inputmode": "decimal", "autocomplete": "off", **attrs}
    return forms.CharField(required=False, max_length=40, widget=forms.TextInput(attrs=attrs))


class SignUpForm(ServiceForm):
    # Only the shape of the input here: user_signup owns the rules (username, Django's password
    # validators, uniqueness) and reports them per field.
    username = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True})
    )
    # The API's limit too (accounts.validators.PASSWORD_MAX_LENGTH); user_signup's validators say it again.
    password = forms.CharField(
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class IsolatedOpenForm(ServiceForm):
    symbol = forms.ChoiceField(label="Pair")
    leverage = forms.TypedChoiceField(choices=Pair.Leverage.choices, coerce=int, initial=Pair.Leverage.X5)

    def __init__(self, *args, symbols: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["symbol"]).choices = [(s, s) for s in symbols]


class OrderTicketForm(ServiceForm):
    """Binance's order panel: the Cross/Isolated switch picks the account the order goes to."""

    mode = forms.ChoiceField(
        choices=[("cross", "Cross"), ("isolated", "Isolated")], required=False, widget=forms.RadioSelect
    )
    symbol = forms.ChoiceField(label="Pair")
    side = forms.ChoiceField(choices=Order.Side.choices, initial=Order.Side.BUY, widget=forms.RadioSelect)
    type = forms.ChoiceField(choices=TICKET_TYPES, initial=Order.Type.MARKET)
    side_effect = forms.ChoiceField(
        choices=Order.SideEffect.choices, initial=Order.SideEffect.NO_SIDE_EFFECT, required=False
    )
    quantity = _amount(placeholder="base amount")
    quote_quantity = _amount(placeholder="USDT (market)")
    price = _amount(placeholder="limit price")
    stop_price = _amount(placeholder="stop price")
    stop_limit_price = _amount(placeholder="stop-limit price (OCO)")
    time_in_force = forms.ChoiceField(
        choices=[("", "GTC (default)"), *Order.TimeInForce.choices], required=False, label="Time in force"
    )

    def __init__(self, *args, symbols: list[str], margin: bool, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["symbol"]).choices = [(s, s) for s in symbols]
        if not margin:  # a spot wallet: no switch and no borrowing
            del self.fields["mode"]
            del self.fields["side_effect"]

    def clean(self):
        data = super().clean()
        if "mode" in self.fields and not data.get("mode"):
            self.add_error("mode", "Choose Cross or Isolated.")
        return data

    @property
    def chart_symbol(self) -> str:
        """The pair the page's chart shows: the one chosen when it is one of the ticket's pairs, else the
        initial one. Never the raw input: "BTC-USDT" or "" cannot be put in the chart's URL."""
        chosen = self["symbol"].value()
        # Django keeps the choices set in __init__ as that list of pairs; the stubs type what may be given.
        symbols = [value for value, _ in cast(forms.ChoiceField, self.fields["symbol"]).choices]  # type: ignore[misc,union-attr]
        return chosen if chosen in symbols else self["symbol"].initial


class TransferForm(ServiceForm):
    from_account = forms.TypedChoiceField(coerce=int, label="From")
    to_account = forms.TypedChoiceField(coerce=int, label="To")
    asset = forms.ChoiceField()
    amount = _amount(placeholder="amount")

    def __init__(self, *args, accounts: list[tuple[int, str]], assets: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["from_account"]).choices = accounts
        cast(forms.ChoiceField, self.fields["to_account"]).choices = accounts
        cast(forms.ChoiceField, self.fields["asset"]).choices = [(a, a) for a in assets]


class LoanForm(ServiceForm):
    """Borrow or repay."""

    asset = forms.ChoiceField()
    amount = _amount(placeholder="amount")

    def __init__(self, *args, assets: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["asset"]).choices = [(a, a) for a in assets]


class LeverageForm(ServiceForm):
    leverage = forms.TypedChoiceField(coerce=int, choices=[])

    def __init__(self, *args, leverages: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["leverage"]).choices = [(lev, f"{lev}x") for lev in leverages]
