"""Reads for the API's lists: market data, and each user's histories with their filters.

Every history is scoped to one user first; its filters are a django-filter FilterSet; the related rows
an entry shows are fetched in the same query (``select_related``), so a page costs the same number of
queries however many rows it holds. A filter on an account that is not the user's is 'not found' (404),
like the account itself.
"""

from __future__ import annotations

from collections.abc import Mapping

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.datastructures import MultiValueDict

from accounts.models import User
from core.errors import ApplicationError, NotFound
from core.fields import MAX_ID
from trading.models import (
    Asset,
    JournalEntry,
    LedgerLine,
    LoanEvent,
    MarkPrice,
    Order,
    Pair,
    PriceCandle,
    Trade,
    Transfer,
)
from trading.selectors import account_get_for_user

# --- filters ------------------------------------------------------------------------------------------


class IdFilter(django_filters.Filter):
    field_class = forms.IntegerField

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class UpperCharFilter(django_filters.CharFilter):
    """Codes and symbols are stored upper-case: `btcusdt` finds BTCUSDT (and the index still serves)."""

    def filter(self, qs, value):
        return super().filter(qs, value.upper() if isinstance(value, str) else value)


class ScopedFilterSet(django_filters.FilterSet):
    """Filters over rows the caller already scoped to one user (or to public data)."""

    def __init__(self, data=None, queryset=None, *, user: User | None):
        super().__init__(data, queryset)
        self.user = user


class UserFilterSet(ScopedFilterSet):
    """Filters over one user's rows; ``account`` must be one of the user's own accounts."""

    account = IdFilter(method="filter_account", help_text="Only this account (one of yours).")
    account_lookup = "account"
    user: User  # a user's own rows: there is always one

    def filter_account(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        account = account_get_for_user(user=self.user, account_id=value)
        return queryset.filter(**{self.account_lookup: account.pk})


class OrderFilter(UserFilterSet):
    symbol = UpperCharFilter(field_name="pair__symbol")
    status = django_filters.ChoiceFilter(choices=Order.Status.choices)
    side = django_filters.ChoiceFilter(choices=Order.Side.choices)


class TradeFilter(UserFilterSet):
    symbol = UpperCharFilter(field_name="pair__symbol")
    order = IdFilter(field_name="order_id")


class TransferFilter(UserFilterSet):
    asset = UpperCharFilter(field_name="asset__code")

    def filter_account(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        account = account_get_for_user(user=self.user, account_id=value)
        return queryset.filter(Q(from_account=account) | Q(to_account=account))


class LoanEventFilter(UserFilterSet):
    asset = UpperCharFilter(field_name="asset__code")
    kind = django_filters.ChoiceFilter(choices=LoanEvent.Kind.choices)


class LedgerFilter(UserFilterSet):
    account_lookup = "balance__account"
    asset = UpperCharFilter(field_name="balance__asset__code")
    kind = django_filters.ChoiceFilter(field_name="entry__kind", choices=JournalEntry.Kind.choices)


def filtered(
    filterset_class: type[ScopedFilterSet], *, user: User | None, filters: Mapping | None, queryset: QuerySet
) -> QuerySet:
    """The queryset narrowed by ``filters`` (query parameters); bad filter values are a 400.

    django-filter would take ``?kind=`` as no filter and ``?account=1&account=2`` as the last one: a
    filter sent empty or twice is refused, so that a caller's mistake never widens or changes its list.
    """
    for name in filterset_class.base_filters:
        values = (
            filters.getlist(name)
            if isinstance(filters, MultiValueDict)
            else [filters[name]]
            if filters and name in filters
            else []
        )
        problem = "Give it once." if len(values) > 1 else "May not be blank." if values == [""] else None
        if problem:
            raise ApplicationError(f"{name}: {problem}", fields={name: [problem]})
    filterset = filterset_class(filters or {}, queryset, user=user)
    if not filterset.is_valid():
        fields = {name: list(problems) for name, problems in filterset.errors.items()}
        name, problems = next(iter(fields.items()))
        raise ApplicationError(f"{name}: {problems[0]}", fields=fields)
    return filterset.qs


# --- market data --------------------------------------------------------------------------------------


def market_list() -> QuerySet[Pair]:
    return Pair.objects.select_related("base", "quote", "mark").order_by("symbol")


def asset_list() -> QuerySet[Asset]:
    return Asset.objects.order_by("code")


def price_list() -> QuerySet[MarkPrice]:
    return MarkPrice.objects.select_related("pair").filter(pair__market__isnull=True).order_by("pair__symbol")


def price_history(*, symbol: str, interval: str | None = None) -> QuerySet[PriceCandle]:
    """The pair's candles of one interval (1-minute unless asked), newest first; an unknown pair is 404."""
    pair = Pair.objects.filter(symbol=symbol.upper()).first() if isinstance(symbol, str) else None
    if pair is None:
        raise NotFound(f"Unknown symbol: {symbol!r}.", code="unknown_symbol")
    interval = interval or PriceCandle.Interval.MINUTE
    if interval not in PriceCandle.Interval.values:
        choices = ", ".join(PriceCandle.Interval.values)
        raise ApplicationError(f"interval must be one of {choices}.", fields={"interval": [f"One of {choices}."]})
    return PriceCandle.objects.filter(pair=pair, interval=interval).order_by("-open_time")


# --- a user's histories -------------------------------------------------------------------------------


def order_list(*, user: User, filters: Mapping | None = None) -> QuerySet[Order]:
    queryset = Order.objects.filter(account__user=user).select_related("pair", "borrowed_asset").order_by("-id")
    return filtered(OrderFilter, user=user, filters=filters, queryset=queryset)


def trade_list(*, user: User, filters: Mapping | None = None) -> QuerySet[Trade]:
    queryset = Trade.objects.filter(account__user=user).select_related("pair", "fee_asset").order_by("-id")
    return filtered(TradeFilter, user=user, filters=filters, queryset=queryset)


def transfer_list(*, user: User, filters: Mapping | None = None) -> QuerySet[Transfer]:
    queryset = Transfer.objects.filter(user=user).select_related("asset").order_by("-id")
    return filtered(TransferFilter, user=user, filters=filters, queryset=queryset)


def loan_event_list(*, user: User, filters: Mapping | None = None) -> QuerySet[LoanEvent]:
    queryset = LoanEvent.objects.filter(account__user=user).select_related("asset").order_by("-id")
    return filtered(LoanEventFilter, user=user, filters=filters, queryset=queryset)


def ledger_line_list(*, user: User, filters: Mapping | None = None) -> QuerySet[LedgerLine]:
    queryset = (
        LedgerLine.objects.filter(balance__account__user=user).select_related("entry", "balance__asset").order_by("-id")
    )
    return filtered(LedgerFilter, user=user, filters=filters, queryset=queryset)
