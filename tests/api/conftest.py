"""API clients for the fixed cast: each signs in with a personal API token, as a script would."""

import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.services import token_create


@pytest.fixture(autouse=True)
def _fresh_throttle_history(monkeypatch):
    # Throttle counts live in the cache, which outlives a test (and is Redis, shared by parallel workers,
    # when REDIS_URL is set): each test counts its own requests in a cache of its own.
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4().hex}", {}))


def client_for(user) -> APIClient:
    _, key = token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.user = user
    return client


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def alice_api(alice) -> APIClient:
    return client_for(alice)


@pytest.fixture
def bob_api(bob) -> APIClient:
    return client_for(bob)


@pytest.fixture
def charlie_api(charlie) -> APIClient:
    return client_for(charlie)
