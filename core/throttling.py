"""DRF's throttles, told the caller's address by ``core.client_ip`` (the same answer django-axes and the
Binance weights get), and the `auth` scope's budget for doors that are not DRF views (the web sign-up form)."""

from __future__ import annotations

from django.core.cache.backends.base import BaseCache
from rest_framework import throttling

from core.cache import ThrottleCache
from core.client_ip import client_address

AUTH_SCOPE = "auth"


class ClientAddressMixin:
    # DRF's cache for throttles (the default one), whose history read also fetches the keys the request will
    # read (core.cache.request_key_add).
    cache: BaseCache = ThrottleCache(lambda: throttling.SimpleRateThrottle.cache)  # type: ignore[assignment]

    def get_ident(self, request) -> str:
        return client_address(request) or ""  # callers of unknown address share one budget


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(ClientAddressMixin, throttling.ScopedRateThrottle):
    pass


class AuthScopeThrottle(ClientAddressMixin, throttling.SimpleRateThrottle):
    """The `auth` scope (sign-up and token creation) for a plain Django view, with the rate of
    DEFAULT_THROTTLE_RATES["auth"]. Its cache key is ScopedRateThrottle's for an anonymous caller, so an
    address's sign-ups through the web form and through POST /api/v1/auth/register draw on one budget."""

    scope = AUTH_SCOPE

    def get_cache_key(self, request, view) -> str | None:
        if request.user.is_authenticated:
            ident = request.user.pk
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def auth_scope_wait(request) -> int | None:
    """Count one attempt of ``request`` against the `auth` budget: None while it is allowed, otherwise the
    seconds to wait (at least 1)."""
    throttle = AuthScopeThrottle()
    if throttle.allow_request(request, None):  # type: ignore[arg-type]  # no view here; AuthScopeThrottle reads none
        return None
    wait = throttle.wait()
    return max(1, round(wait)) if wait is not None else 60
