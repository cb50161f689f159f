"""Keys for the cast, a signed-request helper, and a weight counter of each test's own."""

import hashlib
import hmac
import time
from urllib.parse import urlencode

import pytest

from accounts.api_keys import api_key_create
from tests.helpers import weights_of_this_test


@pytest.fixture(autouse=True)
def _fresh_weights(monkeypatch):
    weights_of_this_test(monkeypatch)


@pytest.fixture
def alice_keys(alice):
    api_key, secret = api_key_create(user=alice, label="bot", can_trade=True)
    return api_key.api_key, secret


@pytest.fixture
def alice_read_only_keys(alice):
    api_key, secret = api_key_create(user=alice, label="watcher", can_trade=False)
    return api_key.api_key, secret


@pytest.fixture
def bob_keys(bob):
    api_key, secret = api_key_create(user=bob, label="bot", can_trade=True)
    return api_key.api_key, secret


def sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def signed(client, method: str, path: str, keys, params=None, *, timestamp=None, body=None, secret=None):
    """A request signed as Binance specifies: parameters in the query (GET, DELETE) or the form body."""
    key, key_secret = keys
    params = dict(params or {})
    params.setdefault("timestamp", timestamp if timestamp is not None else int(time.time() * 1000))
    query = urlencode(params)
    query += "&signature=" + sign(secret or key_secret, query)
    headers = {"HTTP_X_MBX_APIKEY": key}
    if method in ("get", "delete") and body is None:
        return getattr(client, method)(f"{path}?{query}", **headers)
    return getattr(client, method)(path, data=query, content_type="application/x-www-form-urlencoded", **headers)
