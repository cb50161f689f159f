"""Django's Redis cache with one redis-py client per connection pool, made once.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every call: cheap-looking, but its
constructor fills a table of some two hundred response callbacks each time, a good part of a cache GET's
cost in this process (issue 15: every request's throttle and look-up token go through it). A client is only
a view of its pool and holds no connection of its own (the pool hands one out per command and is
thread-safe), so one per pool serves every call.

And the keys every request reads, fetched with its first cache round trip (``request_key_add``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient


# --- values every request reads, fetched with its first cache round trip ---------------------------------

# Every API request reads the cache at least once before its view runs (its throttle's history, or a
# Binance route's weight counter), and most then read a few keys of their own (the look-up cache's
# generation token, ``trading.lookup_cache``). A key registered here is fetched with that first read, in
# the same round trip (issue 15: one Redis round trip fewer per order), and kept for the request, which
# takes it once (``request_value_take``). Outside a request nothing is fetched ahead.
_REQUEST_KEYS: list[str] = []
_fetched: ContextVar[dict[str, Any] | None] = ContextVar("cache_fetched_with_request", default=None)


def request_key_add(key: str) -> None:
    """Fetch ``key`` (a cache key, as given to ``cache.get``) with every request's first cache read."""
    if key not in _REQUEST_KEYS:
        _REQUEST_KEYS.append(key)


def request_started(**kwargs) -> None:
    _fetched.set({})


def request_finished(**kwargs) -> None:
    _fetched.set(None)


def request_keys_due() -> list[str]:
    """The registered keys this request has not fetched yet (none outside a request)."""
    fetched = _fetched.get()
    return [] if fetched is None else [key for key in _REQUEST_KEYS if key not in fetched]


def request_values_keep(values: dict[str, Any]) -> None:
    """What the first read fetched of the registered keys (a missing key: None)."""
    fetched = _fetched.get()
    if fetched is not None:
        fetched.update(values)


def request_value_take(key: str) -> Any | None:
    """A registered key's value as this request's first read fetched it, once (a second call, or a key
    not fetched, or not there: None, and the caller reads the cache itself)."""
    fetched = _fetched.get()
    if fetched is None:
        return None
    value, fetched[key] = fetched.get(key), None  # taken: not fetched again by a later read of the request
    return value


class ThrottleCache:
    """What DRF's throttles read and write their history through (``core.throttling``): ``backend()``, their
    own cache (the default one, where the registered keys live too), whose history read also fetches the
    registered keys, one MGET for all."""

    def __init__(self, backend: Callable[[], BaseCache]) -> None:
        self._backend = backend

    def get(self, key: str, default=None):
        backend, due = self._backend(), request_keys_due()
        if not due:
            return backend.get(key, default)
        values = backend.get_many([key, *due])
        request_values_keep({name: values.get(name) for name in due})
        return values.get(key, default)

    def set(self, key: str, value, timeout=None) -> None:
        self._backend().set(key, value, timeout)
