"""core.cache: the keys every request reads come with its first cache read, in the same round trip."""

import uuid

import pytest
from django.core.cache import cache

from core import cache as core_cache


@pytest.fixture
def key(monkeypatch):
    """A registered key of this test's own, holding a value."""
    name = f"test-request-key:{uuid.uuid4().hex}"
    monkeypatch.setattr(core_cache, "_REQUEST_KEYS", [name])
    cache.set(name, "the value", 30)
    yield name
    cache.delete(name)


@pytest.fixture
def reads(monkeypatch):
    """Every read the default cache serves: ("get", key) or ("get_many", [keys])."""
    seen = []
    backend = type(cache._connections[cache._alias])
    get, get_many = backend.get, backend.get_many

    def counted_get(self, key, default=None, version=None):
        seen.append(("get", key))
        return get(self, key, default, version)

    def counted_get_many(self, keys, version=None):
        seen.append(("get_many", list(keys)))
        return get_many(self, keys, version)

    monkeypatch.setattr(backend, "get", counted_get)
    monkeypatch.setattr(backend, "get_many", counted_get_many)
    return seen


def in_request(test):
    core_cache.request_started()
    try:
        test()
    finally:
        core_cache.request_finished()


def test_the_throttle_read_fetches_the_registered_keys_in_the_same_round_trip(key, reads):
    history = f"test-history:{uuid.uuid4().hex}"
    cache.set(history, [1.5], 30)

    def request():
        assert core_cache.ThrottleCache(lambda: cache).get(history, []) == [1.5]
        assert reads[0] == ("get_many", [history, key])  # (the local cache serves a get_many by gets)
        assert core_cache.request_value_take(key) == "the value"
        assert core_cache.request_value_take(key) is None  # once: the caller reads it itself after that
        core_cache.ThrottleCache(lambda: cache).get(
            history, []
        )  # a second throttle of the request: the key is not fetched again
        assert reads[-1] == ("get", history)

    in_request(request)


def test_a_key_not_in_the_cache_is_none_and_the_caller_reads_it_itself(key, reads):
    cache.delete(key)

    def request():
        core_cache.ThrottleCache(lambda: cache).get("test-no-history", [])
        assert core_cache.request_value_take(key) is None

    in_request(request)


def test_outside_a_request_nothing_is_fetched_ahead(key, reads):
    assert core_cache.ThrottleCache(lambda: cache).get("test-no-history", []) == []
    assert reads == [("get", "test-no-history")]  # a plain read
    assert core_cache.request_value_take(key) is None


def test_each_request_starts_with_nothing_fetched(key, reads):
    in_request(lambda: core_cache.ThrottleCache(lambda: cache).get("test-no-history", []))
    # A page that reads no throttle (a plain Django view) cannot take the last request's value.
    in_request(lambda: core_cache.request_value_take(key) is None or pytest.fail("a value of another request"))


def test_the_throttle_writes_the_history_as_it_reads_it():
    history = f"test-history:{uuid.uuid4().hex}"
    core_cache.ThrottleCache(lambda: cache).set(history, [2.0, 1.0], 30)
    assert cache.get(history) == [2.0, 1.0]
    cache.delete(history)
