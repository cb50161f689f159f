"""The web UI's clients: alice signed in, and a browser-like client that enforces CSRF (the isolated
ETHUSDT long, ``eth_long``, is in tests/conftest.py: the risk tests use it too)."""

import pytest
from django.test import Client


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def csrf_client() -> Client:
    """A browser-like client: unlike the default test client, it enforces CSRF tokens."""
    return Client(enforce_csrf_checks=True)
