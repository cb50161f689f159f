"""With REDIS_URL set, the cache and the Celery broker really are Redis, and answer."""

import uuid

import pytest
from django.core.cache import cache

from config import celery_app

pytestmark = pytest.mark.redis


def test_cache_round_trips_through_redis(redis_url, settings):
    assert settings.CACHES["default"]["BACKEND"] == "core.cache.RedisCache"  # Django's, one client per pool
    key = f"marginlab-test-{uuid.uuid4()}"

    cache.set(key, {"level": "1.25"}, timeout=30)
    try:
        assert cache.get(key) == {"level": "1.25"}
    finally:
        cache.delete(key)
    assert cache.get(key) is None


def test_the_cache_makes_one_redis_client_per_pool(redis_url):
    """Django's backend builds a redis-py client per call; core.cache's keeps the first and still answers."""
    backend = cache._cache  # type: ignore[attr-defined]
    first = backend.get_client(write=True)
    assert backend.get_client(write=True) is first and backend.get_client() is first
    key = f"marginlab-test-{uuid.uuid4()}"
    cache.set(key, 7, timeout=30)
    try:
        assert cache.incr(key) == 8 and cache.get(key) == 8
    finally:
        cache.delete(key)


def test_celery_broker_is_redis_and_reachable(redis_url):
    assert celery_app.conf.broker_url == redis_url

    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)
        assert connection.transport.driver_type == "redis"
