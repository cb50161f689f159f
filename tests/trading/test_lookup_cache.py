"""The per-process copies of settings, tiers and pairs (trading.lookup_cache): a request reads the
generation token once and keeps the copies it began with; its own writes and the next request see changes."""

from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from accounts.services import token_create
from tests.helpers import spot
from trading import lookup_cache
from trading.lookup_cache import (
    lookup_cached,
    lookups_changed,
    lookups_request_finished,
    lookups_request_started,
)
from trading.selectors import platform_settings_get


@pytest.fixture
def counted(monkeypatch):
    """How many times the token is read from the shared cache."""
    reads = []
    read = lookup_cache._generation

    def counting():
        reads.append(1)
        return read()

    monkeypatch.setattr(lookup_cache, "_generation", counting)
    return reads


def test_a_request_reads_the_token_once(alice, set_prices, counted):
    set_prices(ETHUSDT=3500, BTCUSDT=95000)
    _, token = token_create(user=alice, name="lookups")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    counted.clear()
    order = {"account": spot(alice).pk, "symbol": "ETHUSDT", "side": "BUY", "type": "MARKET"}
    response = client.post("/api/v1/orders", {**order, "quote_quantity": "20"}, format="json")
    assert response.status_code == 201  # settings, pairs, assets and system balances were looked up
    assert len(counted) == 1
    client.get("/api/v1/me")
    assert len(counted) == 1  # a request that looks nothing up reads no token
    client.post("/api/v1/orders", {**order, "quote_quantity": "20"}, format="json")
    assert len(counted) == 2  # the next request reads it afresh


def test_a_request_keeps_the_copies_it_began_with(platform, counted):
    loads = []
    lookups_request_started()
    try:
        assert lookup_cached("n", lambda: loads.append(1) or len(loads)) == 1
        cache.set(lookup_cache.GENERATION_KEY, "another process committed a change")
        assert lookup_cached("n", lambda: loads.append(1) or len(loads)) == 1  # one consistent set per request
        lookups_changed()  # a write of its own retires them at once
        assert lookup_cached("n", lambda: loads.append(1) or len(loads)) == 2
    finally:
        lookups_request_finished()
    cache.set(lookup_cache.GENERATION_KEY, "and another")
    assert lookup_cached("n", lambda: loads.append(1) or len(loads)) == 3  # outside a request: every read
    assert lookup_cached("n", lambda: loads.append(1) or len(loads)) == 3


def test_the_next_request_sees_a_change_committed_elsewhere(platform):
    assert platform_settings_get().taker_fee != D("0.004")
    lookups_request_started()
    platform_settings_get()
    lookups_request_finished()
    # Another process's write: the row changes and its token is replaced, with no signal in this process.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE trading_platformsettings SET taker_fee = %s WHERE id = 1", [D("0.004")])
    cache.set(lookup_cache.GENERATION_KEY, "replaced by the other process")
    lookups_request_started()
    try:
        assert platform_settings_get().taker_fee == D("0.004")
    finally:
        lookups_request_finished()
