"""`Authorization: Token <key>` for scripts, checked against the stored SHA-256 of personal API tokens."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from accounts.selectors import token_get_by_key
from accounts.services import token_touch

# Longer than any key token_create makes: a longer one cannot match, and is not worth hashing.
MAX_KEY_LENGTH = 256


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's header parsing (``Token <key>``, 401 with ``WWW-Authenticate: Token``), our hashed keys."""

    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = token_get_by_key(key=key) if len(key) <= MAX_KEY_LENGTH else None
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        token_touch(token=token)
        return token.user, token
