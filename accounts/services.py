"""Writes of the accounts app: users (the rules of a username and a password), personal API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.selectors import token_hash
from accounts.usernames import username_normalize, username_problem
from core.errors import ApplicationError, Conflict, NotFound

USERNAME_TAKEN = "That username is taken."

MAX_TOKENS_PER_USER = 100
NAME_MAX_LENGTH = 64
DEFAULT_TOKEN_NAME = "API token"
# last_used_at is a hint for the owner, not an audit log: one write a minute per token is plenty, and
# spares every authenticated request a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def user_create(*, username: str, password: str, email: str = "") -> User:
    """A new user, by the one set of rules every sign-up door uses (POST /api/v1/auth/register and the web
    form, both through trading's user_signup): the username NFKC-folded, ASCII only and unique without regard
    to case (accounts.usernames); the password through AUTH_PASSWORD_VALIDATORS (Django's, plus no
    whitespace-only password and at most 4096 characters). Bad input is an ApplicationError per field, a
    taken username a Conflict."""
    if not isinstance(username, str) or not isinstance(password, str):
        raise ApplicationError("Username and password are required.", fields={"username": ["This field is required."]})
    username = username_normalize(username)
    errors: dict[str, list[str]] = {}
    problem = username_problem(username)
    if problem:
        errors["username"] = [problem]
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ApplicationError("Please correct the errors below.", fields=errors)
    if _username_taken(username):
        raise Conflict(USERNAME_TAKEN, fields={"username": [USERNAME_TAKEN]})
    try:
        # A savepoint: the constraint catches two sign-ups racing past the check above, and the caller's
        # transaction (trading's user_signup) must survive the IntegrityError to report it.
        with transaction.atomic():
            return User.objects.create_user(username=username, password=password, email=email)
    except IntegrityError:
        raise Conflict(USERNAME_TAKEN, fields={"username": [USERNAME_TAKEN]}) from None


def _username_taken(username: str) -> bool:
    return User.objects.alias(folded=Lower("username")).filter(folded=Lower(Value(username))).exists()


def token_create(*, user: User, name: str | None = None) -> tuple[ApiToken, str]:
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


def token_revoke(*, user: User, token_id: int) -> None:
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


def notifications_mark_read(*, user: User, notification_id: int | None = None) -> int:
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
