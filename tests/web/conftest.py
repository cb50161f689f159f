"""The web UI's clients: alice signed in, and a browser-like client that enforces CSRF (the isolated
ETHUSDT long, ``eth_long``, is in tests/conftest.py: the risk tests use it too)."""

import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture(autouse=True)
def _fresh_throttle_history(monkeypatch):
    # The sign-up form's throttle counts in the cache, which outlives a test (and is Redis, shared by
    # parallel workers, when REDIS_URL is set): each test counts its own sign-ups in a cache of its own.
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4().hex}", {}))


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def csrf_client() -> Client:
    """A browser-like client: unlike the default test client, it enforces CSRF tokens."""
    return Client(enforce_csrf_checks=True)
