"""Binance-style API key pairs: making, listing, revoking them, and reading a secret back to check a signature.

A bot signs every private request with HMAC-SHA256 keyed by its secret (``trading.binance.auth``), so the
server must be able to read the secret again: unlike personal API tokens (kept as hashes), the secret is
kept encrypted at rest with Fernet, under a key derived from SECRET_KEY. Rotating SECRET_KEY keeps the
secrets readable while the old key is in SECRET_KEY_FALLBACKS, as with Django's own signatures.
"""

from __future__ import annotations

import base64
import secrets
import string
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ApiKey, User
from core.errors import ApplicationError, NotFound
from core.prepared import Prepared

# Binance's keys and secrets are 64 letters and digits; bots and their config files expect that shape.
KEY_LENGTH = 64
KEY_ALPHABET = string.ascii_letters + string.digits
LABEL_MAX_LENGTH = 64
DEFAULT_LABEL = "API key"
# Binance allows 30 key pairs per account.
MAX_KEYS_PER_USER = 30
# last_used_at is a hint for the owner: one write a minute per key spares every signed request a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
_KDF_INFO = b"marginlab api key secrets"


def _random_string() -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def _fernet_key(secret_key: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KDF_INFO).derive(secret_key.encode())
    return base64.urlsafe_b64encode(derived)


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def _clean_label(label) -> str:
    if label is None or (isinstance(label, str) and not label.strip()):
        return DEFAULT_LABEL
    if not isinstance(label, str) or len(label.strip()) > LABEL_MAX_LENGTH:
        message = f"Give the key a label of at most {LABEL_MAX_LENGTH} characters."
        raise ApplicationError(message, fields={"label": [message]})
    return label.strip()


# --- services -----------------------------------------------------------------------------------------


def api_key_create(
    *, user: User, label: str | None = None, can_trade: bool = False, market_ref: int | None = None
) -> tuple[ApiKey, str]:
    """A new key pair; returns it with its secret, which is shown this once and never again. ``market_ref``
    binds it to another market than the main one (a class's: its caller passes the class's holder)."""
    label = _clean_label(label)
    if not isinstance(can_trade, bool):
        raise ApplicationError("can_trade must be true or false.", fields={"can_trade": ["Must be a boolean."]})
    if ApiKey.objects.filter(user=user).count() >= MAX_KEYS_PER_USER:
        raise ApplicationError(
            f"At most {MAX_KEYS_PER_USER} API keys may exist at once; revoke some first.", code="api_key_limit"
        )
    secret = _random_string()
    api_key = ApiKey.objects.create(
        user=user,
        label=label,
        api_key=_random_string(),
        secret_encrypted=_fernet().encrypt(secret.encode()).decode(),
        can_trade=can_trade,
        market_ref=market_ref,
    )
    return api_key, secret


def api_key_revoke(*, user: User, api_key_id) -> None:
    """Delete one of the user's keys; another user's key is 'not found', like a missing one."""
    deleted = 0
    if isinstance(api_key_id, int) and not isinstance(api_key_id, bool):
        deleted, _ = ApiKey.objects.filter(pk=api_key_id, user=user).delete()
    if not deleted:
        raise NotFound("API key not found.")


def api_key_touch(*, api_key: ApiKey, now: datetime | None = None) -> None:
    """Record that the key was used (at most once per LAST_USED_RESOLUTION)."""
    now = now or timezone.now()
    if api_key.last_used_at is None or api_key.last_used_at <= now - LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


# --- selectors ----------------------------------------------------------------------------------------


def api_key_list(*, user: User) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(user=user).order_by("-id")


# Every signed Binance request starts here: compiled once (core.prepared). The key is unique.
_KEY = Prepared(
    lambda api_key: ApiKey.objects.select_related("user").filter(api_key=api_key).order_by()[:1], api_key=str
)


def api_key_get_by_key(*, api_key: str) -> ApiKey | None:
    if not isinstance(api_key, str) or len(api_key) != KEY_LENGTH:
        return None
    return next(iter(_KEY(api_key=api_key)), None)


def api_key_secret(*, api_key: ApiKey) -> str | None:
    """The key's secret in clear, or None if it cannot be read (SECRET_KEY changed without a fallback)."""
    try:
        return _fernet().decrypt(api_key.secret_encrypted.encode()).decode()
    except InvalidToken:
        return None
