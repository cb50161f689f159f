"""Spot trading on the spot wallet through /api/v3: the margin order service on the spot account.

Binance's spot trading endpoints: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints
and account endpoints: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/account-endpoints
"""

from decimal import Decimal

import pytest

from tests.binance.conftest import signed
from tests.binance.test_endpoints import ok, refused
from tests.helpers import amounts, assert_ledger_clean, cross, spot
from trading.models import Order
from trading.services.orders import order_place
from trading.services.transfers import transfer_create

LIMIT = {"symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.1", "price": "3000"}


def test_spot_market_buy_fills_from_the_spot_wallet_and_shows_binance_spot_fields(client, alice, alice_keys):
    placed = ok(
        signed(
            client,
            "post",
            "/api/v3/order",
            alice_keys,
            {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.1"},
        )
    )

    assert placed["status"] == "FILLED" and placed["orderListId"] == -1 and "isIsolated" not in placed
    fill = placed["fills"][0]
    assert fill["qty"] == "0.10000000" and fill["commissionAsset"] == "ETH"
    free_usdt = amounts(spot(alice), "USDT")[0]
    assert free_usdt == Decimal(10000) - Decimal(placed["cummulativeQuoteQty"])
    assert amounts(spot(alice), "ETH")[0] == Decimal("0.1") - Decimal(fill["commission"])
    assert not cross(alice).orders.exists()  # the cross account did not trade
    trades = ok(signed(client, "get", "/api/v3/myTrades", alice_keys, {"symbol": "ETHUSDT"}))
    assert [t["id"] for t in trades] == [fill["tradeId"]] and "isIsolated" not in trades[0]
    assert trades[0]["orderListId"] == -1 and trades[0]["isBuyer"] is True
    assert_ledger_clean()


def test_spot_limit_order_rests_is_found_listed_and_cancelled(client, alice, alice_keys):
    resting = ok(signed(client, "post", "/api/v3/order", alice_keys, LIMIT | {"newClientOrderId": "spot-1"}))
    assert resting["status"] == "NEW"
    assert amounts(spot(alice), "USDT")[1] == Decimal(300)  # locked for the buy

    by_id = ok(signed(client, "get", "/api/v3/order", alice_keys, {"symbol": "ETHUSDT", "orderId": resting["orderId"]}))
    by_client_id = ok(
        signed(client, "get", "/api/v3/order", alice_keys, {"symbol": "ETHUSDT", "origClientOrderId": "spot-1"})
    )
    assert by_id == by_client_id and by_id["isWorking"] is True and "isIsolated" not in by_id
    listed = ok(signed(client, "get", "/api/v3/openOrders", alice_keys, {"symbol": "ETHUSDT"}))
    assert [o["orderId"] for o in listed] == [resting["orderId"]]
    assert [o["orderId"] for o in ok(signed(client, "get", "/api/v3/openOrders", alice_keys))] == [resting["orderId"]]
    assert ok(signed(client, "get", "/sapi/v1/margin/openOrders", alice_keys, {"symbol": "ETHUSDT"})) == []

    cancelled = ok(
        signed(client, "delete", "/api/v3/order", alice_keys, {"symbol": "ETHUSDT", "orderId": resting["orderId"]})
    )

    assert cancelled["status"] == "CANCELED" and cancelled["origClientOrderId"] == "spot-1"
    assert amounts(spot(alice), "USDT")[:2] == (Decimal(10000), Decimal(0))
    refused(
        signed(client, "delete", "/api/v3/order", alice_keys, {"symbol": "ETHUSDT", "orderId": resting["orderId"]}),
        -2011,
    )
    every = ok(signed(client, "get", "/api/v3/allOrders", alice_keys, {"symbol": "ETHUSDT"}))
    assert [(o["orderId"], o["status"]) for o in every] == [(resting["orderId"], "CANCELED")]


def test_cancel_all_open_spot_orders_of_a_symbol(client, alice, alice_keys):
    first = ok(signed(client, "post", "/api/v3/order", alice_keys, LIMIT))
    second = ok(signed(client, "post", "/api/v3/order", alice_keys, LIMIT | {"price": "2900"}))

    cancelled = ok(signed(client, "delete", "/api/v3/openOrders", alice_keys, {"symbol": "ETHUSDT"}))

    assert [(o["orderId"], o["status"]) for o in cancelled] == [
        (first["orderId"], "CANCELED"),
        (second["orderId"], "CANCELED"),
    ]
    assert amounts(spot(alice), "USDT")[1] == 0


def test_spot_orders_have_the_margin_orders_filters_and_errors(client, alice, alice_keys):
    post = lambda params: signed(client, "post", "/api/v3/order", alice_keys, params)  # noqa: E731

    assert "timeInForce" in refused(post({k: v for k, v in LIMIT.items() if k != "timeInForce"}), -1102)["msg"]
    refused(post(LIMIT | {"side": "HOLD"}), -1117)
    refused(post(LIMIT | {"type": "STOP_LOSS"}), -1116)
    assert refused(post(LIMIT | {"price": "3000.001"}), -1013)["msg"] == "Filter failure: PRICE_FILTER"
    assert refused(post(LIMIT | {"quantity": "0.00001"}), -1013)["msg"] == "Filter failure: LOT_SIZE"
    refused(post(LIMIT | {"type": "LIMIT_MAKER", "price": "3600", "timeInForce": ""}), -2010)  # would take
    # More than the wallet holds is -2010: a spot wallet borrows nothing, whatever sideEffectType says.
    refused(post(LIMIT | {"quantity": "4", "sideEffectType": "MARGIN_BUY"}), -2010)
    refused(post({"symbol": "ETHUSDT", "side": "SELL", "type": "MARKET", "quantity": "1"}), -2010)
    assert not spot(alice).orders.exists() and amounts(spot(alice), "USDT")[:3] == (Decimal(10000), 0, 0)


def test_order_test_checks_everything_and_keeps_nothing(client, alice, alice_keys, platform):
    market = {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.1"}
    path = "/api/v3/order/test"

    assert ok(signed(client, "post", path, alice_keys, market)) == {}
    assert ok(signed(client, "post", path, alice_keys, LIMIT)) == {}
    rates = ok(signed(client, "post", path, alice_keys, market | {"computeCommissionRates": "true"}))
    assert rates["standardCommissionForOrder"] == {"maker": "0.00100000", "taker": "0.00100000"}
    refused(signed(client, "post", path, alice_keys, market | {"quantity": "100"}), -2010)
    refused(signed(client, "post", path, alice_keys, LIMIT | {"price": "3000.001"}), -1013)

    assert not Order.objects.exists()
    assert amounts(spot(alice), "USDT")[:2] == (Decimal(10000), Decimal(0))
    assert_ledger_clean()


def test_spot_account_shows_real_commission_rates_and_can_trade(client, alice_keys, platform):
    platform.maker_fee, platform.taker_fee = Decimal("0.0008"), Decimal("0.0012")
    platform.save()

    account = ok(signed(client, "get", "/api/v3/account", alice_keys))

    assert account["commissionRates"] == {
        "maker": "0.00080000",
        "taker": "0.00120000",
        "buyer": "0.00000000",
        "seller": "0.00000000",
    }
    assert (account["makerCommission"], account["takerCommission"], account["canTrade"]) == (8, 12, True)


def test_another_users_spot_order_is_unknown_and_unchanged(client, alice_keys, bob):
    bobs = order_place(
        user=bob, account_id=spot(bob).pk, symbol="ETHUSDT", side="BUY", type="LIMIT", quantity="0.1", price="3000"
    )
    lookup = {"symbol": "ETHUSDT", "orderId": bobs.pk}

    refused(signed(client, "get", "/api/v3/order", alice_keys, lookup), -2013)
    refused(signed(client, "delete", "/api/v3/order", alice_keys, lookup), -2011)
    refused(
        signed(
            client,
            "delete",
            "/api/v3/order",
            alice_keys,
            {"symbol": "ETHUSDT", "origClientOrderId": bobs.client_order_id},
        ),
        -2011,
    )
    assert ok(signed(client, "get", "/api/v3/openOrders", alice_keys)) == []
    assert ok(signed(client, "get", "/api/v3/allOrders", alice_keys, {"symbol": "ETHUSDT"})) == []
    bobs.refresh_from_db()
    assert bobs.status == Order.Status.NEW and amounts(spot(bob), "USDT")[1] == Decimal(300)


def test_a_margin_order_is_not_a_spot_order(client, alice, alice_keys):
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="1000"
    )
    margin = ok(signed(client, "post", "/sapi/v1/margin/order", alice_keys, LIMIT))

    refused(
        signed(client, "get", "/api/v3/order", alice_keys, {"symbol": "ETHUSDT", "orderId": margin["orderId"]}), -2013
    )
    assert ok(signed(client, "get", "/api/v3/allOrders", alice_keys, {"symbol": "ETHUSDT"})) == []


@pytest.mark.parametrize("path", ["/api/v3/order", "/api/v3/order/test", "/api/v3/openOrders"])
def test_a_read_only_key_cannot_trade_spot(client, alice, alice_read_only_keys, path):
    method = "delete" if path == "/api/v3/openOrders" else "post"
    params = {"symbol": "ETHUSDT"} if method == "delete" else LIMIT
    refused(signed(client, method, path, alice_read_only_keys, params), -2015, status=401)
    assert not Order.objects.exists()
