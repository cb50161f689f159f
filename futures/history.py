"""The futures histories a caller lists: orders, income and funding rates, with their filters.

Filters go through trading's ``history.filtered``, so a bad value (an unknown status, a NUL byte, a filter
sent blank or twice) is a 400 here exactly as on the margin histories.
"""

from __future__ import annotations

from collections.abc import Mapping

import django_filters
from django.db.models import QuerySet

from accounts.models import User
from futures import selectors
from futures.models import FundingRate, FuturesOrder, Income
from trading.history import ScopedFilterSet, UpperCharFilter, filtered


class FuturesOrderFilter(ScopedFilterSet):
    symbol = UpperCharFilter(field_name="symbol__symbol")
    status = django_filters.ChoiceFilter(choices=FuturesOrder.Status.choices)


class IncomeFilter(ScopedFilterSet):
    symbol = UpperCharFilter(field_name="symbol__symbol")
    income_type = django_filters.ChoiceFilter(choices=Income.Type.choices)


class FundingRateFilter(ScopedFilterSet):
    symbol = UpperCharFilter(field_name="symbol__symbol")


def order_list(*, user: User, filters: Mapping | None = None) -> QuerySet[FuturesOrder]:
    account = selectors.wallet_get_for_user(user=user)
    queryset = FuturesOrder.objects.filter(account=account) if account else FuturesOrder.objects.none()
    return filtered(FuturesOrderFilter, user=user, filters=filters, queryset=queryset.select_related("symbol"))


def income_list(*, user: User, filters: Mapping | None = None) -> QuerySet[Income]:
    account = selectors.wallet_get_for_user(user=user)
    queryset = Income.objects.filter(account=account) if account else Income.objects.none()
    return filtered(IncomeFilter, user=user, filters=filters, queryset=queryset.select_related("symbol"))


def funding_rate_list(*, filters: Mapping | None = None) -> QuerySet[FundingRate]:
    return filtered(
        FundingRateFilter, user=None, filters=filters, queryset=FundingRate.objects.select_related("symbol")
    )
