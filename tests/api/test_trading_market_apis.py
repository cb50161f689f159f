"""trading/apis/market.py: sign-up and market data (public: anyone may read the market)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.api.api_helpers import API, assert_error, ok, results
from tests.helpers import PASSWORD
from trading.models import Account, Pair, PriceCandle

# --- POST auth/register --------------------------------------------------------------------------------


def test_register_makes_a_user_with_a_funded_spot_wallet_and_a_cross_account(platform, anon):
    body = ok(anon.post(f"{API}/auth/register", {"username": "dora", "password": PASSWORD}), 201)

    user = get_user_model().objects.get(pk=body["id"])
    assert body == {"id": user.pk, "username": "dora"}
    assert sorted(Account.objects.filter(user=user).values_list("kind", flat=True)) == ["cross", "spot"]
    token = ok(anon.post(f"{API}/auth/token", {"username": "dora", "password": PASSWORD}), 201)["token"]
    anon.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    spot = next(a for a in results(anon.get(f"{API}/accounts")) if a["kind"] == "spot")
    assert spot["balances"] == [
        {
            "asset": "USDT",
            "free": "10000.00000000",
            "locked": "0.00000000",
            "borrowed": "0.00000000",
            "interest": "0.00000000",
            "net": "10000.00000000",
        }
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "dora"}, "password"),
        ({"username": "dora", "password": "short"}, "password"),
        ({"username": "bad name!", "password": PASSWORD}, "username"),
        ({"username": 5, "password": ["x"]}, "password"),
        ({"username": "dora", "password": PASSWORD, "email": "not-an-email"}, "email"),
        ({"username": "nul\x00", "password": PASSWORD}, "username"),
    ],
)
def test_register_bad_input_is_400(platform, anon, data, field):
    assert_error(anon.post(f"{API}/auth/register", data), 400, "invalid", field)


def test_register_a_taken_username_is_409(alice, anon):
    assert_error(anon.post(f"{API}/auth/register", {"username": "alice", "password": PASSWORD}), 409, field="username")


def test_register_with_bad_credentials_is_401(platform, anon):
    anon.credentials(HTTP_AUTHORIZATION="Token nope")
    assert_error(anon.post(f"{API}/auth/register", {"username": "dora", "password": PASSWORD}), 401)


# --- GET markets, assets, prices -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["markets", "assets", "prices"])
def test_market_data_is_public_and_paginated(platform, anon, path):
    body = ok(anon.get(f"{API}/{path}?page_size=3"))

    assert body["count"] >= 8
    assert len(body["results"]) == 3
    assert body["next"] is not None


def test_markets_show_filters_and_mark_price(platform, anon):
    btc = next(m for m in results(anon.get(f"{API}/markets")) if m["symbol"] == "BTCUSDT")

    assert btc == {
        "symbol": "BTCUSDT",
        "base": "BTC",
        "quote": "USDT",
        "tick_size": "0.01000000",
        "step_size": "0.00001000",
        "min_qty": "0.00001000",
        "min_notional": "5.00000000",
        "max_leverage": 10,
        "is_active": True,
        "margin_enabled": True,
        "isolated_enabled": True,
        "mark_price": "95000.00000000",
    }


def test_assets_and_prices(platform, anon):
    usdt = next(a for a in results(anon.get(f"{API}/assets")) if a["code"] == "USDT")
    assert (usdt["daily_interest_rate"], usdt["borrowable"]) == ("0.0002", True)
    prices = {p["symbol"]: p["price"] for p in results(anon.get(f"{API}/prices?page_size=50"))}
    assert prices["ETHUSDT"] == "3500.00000000"


@pytest.mark.parametrize("path", ["markets", "assets", "prices", "prices/BTCUSDT/history"])
def test_market_data_with_bad_credentials_is_401(platform, anon, path):
    anon.credentials(HTTP_AUTHORIZATION="Token nope")
    assert_error(anon.get(f"{API}/{path}"), 401, "authentication_failed")


@pytest.mark.parametrize("query", ["page=abc", "page=999"])
def test_market_data_bad_page_is_404(platform, anon, query):
    assert_error(anon.get(f"{API}/markets?{query}"), 404)


# --- GET prices/{symbol}/history -----------------------------------------------------------------------


@pytest.fixture
def candles(platform):
    pair = Pair.objects.get(symbol="BTCUSDT")
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=10)
    for i in range(3):
        price = Decimal(95000 + i)
        PriceCandle.objects.create(
            pair=pair,
            interval="1m",
            open_time=start + timedelta(minutes=i),
            open=price,
            high=price,
            low=price,
            close=price,
        )
    PriceCandle.objects.create(
        pair=pair, interval="1h", open_time=start.replace(minute=0), open=1, high=1, low=1, close=1
    )


def test_price_history_newest_first_with_a_cursor(candles, anon):
    first = ok(anon.get(f"{API}/prices/btcusdt/history?page_size=2"))
    assert [c["close"] for c in first["results"]] == ["95002.00000000", "95001.00000000"]

    second = ok(anon.get(first["next"]))
    assert [c["close"] for c in second["results"]] == ["95000.00000000"]
    assert second["next"] is None
    assert [c["interval"] for c in results(anon.get(f"{API}/prices/BTCUSDT/history?interval=1h"))] == ["1h"]


def test_price_history_of_an_unknown_pair_is_404(platform, anon):
    assert_error(anon.get(f"{API}/prices/NOPEUSDT/history"), 404, "unknown_symbol")
    assert_error(anon.get(f"{API}/prices/BTC-USDT/history"), 404)


@pytest.mark.parametrize("query", ["interval=5m", "interval="])
def test_price_history_bad_interval_is_400(platform, anon, query):
    response = anon.get(f"{API}/prices/BTCUSDT/history?{query}")
    if query == "interval=":
        ok(response)  # empty: the default
    else:
        assert_error(response, 400, "invalid", "interval")


@pytest.mark.parametrize("cursor", ["garbage", "cD1hYmM=", "cD0yMDI2LTEzLTQ1"])
def test_a_forged_cursor_is_404_not_a_server_error(candles, anon, alice_api, cursor):
    # cD1hYmM= is "p=abc": a well-formed cursor whose position is not a time (or an id).
    assert_error(anon.get(f"{API}/prices/BTCUSDT/history?cursor={cursor}"), 404)
    assert_error(alice_api.get(f"{API}/orders?cursor={cursor}"), 404)


# The rules of a username and a password are accounts' (tests/accounts/test_users.py); here, that this door
# applies them.
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "dora", "password": " " * 12}, "password"),
        ({"username": "dora", "password": "x" * 4097}, "password"),
        ({"username": "dor\u0430", "password": PASSWORD}, "username"),  # a Cyrillic а
    ],
)
def test_register_refuses_blank_and_over_long_passwords_and_look_alike_usernames(platform, anon, data, field):
    assert_error(anon.post(f"{API}/auth/register", data), 400, "invalid", field)
    assert not get_user_model().objects.filter(username__startswith="dor").exists()


@pytest.mark.parametrize("username", ["ALICE", "Alice", "\uff41lice"])  # the last with a full-width a
def test_register_a_username_differing_only_by_case_or_width_is_409(alice, anon, username):
    assert_error(anon.post(f"{API}/auth/register", {"username": username, "password": PASSWORD}), 409, field="username")


def test_register_then_a_token_with_the_username_in_another_case(platform, anon):
    ok(anon.post(f"{API}/auth/register", {"username": "Dora", "password": PASSWORD}), 201)

    body = ok(anon.post(f"{API}/auth/token", {"username": "dORA", "password": PASSWORD}), 201)
    anon.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert ok(anon.get(f"{API}/me"))["username"] == "Dora"
