"""The Binance API's lists keep a fixed number of queries whatever they hold: one item or four, the same count.

Every signed request starts with one query: the API key and its user (the weights are counted in the cache).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.binance.conftest import signed
from tests.helpers import cross, spot
from trading.services.accounts import isolated_account_open, paper_funds_credit
from trading.services.loans import loan_borrow
from trading.services.orders import oco_place, order_place
from trading.services.transfers import transfer_create

SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"]


def resting_order(user, i):
    order_place(
        user=user, account_id=cross(user).pk, symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.0002",
        price="50000",
    )  # fmt: skip


def market_buy(user, i):
    order_place(user=user, account_id=cross(user).pk, symbol="BTCUSDT", side="BUY", quote_quantity="10")


def cross_holding(user, i):
    order_place(user=user, account_id=cross(user).pk, symbol=SYMBOLS[i], side="BUY", quote_quantity="10")


def isolated_account(user, i):
    account = isolated_account_open(user=user, symbol=SYMBOLS[i])
    transfer_create(user=user, from_account_id=spot(user).pk, to_account_id=account.pk, asset="USDT", amount="20")


def spot_resting_order(user, i):
    order_place(
        user=user, account_id=spot(user).pk, symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.0002",
        price="50000",
    )  # fmt: skip


def spot_market_buy(user, i):
    order_place(user=user, account_id=spot(user).pk, symbol="BTCUSDT", side="BUY", quote_quantity="10")


def buy_oco(user, i):
    oco_place(
        user=user, account_id=cross(user).pk, symbol="BTCUSDT", side="BUY", quantity="0.0002", price="90000",
        stop_price="96000", stop_limit_price="96100",
    )  # fmt: skip


def spot_buy_oco(user, i):
    oco_place(
        user=user, account_id=spot(user).pk, symbol="BTCUSDT", side="BUY", quantity="0.0002", price="90000",
        stop_price="96000", stop_limit_price="96100",
    )  # fmt: skip


def borrow(user, i):
    loan_borrow(user=user, account_id=cross(user).pk, asset="USDT", amount="1")


CASES = [
    # path, parameters, what adds one item, queries
    # the key; the cross account; the open orders with their pair, account and borrowed asset
    ("/sapi/v1/margin/openOrders", {}, resting_order, 3),
    # the key; the cross account; the pair of `symbol`; the open orders
    ("/sapi/v1/margin/openOrders", {"symbol": "BTCUSDT"}, resting_order, 4),
    # the key; the pair; the cross account; the orders
    ("/sapi/v1/margin/allOrders", {"symbol": "BTCUSDT"}, market_buy, 4),
    # the key; the pair; the cross account; the trades with their pair, account and fee asset
    ("/sapi/v1/margin/myTrades", {"symbol": "BTCUSDT"}, market_buy, 4),
    # the key; the cross account; its balances; the assets (platform settings, risk tiers and the mark prices
    # are per-process copies: trading.lookup_cache)
    ("/sapi/v1/margin/account", {}, cross_holding, 4),
    # the key; the accounts with their pairs and assets; their balances
    ("/sapi/v1/margin/isolated/account", {}, isolated_account, 3),
    # the key; the spot wallet; the open orders
    ("/api/v3/openOrders", {}, spot_resting_order, 3),
    # the key; the pair; the spot wallet; the orders
    ("/api/v3/allOrders", {"symbol": "BTCUSDT"}, spot_market_buy, 4),
    # the key; the pair; the spot wallet; the trades with their pair, account, fee asset and order
    ("/api/v3/myTrades", {"symbol": "BTCUSDT"}, spot_market_buy, 4),
    # the key; the cross account; the lists with their account; their legs
    ("/sapi/v1/margin/allOrderList", {}, buy_oco, 4),
    ("/sapi/v1/margin/openOrderList", {}, buy_oco, 4),
    # the key; the spot wallet; the lists with their account; their legs
    ("/api/v3/allOrderList", {}, spot_buy_oco, 4),
    ("/api/v3/openOrderList", {}, spot_buy_oco, 4),
    # the key; the cross account; the page of borrows; their count
    ("/sapi/v1/margin/borrow-repay", {"type": "BORROW"}, borrow, 4),
    ("/sapi/v1/margin/loan", {"asset": "USDT"}, borrow, 4),
]


@pytest.mark.parametrize(("path", "params", "add", "expected"), CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_a_binance_list_costs_the_same_for_one_item_as_for_four(
    client, alice, alice_keys, set_prices, path, params, add, expected, django_assert_num_queries
):
    set_prices(BTCUSDT=95000, ETHUSDT=3500, BNBUSDT=600, SOLUSDT=150)
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="1000"
    )
    signed(client, "get", "/sapi/v1/margin/account", alice_keys)  # the key's first use records it; later ones do not
    add(alice, 0)
    with CaptureQueriesContext(connection) as one:
        assert signed(client, "get", path, alice_keys, params).status_code == 200
    for i in range(1, 4):
        add(alice, i)

    with django_assert_num_queries(expected):
        response = signed(client, "get", path, alice_keys, params)
    assert response.status_code == 200
    body = response.json()
    listed = body if isinstance(body, list) else body.get("assets") or body.get("userAssets") or body.get("rows")
    assert len(listed) >= 4
    assert len(one) == expected


def test_a_signed_margin_buy_costs_what_the_order_costs(
    client, alice, alice_keys, set_prices, django_assert_num_queries
):
    """POST /sapi/v1/margin/order with MARGIN_BUY and a FULL answer (issue 15): the key; the cross account
    (isIsolated routes it); then the order's own queries after its account look-up, which the route made
    (tests/trading/test_order_queries.py: SAVEPOINT, the account and its balances locked in one statement,
    one statement for the UPDATE with the interest clock and the lending pool, the entry with its lines and the
    margin point, the order, the trade and the loan event, RELEASE). The fills come with the order: nothing
    read back. PostgreSQL's count: SQLite updates each balance on its own."""
    if connection.vendor != "postgresql":
        pytest.skip("pins PostgreSQL's statements; SQLite writes balance by balance")
    set_prices(BTCUSDT=95000, ETHUSDT=3500)
    paper_funds_credit(account_id=cross(alice).pk, asset="BTC", amount="1")  # collateral, and no USDT: each buy borrows
    order = {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01", "sideEffectType": "MARGIN_BUY"}
    first = signed(client, "post", "/sapi/v1/margin/order", alice_keys, order)
    assert first.status_code == 200, first.content  # the copies filled
    with django_assert_num_queries(6):
        response = signed(client, "post", "/sapi/v1/margin/order", alice_keys, {**order, "newOrderRespType": "FULL"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "FILLED" and len(body["fills"]) == 1
    assert body["fills"][0]["qty"] == "0.01000000" and body["fills"][0]["tradeId"] > 0
