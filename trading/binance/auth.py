"""Binance's request signing, as DRF authentication.

A key pair is made on the web page or through ``/api/v1/api-keys`` (``accounts.api_keys``). A bot sends the
key in the ``X-MBX-APIKEY`` header and signs each private request as Binance specifies: HMAC-SHA256, keyed
by the secret, over the query string followed directly by the body (``totalParams``), both as sent and
without the ``signature`` parameter itself, hex-encoded. The request also carries ``timestamp`` (ms) and
may carry ``recvWindow`` (default 5000, at most 60000): it is refused when it is older than recvWindow or
more than a second ahead of the server's clock, so a captured request cannot be replayed later.

Binance's security types: MARKET_DATA needs only the key header; USER_DATA, MARGIN and TRADE need the
signature too; TRADE (and MARGIN writes) also need a key with trading enabled (``CanTrade``).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from accounts.api_keys import api_key_get_by_key, api_key_secret, api_key_touch
from accounts.models import ApiKey
from trading.binance import errors
from trading.binance.params import Params, raw_parts

API_KEY_HEADER = "HTTP_X_MBX_APIKEY"
DEFAULT_RECV_WINDOW = 5000
MAX_RECV_WINDOW = 60000
# A request may be at most this far ahead of the server's clock (Binance: one second).
MAX_AHEAD_MS = 1000


def params_of(request) -> Params:
    """The request's parameters, parsed once (authentication and the view both read them)."""
    django_request = getattr(request, "_request", request)
    params = getattr(django_request, "binance_params", None)
    if params is None:
        params = django_request.binance_params = Params(request)
    return params


def now_ms() -> int:
    return int(time.time() * 1000)


def signed_payload(query: bytes, body: bytes) -> bytes:
    """totalParams: the query string followed by the body, each without its ``signature=`` part."""

    def without_signature(raw: bytes) -> bytes:
        return b"&".join(part for part in raw.split(b"&") if not part.startswith(b"signature="))

    return without_signature(query) + without_signature(body)


def signature_of(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def check_timestamp(params: Params, *, now: int) -> None:
    recv_window = params.integer("recvWindow", default=DEFAULT_RECV_WINDOW)
    if recv_window > MAX_RECV_WINDOW:
        raise errors.BinanceError(errors.BAD_RECV_WINDOW)
    if recv_window <= 0:
        raise errors.invalid_data("recvWindow")
    params.required("timestamp")
    timestamp = params.integer("timestamp")
    if timestamp >= now + MAX_AHEAD_MS:
        raise errors.BinanceError((-1021, "Timestamp for this request was 1000ms ahead of the server's time."))
    if now - timestamp > recv_window:
        raise errors.BinanceError((-1021, "Timestamp for this request is outside of the recvWindow."))


class ApiKeyAuthentication(BaseAuthentication):
    """MARKET_DATA: the key header must name a key of an active user; nothing is signed."""

    def authenticate(self, request):
        header = request.META.get(API_KEY_HEADER)
        if not header:
            raise errors.BinanceError(errors.BAD_API_KEY_FORMAT)
        api_key = api_key_get_by_key(api_key=header)
        if api_key is None or not api_key.user.is_active:
            raise errors.BinanceError(errors.REJECTED_API_KEY)
        return api_key.user, api_key

    def authenticate_header(self, request) -> str:
        return "X-MBX-APIKEY"


class SignedAuthentication(ApiKeyAuthentication):
    """USER_DATA, MARGIN, TRADE: the key, a fresh timestamp and a valid signature."""

    def authenticate(self, request):
        user, api_key = super().authenticate(request)
        params = params_of(request)
        signature = params.required("signature")
        check_timestamp(params, now=now_ms())
        self.check_signature(request, api_key, signature)
        api_key_touch(api_key=api_key)
        return user, api_key

    @staticmethod
    def check_signature(request, api_key: ApiKey, signature: str) -> None:
        secret = api_key_secret(api_key=api_key)
        if secret is None:  # SECRET_KEY changed with no fallback: the key can no longer be verified
            raise errors.BinanceError(errors.REJECTED_API_KEY)
        expected = signature_of(secret, signed_payload(*raw_parts(request)))
        if not (signature.isascii() and hmac.compare_digest(expected, signature.lower())):
            raise errors.BinanceError(errors.INVALID_SIGNATURE)


class CanTrade(BasePermission):
    """TRADE: a read-only key is refused as Binance refuses a key without the permission (-2015)."""

    def has_permission(self, request, view) -> bool:
        if not (isinstance(request.auth, ApiKey) and request.auth.can_trade):
            raise errors.BinanceError(errors.REJECTED_API_KEY)
        return True
