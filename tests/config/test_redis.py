"""With REDIS_URL set, the cache and the Celery broker really are Redis, and answer."""

import uuid

import pytest
from django.core.cache import cache

from config import celery_app

pytestmark = pytest.mark.redis


def test_cache_round_trips_through_redis(redis_url, settings):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    key = f"marginlab-test-{uuid.uuid4()}"

    cache.set(key, {"level": "1.25"}, timeout=30)
    try:
        assert cache.get(key) == {"level": "1.25"}
    finally:
        cache.delete(key)
    assert cache.get(key) is None


def test_celery_broker_is_redis_and_reachable(redis_url):
    assert celery_app.conf.broker_url == redis_url

    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)
        assert connection.transport.driver_type == "redis"
