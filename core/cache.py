"""Django's Redis cache with one redis-py client per connection pool, made once.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every call: cheap-looking, but its
constructor fills a table of some two hundred response callbacks each time, a good part of a cache GET's
cost in this process (issue 15: every request's throttle and look-up token go through it). A client is only
a view of its pool and holds no connection of its own (the pool hands one out per command and is
thread-safe), so one per pool serves every call.
"""

from __future__ import annotations

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
