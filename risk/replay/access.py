"""Whose liquidations and margin calls a user may replay: their own accounts', and those an app above grants
(a class's: the member their class accounts', the instructor their students'). The grants come through a
hook registered at start-up (``replay_access_register``), so this floor imports nothing above it."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from accounts.models import User

# user -> a condition on a record's ``account`` (``Q(account__user__...=user)``) granting more than their own.
AccessRule = Callable[[User], Q]
_rules: list[AccessRule] = []


def replay_access_register(rule: AccessRule) -> None:
    if rule not in _rules:
        _rules.append(rule)


def records_visible_to(user: User) -> Q:
    """The records (Liquidation, MarginCall) the user may replay."""
    visible = Q(account__user=user)
    for rule in _rules:
        visible |= rule(user)
    return visible
