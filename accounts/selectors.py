"""Reads of the accounts app."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet

from accounts.models import ApiToken, Notification, User


def token_hash(key: str) -> str:
    """Tokens are looked up by the SHA-256 of their key: a leaked table holds no usable key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-id")


def token_get_by_key(*, key: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first()


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-id")


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
