"""core/client_ip.py: one caller address for DRF's throttles, django-axes and the Binance weights, believing
X-Forwarded-For only as far as MARGINLAB_TRUSTED_PROXIES."""

import uuid

import pytest
from axes.models import AccessAttempt
from django.core.cache.backends.locmem import LocMemCache
from django.test import RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from core.client_ip import client_address
from tests.api.api_helpers import API, assert_error
from tests.helpers import PASSWORD, weights_of_this_test
from trading.binance import throttling as binance_throttling


@pytest.fixture(autouse=True)
def _fresh_counts(monkeypatch):
    # Throttle counts and weights live in the cache, which outlives a test (Redis when REDIS_URL is set).
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4().hex}", {}))
    weights_of_this_test(monkeypatch)


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, "10.0.0.1"),
        (0, "6.6.6.6", "10.0.0.1"),
        (1, None, "10.0.0.1"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (1, "203.0.113.7", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, not-an-address", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_address_is_the_one_the_last_trusted_proxy_saw(settings, proxies, forwarded, expected):
    settings.MARGINLAB_TRUSTED_PROXIES = proxies

    assert client_address(request_from("10.0.0.1", forwarded)) == expected


def test_an_unknown_address_is_none_for_the_database_columns_that_store_it():
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]

    assert client_address(request) is None
    assert binance_throttling.client_address(request) == "unknown"


def test_drf_is_told_the_same_number_of_proxies():
    from rest_framework.settings import api_settings

    from config import settings as project_settings

    assert api_settings.NUM_PROXIES == project_settings.MARGINLAB_TRUSTED_PROXIES == 0


def token_attempt(forwarded: str, n: int):
    # A different unknown user each time, so django-axes' per-username lockout never answers first.
    return APIClient().post(
        f"{API}/auth/token", {"username": f"nobody{n}", "password": "wrong"}, HTTP_X_FORWARDED_FOR=forwarded
    )


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_escape_the_throttle(db):
    statuses = [token_attempt(f"198.51.100.{n}", n).status_code for n in range(30)]

    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}


def test_behind_one_proxy_the_right_most_address_is_throttled(settings, db):
    settings.MARGINLAB_TRUSTED_PROXIES = 1

    # Different clients behind the proxy each get their own budget...
    assert {token_attempt(f"6.6.6.6, 198.51.100.{n}", n).status_code for n in range(25)} == {401}
    # ...and one client cannot get more by forging what stands left of the proxy's entry.
    statuses = [token_attempt(f"198.51.100.{n}, 203.0.113.7", n).status_code for n in range(25)]
    assert statuses[:20] == [401] * 20
    assert_error(token_attempt("1.1.1.1, 203.0.113.7", 99), 429, "throttled")


def test_axes_counts_failures_under_the_same_address(alice, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = APIClient()
    for n in range(2):  # forged addresses, no trusted proxy: all one caller
        client.post(f"{API}/auth/token", {"username": "alice", "password": "x"}, HTTP_X_FORWARDED_FOR=f"6.6.6.{n}")

    response = client.post(
        f"{API}/auth/token", {"username": "alice", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="6.6.6.9"
    )
    assert response.status_code == 201  # two failures, then the right password: not yet locked
    AccessAttempt.objects.all().delete()

    settings.MARGINLAB_TRUSTED_PROXIES = 1
    client.post(
        f"{API}/auth/token", {"username": "alice", "password": "x"}, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.7"]


def test_axes_locks_out_a_forged_address_as_the_real_one(alice, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = APIClient()
    for n in range(3):
        client.post(f"{API}/auth/token", {"username": "alice", "password": "x"}, HTTP_X_FORWARDED_FOR=f"6.6.6.{n}")

    response = client.post(
        f"{API}/auth/token", {"username": "alice", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="6.6.6.200"
    )
    assert_error(response, 429, "locked_out")


def test_binance_ip_weights_count_per_client_address(client, settings, db):
    def used(forwarded: str) -> str:
        return client.get("/api/v3/ping", HTTP_X_FORWARDED_FOR=forwarded)["X-MBX-USED-WEIGHT-1M"]

    assert [used("6.6.6.1"), used("6.6.6.2")] == ["1", "2"]  # forged: one caller, REMOTE_ADDR

    settings.MARGINLAB_TRUSTED_PROXIES = 1
    assert [used("6.6.6.1, 203.0.113.7"), used("6.6.6.2, 203.0.113.7"), used("203.0.113.8")] == ["1", "2", "1"]
