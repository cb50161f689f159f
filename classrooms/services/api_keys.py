"""A member's class API keys: Binance-style key pairs bound to the class, for a bot pointed at it.

The key belongs to the membership's holder (the user that owns the member's class accounts) and names the
class's market (``ApiKey.market_ref``): every request signed with it trades the class accounts at the
class's prices (``trading.binance.markets``), and a personal key, owned by the student, never reaches them.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import api_keys
from accounts.models import ApiKey, User
from classrooms.services.trading import member_get


def member_api_key_create(*, user: User, classroom_id, label=None, can_trade: bool = False) -> tuple[ApiKey, str]:
    membership = member_get(user=user, classroom_id=classroom_id)
    return api_keys.api_key_create(
        user=membership.holder,
        label=label,
        can_trade=can_trade,
        market_ref=membership.classroom.market_id,
    )


def member_api_key_list(*, user: User, classroom_id) -> QuerySet[ApiKey]:
    return api_keys.api_key_list(user=member_get(user=user, classroom_id=classroom_id).holder)


def member_api_key_revoke(*, user: User, classroom_id, api_key_id) -> None:
    api_keys.api_key_revoke(user=member_get(user=user, classroom_id=classroom_id).holder, api_key_id=api_key_id)
