"""Binance's weight-based rate limits and their headers.

Every endpoint costs a weight (Binance's own figures, in ``apis``). Weights add up per minute of the clock,
per caller address (IP weight, all endpoints) and, for the margin endpoints Binance counts per account,
per user (UID weight). Each answer tells the caller what it has used so far in this minute
(``X-MBX-USED-WEIGHT-1M``, and for /sapi ``X-SAPI-USED-IP-WEIGHT-1M`` / ``X-SAPI-USED-UID-WEIGHT-1M``);
going over the limit is a 429 with code -1003 and a Retry-After until the next minute, as on Binance.
The limits are settings (``config.settings``, with Binance's figures as defaults):
``MARGINLAB_BINANCE_IP_WEIGHT_LIMIT`` (6000, Binance's spot REQUEST_WEIGHT) and
``MARGINLAB_BINANCE_UID_WEIGHT_LIMIT`` (180000, Binance's margin UID limit).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from core.cache import request_keys_due, request_values_keep
from core.client_ip import client_address as core_client_address
from trading.binance import errors

WINDOW_SECONDS = 60
# The clock the minutes are counted by (tests stop it in the middle of a minute).
clock = time.time


def ip_limit() -> int:
    return settings.MARGINLAB_BINANCE_IP_WEIGHT_LIMIT


def uid_limit() -> int:
    return settings.MARGINLAB_BINANCE_UID_WEIGHT_LIMIT


@dataclass(frozen=True)
class Scope:
    name: str
    limit: int


class WeightCounter:
    """Fixed one-minute windows in the cache (Redis when configured: shared by every web process)."""

    cache = caches["default"]

    def charge(self, *, scope: Scope, who: str, weight: int, now: float | None = None) -> int:
        """Add ``weight`` to this minute's count of ``who``; returns the count so far."""
        now = clock() if now is None else now
        key = f"binance-weight:{scope.name}:{who}:{int(now // WINDOW_SECONDS)}"
        if isinstance(self.cache, RedisCache):
            # One round trip: INCRBY makes the key at 0 if it is new, and EXPIRE NX gives only a new key
            # its expiry. The value is a plain integer, as Django's Redis cache keeps ints.
            # The keys the request will read come along (core.cache.request_key_add).
            full_key = self.cache.make_and_validate_key(key)
            pipe = self.cache._cache.get_client(full_key, write=True).pipeline(transaction=False)
            pipe.incrby(full_key, weight)
            pipe.expire(full_key, WINDOW_SECONDS * 2, nx=True)
            due = request_keys_due()
            for name in due:
                pipe.get(self.cache.make_and_validate_key(name))
            used, _, *values = pipe.execute()
            request_values_keep({name: self._loaded(value) for name, value in zip(due, values, strict=True)})
            return int(used)
        self.cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
        try:
            return self.cache.incr(key, weight)
        except ValueError:  # expired between add and incr
            self.cache.set(key, weight, timeout=WINDOW_SECONDS * 2)
            return weight

    def _loaded(self, value):
        """A value as Django's Redis cache reads it back (None: no such key)."""
        return None if value is None else self.cache._cache._serializer.loads(value)


def exceeded(scope: Scope, *, now: float | None = None) -> errors.BinanceError:
    """Binance's 429: -1003, and Retry-After until the minute is over."""
    now = clock() if now is None else now
    error = errors.BinanceError(
        (
            -1003,
            f"Too much request weight used; current limit is {scope.limit} request weight per 1 MINUTE. "
            "Please use WebSocket Streams for live updates to avoid polling the API.",
        ),
        status_code=429,
    )
    error.retry_after = max(1, int(WINDOW_SECONDS - now % WINDOW_SECONDS + 0.999))
    return error


counter = WeightCounter()


def client_address(request) -> str:
    """The address IP weights count under: the one every per-address limit uses (MARGINLAB_TRUSTED_PROXIES)."""
    return core_client_address(request) or "unknown"
