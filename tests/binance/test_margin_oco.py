"""OCO on margin through Binance's paths: the web page's OCO, placed, listed, filled and cancelled."""

from decimal import Decimal

import pytest

from tests.binance.conftest import signed
from tests.binance.test_endpoints import ok, refused
from tests.helpers import amounts, assert_ledger_clean, cross, spot
from trading.models import Order, OrderList
from trading.services.orders import order_place
from trading.services.transfers import transfer_create

# ETH at 3500: sell 0.1 at 3800 (take profit) or, below 3300, at 3290 (stop loss).
SELL_OCO = {
    "symbol": "ETHUSDT",
    "side": "SELL",
    "quantity": "0.1",
    "price": "3800",
    "stopPrice": "3300",
    "stopLimitPrice": "3290",
    "stopLimitTimeInForce": "GTC",
}


@pytest.fixture
def holding(alice, set_prices):
    set_prices(ETHUSDT="3500.00")
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    order_place(user=alice, account_id=account.pk, symbol="ETHUSDT", side="BUY", quantity="0.2")
    return account


def test_oco_is_placed_queried_listed_and_cancelled(client, alice_keys, holding):
    placed = ok(
        signed(client, "post", "/sapi/v1/margin/order/oco", alice_keys, SELL_OCO | {"listClientOrderId": "my-oco"})
    )

    assert placed["contingencyType"] == "OCO" and placed["listStatusType"] == "EXEC_STARTED"
    assert placed["listClientOrderId"] == "my-oco" and placed["isIsolated"] is False
    reports = placed["orderReports"]
    assert [(r["type"], r["price"], r["stopPrice"]) for r in reports] == [
        ("LIMIT_MAKER", "3800.00000000", "0.00000000"),
        ("STOP_LOSS_LIMIT", "3290.00000000", "3300.00000000"),
    ]
    assert all(r["orderListId"] == placed["orderListId"] for r in reports)
    assert amounts(holding, "ETH")[1] == Decimal("0.1")  # one lock for both legs
    by_id = ok(signed(client, "get", "/sapi/v1/margin/orderList", alice_keys, {"orderListId": placed["orderListId"]}))
    by_client_id = ok(signed(client, "get", "/sapi/v1/margin/orderList", alice_keys, {"origClientOrderId": "my-oco"}))
    assert by_id == by_client_id and [o["orderId"] for o in by_id["orders"]] == [r["orderId"] for r in reports]
    assert [o["orderListId"] for o in ok(signed(client, "get", "/sapi/v1/margin/openOrderList", alice_keys))] == [
        placed["orderListId"]
    ]
    every = ok(signed(client, "get", "/sapi/v1/margin/allOrderList", alice_keys))
    assert [o["orderListId"] for o in every] == [placed["orderListId"]]
    leg = ok(
        signed(
            client, "get", "/sapi/v1/margin/order", alice_keys, {"symbol": "ETHUSDT", "orderId": reports[0]["orderId"]}
        )
    )
    assert leg["orderListId"] == placed["orderListId"]

    cancelled = ok(
        signed(
            client,
            "delete",
            "/sapi/v1/margin/orderList",
            alice_keys,
            {"symbol": "ETHUSDT", "orderListId": placed["orderListId"]},
        )
    )

    assert cancelled["listOrderStatus"] == "ALL_DONE"
    assert [r["status"] for r in cancelled["orderReports"]] == ["CANCELED", "CANCELED"]
    assert amounts(holding, "ETH")[1] == 0
    assert ok(signed(client, "get", "/sapi/v1/margin/openOrderList", alice_keys)) == []
    refused(
        signed(
            client,
            "delete",
            "/sapi/v1/margin/orderList",
            alice_keys,
            {"symbol": "ETHUSDT", "orderListId": placed["orderListId"]},
        ),
        -2011,
    )
    assert_ledger_clean()


def test_oco_whose_limit_leg_fills_cancels_the_stop_leg(client, alice_keys, holding, set_prices):
    from risk.staff import price_set_now

    placed = ok(signed(client, "post", "/sapi/v1/margin/order/oco", alice_keys, SELL_OCO))

    price_set_now(symbol="ETHUSDT", price="3810.00")

    found = ok(signed(client, "get", "/sapi/v1/margin/orderList", alice_keys, {"orderListId": placed["orderListId"]}))
    assert found["listOrderStatus"] == "ALL_DONE"
    statuses = [Order.objects.get(pk=o["orderId"]).status for o in found["orders"]]
    assert statuses == [Order.Status.FILLED, Order.Status.CANCELED]


def test_oco_errors_are_binances_and_change_nothing(client, alice_keys, holding):
    post = lambda params: signed(client, "post", "/sapi/v1/margin/order/oco", alice_keys, params)  # noqa: E731

    assert refused(post(SELL_OCO | {"price": "3400"}), -2010)["msg"] == (
        "The relationship of the prices for the orders is not correct."
    )
    refused(post({k: v for k, v in SELL_OCO.items() if k != "stopLimitPrice"}), -1102)
    refused(post(SELL_OCO | {"side": "HOLD"}), -1117)
    refused(post(SELL_OCO | {"stopLimitTimeInForce": "FOREVER"}), -1115)
    refused(post(SELL_OCO | {"quantity": "5"}), -2010)  # more ETH than held
    refused(post(SELL_OCO | {"price": "3800.001"}), -1013)
    assert not OrderList.objects.exists() and amounts(holding, "ETH")[1] == 0


def test_another_users_oco_is_unknown_and_stays(client, alice_keys, bob, bob_keys, set_prices):
    set_prices(ETHUSDT="3500.00")
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=cross(bob).pk, asset="USDT", amount="1000")
    order_place(user=bob, account_id=cross(bob).pk, symbol="ETHUSDT", side="BUY", quantity="0.2")
    bobs = ok(signed(client, "post", "/sapi/v1/margin/order/oco", bob_keys, SELL_OCO | {"listClientOrderId": "bobs"}))
    lookup = {"symbol": "ETHUSDT", "orderListId": bobs["orderListId"]}

    refused(signed(client, "get", "/sapi/v1/margin/orderList", alice_keys, lookup), -2013)
    refused(signed(client, "get", "/sapi/v1/margin/orderList", alice_keys, {"origClientOrderId": "bobs"}), -2013)
    refused(signed(client, "delete", "/sapi/v1/margin/orderList", alice_keys, lookup), -2011)
    assert ok(signed(client, "get", "/sapi/v1/margin/openOrderList", alice_keys)) == []
    assert ok(signed(client, "get", "/sapi/v1/margin/allOrderList", alice_keys)) == []
    assert OrderList.objects.get(pk=bobs["orderListId"]).status == OrderList.Status.EXECUTING
