"""Writes of the accounts app: personal API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import ApiToken
from accounts.selectors import token_hash
from core.errors import ApplicationError, NotFound

MAX_TOKENS_PER_USER = 100
NAME_MAX_LENGTH = 64
DEFAULT_TOKEN_NAME = "API token"
# last_used_at is a hint for the owner, not an audit log: one write a minute per token is plenty, and
# spares every authenticated request a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_create(*, user, name: str | None = None) -> tuple[ApiToken, str]:
    """A new token for the user; returns it with its key, which is never stored and never shown again."""
    if name is None or (isinstance(name, str) and not name.strip()):
        name = DEFAULT_TOKEN_NAME
    if not isinstance(name, str) or len(name.strip()) > NAME_MAX_LENGTH:
        message = f"Give the token a name of at most {NAME_MAX_LENGTH} characters."
        raise ApplicationError(message, fields={"name": [message]})
    if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
        raise ApplicationError(
            f"At most {MAX_TOKENS_PER_USER} API tokens may exist at once; revoke some first.", code="token_limit"
        )
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip(), key_hash=token_hash(key), prefix=key[:8])
    return token, key


def token_revoke(*, user, token_id: int) -> None:
    """Delete one of the user's tokens; another user's token is 'not found', like a missing one."""
    deleted, _ = ApiToken.objects.filter(pk=token_id, user=user).delete()
    if not deleted:
        raise NotFound("API token not found.")


def token_touch(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was used (at most once per LAST_USED_RESOLUTION)."""
    now = now or timezone.now()
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def notifications_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read (or all of them, without an id); returns how many changed.

    Another user's notification is 'not found', like a missing one.
    """
    from accounts.models import Notification

    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        if not Notification.objects.filter(user=user, pk=notification_id).exists():
            raise NotFound("Notification not found.")
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
