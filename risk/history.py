"""Reads for the API's lists of the risk engine's records: margin calls, liquidations, snapshots and the
notifications they sent. Each scoped to one user, filtered like ``trading.history``."""

from __future__ import annotations

from collections.abc import Mapping

import django_filters
from django.db.models import QuerySet

from accounts.models import Notification, User
from accounts.selectors import notification_list as _notifications
from risk.models import Liquidation, MarginCall, MarginSnapshot, RiskStatus
from trading.history import UserFilterSet, filtered


class MarginCallFilter(UserFilterSet):
    pass


class LiquidationFilter(UserFilterSet):
    pass


class SnapshotFilter(UserFilterSet):
    status = django_filters.ChoiceFilter(choices=RiskStatus.choices)
    reason = django_filters.ChoiceFilter(choices=MarginSnapshot.Reason.choices)


class NotificationFilter(UserFilterSet):
    account_lookup = "account_ref"
    kind = django_filters.ChoiceFilter(choices=Notification.Kind.choices)
    # Strictly true or false: BooleanFilter would read anything else as "no filter" rather than an error.
    unread = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        field_name="read_at",
        lookup_expr="isnull",
    )


def margin_call_list(*, user: User, filters: Mapping | None = None) -> QuerySet[MarginCall]:
    queryset = MarginCall.objects.filter(account__user=user).order_by("-id")
    return filtered(MarginCallFilter, user=user, filters=filters, queryset=queryset)


def liquidation_list(*, user: User, filters: Mapping | None = None) -> QuerySet[Liquidation]:
    queryset = Liquidation.objects.filter(account__user=user).order_by("-id")
    return filtered(LiquidationFilter, user=user, filters=filters, queryset=queryset)


def snapshot_list(*, user: User, filters: Mapping | None = None) -> QuerySet[MarginSnapshot]:
    queryset = MarginSnapshot.objects.filter(account__user=user).order_by("-id")
    return filtered(SnapshotFilter, user=user, filters=filters, queryset=queryset)


def notification_list(*, user: User, filters: Mapping | None = None) -> QuerySet[Notification]:
    return filtered(NotificationFilter, user=user, filters=filters, queryset=_notifications(user=user))


def liquidation_explanation(liquidation: Liquidation) -> str:
    """Why the liquidation fired and what it did, in one paragraph a person can read."""
    level = f"{liquidation.margin_level:.4f}" if liquidation.margin_level is not None else "unknown"
    prices = ", ".join(f"{asset} {price}" for asset, price in sorted(liquidation.prices.items()))
    text = (
        f"The {liquidation.account_kind} margin account #{liquidation.account_id} was liquidated: its margin level "
        f"{level} was at or below the liquidation ratio {liquidation.liquidation_ratio.normalize()} of the "
        f"'{liquidation.profile}' risk profile, at mark prices {prices or 'none'}. Assets worth "
        f"{liquidation.asset_value} USDT stood against a debt of {liquidation.debt_value} USDT. "
        f"Positions worth {liquidation.value_liquidated} USDT were closed at mark price; "
        f"the liquidation fee was {liquidation.fee} USDT"
    )
    if liquidation.shortfall:
        text += f"; the insurance fund covered a shortfall of {liquidation.shortfall} USDT"
    return text + "."
