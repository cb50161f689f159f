"""trading/apis/orders.py: orders (place, list, get, cancel) and trades (the ledger: test_trading_money_apis)."""

from decimal import Decimal

import pytest

from tests.api.api_helpers import API, assert_error, ok, results
from tests.helpers import amounts, assert_ledger_clean, cross, spot
from trading.models import Order
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


@pytest.fixture
def account(alice):
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="1000"
    )
    return cross(alice)


def limit_order(account, /, **change) -> dict:
    """The request body of a resting LIMIT buy (90000 is below the 95000 mark)."""
    return {
        "account": account.pk, "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.001", "price": "90000",
    } | change  # fmt: skip


def resting_buy(user, account, **kwargs):
    return order_place(
        user=user,
        account_id=account.pk,
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        quantity="0.001",
        price="90000",
        **kwargs,
    )


# --- POST orders ----------------------------------------------------------------------------------------


def test_market_buy_with_margin_buy(alice_api, account):
    data = {
        "account": account.pk,
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "MARKET",
        "quantity": "0.02",
        "side_effect": "MARGIN_BUY",
    }

    body = ok(alice_api.post(f"{API}/orders", data), 201)

    assert (body["status"], body["executed_qty"], body["borrowed_asset"], body["account"]) == (
        "FILLED",
        "0.02000000",
        "USDT",
        account.pk,
    )
    assert Decimal(body["borrowed_amount"]) > 0
    assert amounts(account, "BTC")[0] > 0
    assert_ledger_clean()


def test_market_buy_by_quote_quantity(alice_api, account):
    data = {"account": account.pk, "symbol": "ETHUSDT", "side": "BUY", "quote_quantity": "100"}

    body = ok(alice_api.post(f"{API}/orders", data), 201)

    assert (body["type"], body["status"], body["quantity"]) == ("MARKET", "FILLED", None)


def test_limit_order_rests_and_locks(alice_api, account):
    data = limit_order(account, time_in_force="GTC")

    body = ok(alice_api.post(f"{API}/orders", data), 201)

    assert (body["status"], body["price"], body["time_in_force"]) == ("NEW", "90000.00000000", "GTC")
    assert amounts(account, "USDT")[1] == Decimal(90)


def test_the_same_client_order_id_with_the_same_order_is_the_same_order(alice_api, account):
    data = limit_order(account, client_order_id="mine-1")

    first = ok(alice_api.post(f"{API}/orders", data), 201)
    again = ok(alice_api.post(f"{API}/orders", data), 201)

    assert again["id"] == first["id"]
    assert Order.objects.count() == 1


def test_a_client_order_id_reused_for_a_different_order_is_409(alice_api, account):
    data = limit_order(account, client_order_id="mine-1")
    ok(alice_api.post(f"{API}/orders", data), 201)

    assert_error(alice_api.post(f"{API}/orders", data | {"price": "89000"}), 409, "duplicate_client_order_id")
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"side": "buy"}, "invalid", "side"),
        ({"side": None}, "invalid", "side"),
        ({"type": "STOP"}, "invalid", "type"),
        ({"quantity": 0.001}, "invalid", "quantity"),
        ({"quantity": "-1"}, "invalid", "quantity"),
        ({"quantity": "0.0000001"}, "filter_failure", "quantity"),
        ({"price": "90000.000000001"}, "invalid", "price"),
        ({"price": "90000.005"}, "filter_failure", "price"),
        ({"price": None}, "invalid", "price"),
        ({"symbol": "NOPEUSDT"}, "unknown_symbol", "symbol"),
        ({"symbol": {"a": 1}}, "invalid", "symbol"),
        ({"time_in_force": "DAY"}, "invalid", "time_in_force"),
        ({"stop_price": "80000"}, "invalid", "stop_price"),
        ({"client_order_id": "has spaces"}, "invalid", "client_order_id"),
        ({"client_order_id": "x" * 37}, "invalid", "client_order_id"),
        ({"account": -1}, "invalid", "account"),
        ({"auto_repay_at_cancel": "maybe"}, "invalid", "auto_repay_at_cancel"),
    ],
)
def test_bad_orders_are_400_and_change_nothing(alice_api, account, change, code, field):
    data = limit_order(account, **change)

    assert_error(alice_api.post(f"{API}/orders", data), 400, code, field)
    assert not Order.objects.exists()
    assert amounts(account, "USDT") == (Decimal(1000), 0, 0, 0)


def test_an_order_more_than_the_funds_is_400(alice_api, account):
    data = {"account": account.pk, "symbol": "BTCUSDT", "side": "BUY", "quantity": "1"}
    assert_error(alice_api.post(f"{API}/orders", data), 400, "insufficient_balance")


def test_an_order_on_another_users_account_is_404(alice_api, bob):
    data = {"account": cross(bob).pk, "symbol": "BTCUSDT", "side": "BUY", "quantity": "0.001"}
    assert_error(alice_api.post(f"{API}/orders", data), 404)
    assert not Order.objects.exists()


# --- GET orders, GET orders/{id} ------------------------------------------------------------------------


def test_orders_list_is_the_callers_with_filters(alice_api, alice, account, bob):
    resting = resting_buy(alice, account)
    filled = order_place(user=alice, account_id=account.pk, symbol="ETHUSDT", side="BUY", quantity="0.01")
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=cross(bob).pk, asset="USDT", amount="100")
    order_place(user=bob, account_id=cross(bob).pk, symbol="ETHUSDT", side="BUY", quantity="0.01")

    assert [o["id"] for o in results(alice_api.get(f"{API}/orders"))] == [filled.pk, resting.pk]
    assert [o["id"] for o in results(alice_api.get(f"{API}/orders?status=NEW"))] == [resting.pk]
    assert [o["id"] for o in results(alice_api.get(f"{API}/orders?symbol=ethusdt"))] == [filled.pk]
    assert [o["id"] for o in results(alice_api.get(f"{API}/orders?account={account.pk}&side=BUY"))] == [
        filled.pk,
        resting.pk,
    ]
    assert results(alice_api.get(f"{API}/orders?account={spot(alice).pk}")) == []


def test_orders_are_cursor_paginated(alice_api, alice, account):
    ids = [resting_buy(alice, account, client_order_id=f"o{i}").pk for i in range(3)]

    page = ok(alice_api.get(f"{API}/orders?page_size=2"))
    rest = ok(alice_api.get(page["next"]))

    assert [o["id"] for o in page["results"] + rest["results"]] == ids[::-1]
    assert rest["next"] is None


@pytest.mark.parametrize("query", ["status=OPEN", "side=LONG", "account=one"])
def test_orders_bad_filter_is_400(alice_api, query):
    assert_error(alice_api.get(f"{API}/orders?{query}"), 400, "invalid")


def test_orders_filtered_by_another_users_account_is_404(alice_api, bob):
    assert_error(alice_api.get(f"{API}/orders?account={cross(bob).pk}"), 404)


def test_order_detail(alice_api, alice, account):
    order = resting_buy(alice, account)

    body = ok(alice_api.get(f"{API}/orders/{order.pk}"))

    assert (body["id"], body["symbol"], body["status"], body["client_order_id"]) == (
        order.pk,
        "BTCUSDT",
        "NEW",
        order.client_order_id,
    )


def test_another_users_order_is_404(alice_api, bob):
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=cross(bob).pk, asset="USDT", amount="100")
    order = resting_buy(bob, cross(bob))

    assert_error(alice_api.get(f"{API}/orders/{order.pk}"), 404, "unknown_order")
    assert_error(alice_api.get(f"{API}/orders/999999"), 404, "unknown_order")


# --- DELETE orders/{id} ---------------------------------------------------------------------------------


def test_cancel_releases_the_lock(alice_api, alice, account):
    order = resting_buy(alice, account)

    body = ok(alice_api.delete(f"{API}/orders/{order.pk}"))

    assert body["status"] == "CANCELED"
    assert amounts(account, "USDT") == (Decimal(1000), 0, 0, 0)
    assert_error(alice_api.delete(f"{API}/orders/{order.pk}"), 400, "order_not_open")


def test_cancelling_another_users_order_is_404_and_leaves_it_open(alice_api, bob):
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=cross(bob).pk, asset="USDT", amount="100")
    order = resting_buy(bob, cross(bob))

    assert_error(alice_api.delete(f"{API}/orders/{order.pk}"), 404)
    order.refresh_from_db()
    assert order.status == Order.Status.NEW


# --- GET trades -----------------------------------------------------------------------------------------


def test_trades_of_the_caller(alice_api, alice, account, bob):
    order = order_place(user=alice, account_id=account.pk, symbol="ETHUSDT", side="BUY", quantity="0.01")
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=cross(bob).pk, asset="USDT", amount="100")
    order_place(user=bob, account_id=cross(bob).pk, symbol="ETHUSDT", side="BUY", quantity="0.01")

    (trade,) = results(alice_api.get(f"{API}/trades"))

    assert (
        trade["order"],
        trade["symbol"],
        trade["side"],
        trade["quantity"],
        trade["fee_asset"],
        trade["is_maker"],
    ) == (
        order.pk,
        "ETHUSDT",
        "BUY",
        "0.01000000",
        "ETH",
        False,
    )
    assert len(results(alice_api.get(f"{API}/trades?order={order.pk}&symbol=ETHUSDT&account={account.pk}"))) == 1
    assert results(alice_api.get(f"{API}/trades?symbol=BTCUSDT")) == []


def test_trades_bad_filter_is_400_and_another_users_account_404(alice_api, bob):
    assert_error(alice_api.get(f"{API}/trades?order=abc"), 400, "invalid", "order")
    assert_error(alice_api.get(f"{API}/trades?account={cross(bob).pk}"), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "orders"), ("post", "orders"), ("get", "orders/1"), ("delete", "orders/1"), ("get", "trades")],
)
def test_unauthenticated_is_401(alice, anon, method, path):
    assert_error(getattr(anon, method)(f"{API}/{path}"), 401, "not_authenticated")
