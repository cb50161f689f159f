"""The per-process copies of settings, tiers, pairs and mark prices (trading.lookup_cache): a request reads the
generation token once and keeps the copies it began with; its own writes and the next request see changes."""

from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import token_create
from core import cache as core_cache
from tests.helpers import spot
from trading import lookup_cache
from trading.lookup_cache import (
    lookup_cached,
    lookups_changed,
    lookups_request_finished,
    lookups_request_started,
)
from trading.selectors import mark_prices, pair_get, platform_settings_get


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


def test_an_api_request_takes_the_token_from_its_throttle_read(alice, set_prices, counted):
    """An API request reads no token of its own: it came with the throttle's read of the request's history
    (one round trip, core.cache.request_key_add), read afresh by every request."""
    set_prices(ETHUSDT=3500, BTCUSDT=95000)
    _, token = token_create(user=alice, name="lookups")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    eth = pair_get(symbol="ETHUSDT").pk
    counted.clear()
    order = {"account": spot(alice).pk, "symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quote_quantity": "20"}
    first = client.post("/api/v1/orders", order, format="json")
    assert first.status_code == 201  # settings, pairs, assets and system balances were looked up
    assert client.get("/api/v1/me").status_code == 200
    assert counted == []
    # Another process's tick between two requests (its row and its token): the next request uses it.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE trading_markprice SET price = 3000 WHERE pair_id = %s", [eth])
    cache.set(lookup_cache.GENERATION_KEY, "a tick in another process")
    second = client.post("/api/v1/orders", order, format="json")
    assert D(first.json()["executed_qty"]) < D(second.json()["executed_qty"])  # bought at 3000, not 3500
    assert counted == []


def test_outside_an_api_request_the_token_is_read_once_per_request(alice, platform, counted):
    """A request no throttle read (a web page, here one opened by hand) reads the token itself, once."""
    lookups_request_started()
    core_cache.request_started()
    try:
        platform_settings_get()
        pair_get(symbol="ETHUSDT")
        assert len(counted) == 1
    finally:
        core_cache.request_finished()
        lookups_request_finished()


def test_a_write_of_its_own_retires_the_token_its_throttle_read_fetched(platform, counted):
    """The token fetched with the request's first read is old once the request writes to a looked-up table:
    the next look-up reads the token again, never the fetched one."""
    loads = []
    lookups_request_started()
    core_cache.request_started()
    try:
        core_cache.request_values_keep({lookup_cache.GENERATION_KEY: "fetched with the throttle's read"})
        lookups_changed()
        assert lookup_cached("n", lambda: loads.append(1) or len(loads)) == 1
        assert len(counted) == 1  # read afresh
        assert lookup_cache._local["generation"] != "fetched with the throttle's read"
    finally:
        core_cache.request_finished()
        lookups_request_finished()


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


def test_the_mark_prices_are_a_copy_that_a_price_change_retires(platform, set_prices, counted):
    """The mark prices are kept like the pairs: read once while no price changed; a price set here is seen at
    once, one set by another process (its token replaced) from the next request on."""
    set_prices(ETHUSDT=3500)
    with CaptureQueriesContext(connection) as reads:
        assert mark_prices()["ETH"] == D(3500)
        mine = mark_prices()
        mine["ETH"] = D(1)  # the caller's own dict: the copy is not changed through it
        assert mark_prices()["ETH"] == D(3500)
    assert len(reads.captured_queries) == 1
    set_prices(ETHUSDT=3600)  # a write of this process's: seen at once
    assert mark_prices()["ETH"] == D(3600)
    lookups_request_started()
    try:
        assert mark_prices()["ETH"] == D(3600)
        with connection.cursor() as cursor:  # another process's tick, its token replaced
            cursor.execute(
                "UPDATE trading_markprice SET price = 3700 WHERE pair_id = %s", [pair_get(symbol="ETHUSDT").pk]
            )
        cache.set(lookup_cache.GENERATION_KEY, "a tick in another process")
        assert mark_prices()["ETH"] == D(3600)  # one consistent set of prices per request
    finally:
        lookups_request_finished()
    assert mark_prices()["ETH"] == D(3700)


def test_an_order_fills_at_the_price_a_tick_just_set(alice, set_prices):
    """Between two orders of one process the price moves: the second fills at the new price."""
    set_prices(ETHUSDT=3500, BTCUSDT=95000)
    _, token = token_create(user=alice, name="lookups")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    order = {"account": spot(alice).pk, "symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quote_quantity": "20"}
    first = client.post("/api/v1/orders", order, format="json").json()
    set_prices(ETHUSDT=3000)
    second = client.post("/api/v1/orders", order, format="json").json()
    assert D(first["executed_qty"]) < D(second["executed_qty"])  # more ETH for 20 USDT at the lower price
