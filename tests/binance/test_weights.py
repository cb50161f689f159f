"""Binance's weight counter on Redis (``trading.binance.throttling``): one pipelined round trip counts the
minute's weight, gives a new minute's key its expiry, and brings the keys the request will read
(core.cache.request_key_add): a signed order reads no look-up token of its own."""

import time
import uuid

import pytest
from django.core.cache import caches

from core import cache as core_cache
from tests.binance.conftest import signed
from tests.helpers import cross, require_redis, spot
from trading import lookup_cache
from trading.binance import throttling
from trading.services.transfers import transfer_create


@pytest.fixture
def on_redis(monkeypatch):
    """The counter on the shared Redis cache, counting under names of this test's own."""
    require_redis()
    monkeypatch.setattr(throttling.counter, "cache", caches["default"])
    return f"test-{uuid.uuid4().hex}"


def test_the_counter_adds_up_per_minute_and_gives_each_minute_an_expiry(on_redis):
    scope, now = throttling.Scope("ip", 100), 1_800_000_030.0
    assert throttling.counter.charge(scope=scope, who=on_redis, weight=2, now=now) == 2
    assert throttling.counter.charge(scope=scope, who=on_redis, weight=3, now=now + 10) == 5
    assert throttling.counter.charge(scope=scope, who=on_redis, weight=1, now=now + 60) == 1  # the next minute
    cache = throttling.counter.cache
    key = cache.make_and_validate_key(f"binance-weight:ip:{on_redis}:{int(now // 60)}")
    ttl = cache._cache.get_client(key).ttl(key)
    assert 0 < ttl <= 2 * throttling.WINDOW_SECONDS


def test_the_counter_brings_the_keys_the_request_will_read(on_redis, monkeypatch):
    name = f"test-request-key:{uuid.uuid4().hex}"
    monkeypatch.setattr(core_cache, "_REQUEST_KEYS", [name])
    caches["default"].set(name, {"a": "value"}, 30)
    scope = throttling.Scope("ip", 100)
    core_cache.request_started()
    try:
        assert throttling.counter.charge(scope=scope, who=on_redis, weight=1) == 1
        assert core_cache.request_value_take(name) == {"a": "value"}  # as the cache stored it
        assert core_cache.request_keys_due() == []  # taken: a second charge (the UID weight) brings it no more
    finally:
        core_cache.request_finished()
        caches["default"].delete(name)


def test_a_signed_order_reads_no_look_up_token_of_its_own(client, alice, alice_keys, on_redis, monkeypatch):
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="100"
    )
    minute = int(time.time()) // 60 * 60
    monkeypatch.setattr(throttling, "clock", lambda: minute + 30)  # the whole test in one minute
    reads = []
    read = lookup_cache._generation
    monkeypatch.setattr(lookup_cache, "_generation", lambda: reads.append(1) or read())
    order = {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.002"}
    response = signed(client, "post", "/sapi/v1/margin/order", alice_keys, order)
    assert response.status_code == 200, response.content
    assert reads == []  # the token came with the IP weight's round trip
