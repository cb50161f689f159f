"""OCO on the spot wallet through /api/v3: order/oco, orderList/oco, orderList, allOrderList, openOrderList.

The margin OCO's service on the spot account. Binance's pages:
https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints#order-lists and
https://developers.binance.com/docs/binance-spot-api-docs/rest-api/account-endpoints
"""

from decimal import Decimal

import pytest

from risk.staff import price_set_now
from tests.binance.conftest import signed
from tests.binance.test_endpoints import OCO_LIST_LEGS, ok, refused
from tests.helpers import amounts, assert_ledger_clean, cross, spot
from trading.models import Order, OrderList
from trading.services.orders import oco_place, order_place
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
# The same OCO as orderList/oco names it: the LIMIT_MAKER leg above the price, the stop leg below.
SELL_LIST = {"symbol": "ETHUSDT", **OCO_LIST_LEGS}
# Buy 0.1 at 3200 (below the price) or, above 3700, at 3710: the stop leg above, the LIMIT_MAKER below.
BUY_LIST = {
    "symbol": "ETHUSDT",
    "side": "BUY",
    "quantity": "0.1",
    "aboveType": "STOP_LOSS_LIMIT",
    "aboveStopPrice": "3700",
    "abovePrice": "3710",
    "aboveTimeInForce": "GTC",
    "belowType": "LIMIT_MAKER",
    "belowPrice": "3200",
}


@pytest.fixture
def holding(alice, set_prices):
    """Alice's spot wallet: 0.2 ETH bought at 3500, the rest of her 10000 USDT."""
    set_prices(ETHUSDT="3500.00")
    order_place(user=alice, account_id=spot(alice).pk, symbol="ETHUSDT", side="BUY", quantity="0.2")
    return spot(alice)


def test_a_deprecated_order_oco_is_placed_queried_listed_and_cancelled(client, alice_keys, holding):
    placed = ok(signed(client, "post", "/api/v3/order/oco", alice_keys, SELL_OCO | {"listClientOrderId": "my-oco"}))

    assert set(placed) == {
        "orderListId", "contingencyType", "listStatusType", "listOrderStatus", "listClientOrderId",
        "transactionTime", "symbol", "orders", "orderReports",
    }  # fmt: skip
    assert (placed["contingencyType"], placed["listStatusType"], placed["listOrderStatus"]) == (
        "OCO",
        "EXEC_STARTED",
        "EXECUTING",
    )
    reports = placed["orderReports"]
    assert [(r["type"], r["price"], r.get("stopPrice")) for r in reports] == [
        ("LIMIT_MAKER", "3800.00000000", None),  # Binance shows stopPrice on the stop leg only
        ("STOP_LOSS_LIMIT", "3290.00000000", "3300.00000000"),
    ]
    assert all(r["orderListId"] == placed["orderListId"] and "isIsolated" not in r for r in reports)
    assert amounts(holding, "ETH")[1] == Decimal("0.1")  # one lock for both legs
    path = "/api/v3/orderList"
    by_id = ok(signed(client, "get", path, alice_keys, {"orderListId": placed["orderListId"]}))
    by_client_id = ok(signed(client, "get", path, alice_keys, {"origClientOrderId": "my-oco"}))
    assert by_id == by_client_id and [o["orderId"] for o in by_id["orders"]] == [r["orderId"] for r in reports]
    assert "isIsolated" not in by_id
    open_lists = ok(signed(client, "get", "/api/v3/openOrderList", alice_keys))
    assert [o["orderListId"] for o in open_lists] == [placed["orderListId"]]
    assert [o["orderListId"] for o in ok(signed(client, "get", "/api/v3/allOrderList", alice_keys))] == [
        placed["orderListId"]
    ]
    leg = ok(
        signed(client, "get", "/api/v3/order", alice_keys, {"symbol": "ETHUSDT", "orderId": reports[0]["orderId"]})
    )
    assert leg["orderListId"] == placed["orderListId"]
    # The margin paths do not see the spot wallet's lists.
    assert ok(signed(client, "get", "/sapi/v1/margin/openOrderList", alice_keys)) == []

    lookup = {"symbol": "ETHUSDT", "orderListId": placed["orderListId"], "newClientOrderId": "my-cancel"}
    cancelled = ok(signed(client, "delete", path, alice_keys, lookup))

    assert (cancelled["listStatusType"], cancelled["listOrderStatus"]) == ("ALL_DONE", "ALL_DONE")
    assert [(r["status"], r["clientOrderId"]) for r in cancelled["orderReports"]] == [
        ("CANCELED", "my-cancel"),
        ("CANCELED", "my-cancel"),
    ]
    assert amounts(holding, "ETH")[1] == 0
    assert ok(signed(client, "get", "/api/v3/openOrderList", alice_keys)) == []
    refused(signed(client, "delete", path, alice_keys, lookup), -2011)
    assert_ledger_clean()


def test_order_list_oco_names_its_legs_above_and_below(client, alice, alice_keys, holding):
    sell = ok(signed(client, "post", "/api/v3/orderList/oco", alice_keys, SELL_LIST | {"aboveClientOrderId": "tp"}))
    buy = ok(signed(client, "post", "/api/v3/orderList/oco", alice_keys, BUY_LIST | {"belowClientOrderId": "dip"}))

    assert [(r["type"], r["side"], r["price"]) for r in sell["orderReports"]] == [
        ("LIMIT_MAKER", "SELL", "3800.00000000"),
        ("STOP_LOSS_LIMIT", "SELL", "3290.00000000"),
    ]
    assert sell["orders"][0]["clientOrderId"] == "tp"
    legs = {r["type"]: r for r in buy["orderReports"]}
    assert (legs["LIMIT_MAKER"]["price"], legs["LIMIT_MAKER"]["clientOrderId"]) == ("3200.00000000", "dip")
    assert (legs["STOP_LOSS_LIMIT"]["price"], legs["STOP_LOSS_LIMIT"]["stopPrice"]) == (
        "3710.00000000",
        "3700.00000000",
    )
    # The buy locks what its dearer leg would pay: 0.1 at 3710.
    assert amounts(spot(alice), "USDT")[1] == Decimal("371")
    assert len(ok(signed(client, "get", "/api/v3/allOrderList", alice_keys, {"limit": "1000"}))) == 2  # the max
    refused(signed(client, "get", "/api/v3/allOrderList", alice_keys, {"limit": "1001"}), -1130)
    every = ok(signed(client, "get", "/api/v3/allOrderList", alice_keys, {"limit": "1"}))
    assert [o["orderListId"] for o in every] == [buy["orderListId"]]
    assert (
        ok(signed(client, "get", "/api/v3/allOrderList", alice_keys, {"fromId": sell["orderListId"], "limit": "1"}))[0][
            "orderListId"
        ]
        == (sell["orderListId"])
    )
    acked = ok(
        signed(
            client,
            "post",
            "/api/v3/orderList/oco",
            alice_keys,
            SELL_LIST | {"quantity": "0.05", "newOrderRespType": "ACK"},
        )
    )
    assert "orderReports" not in acked and len(acked["orders"]) == 2


@pytest.mark.parametrize(
    ("move", "filled", "cancelled"),
    [
        pytest.param("3810.00", "LIMIT_MAKER", "STOP_LOSS_LIMIT", id="up-the-limit-leg-fills"),
        pytest.param("3295.00", "STOP_LOSS_LIMIT", "LIMIT_MAKER", id="down-the-stop-leg-fills"),
    ],
)
def test_the_price_moving_fills_one_leg_and_cancels_the_other(
    client, alice, alice_keys, holding, move, filled, cancelled
):
    placed = ok(signed(client, "post", "/api/v3/orderList/oco", alice_keys, SELL_LIST))
    usdt_before = amounts(holding, "USDT")[0]

    price_set_now(symbol="ETHUSDT", price=move)

    found = ok(signed(client, "get", "/api/v3/orderList", alice_keys, {"orderListId": placed["orderListId"]}))
    assert (found["listStatusType"], found["listOrderStatus"]) == ("ALL_DONE", "ALL_DONE")
    legs = {leg.type: leg for leg in Order.objects.filter(order_list_id=placed["orderListId"])}
    assert legs[filled].status == Order.Status.FILLED and legs[cancelled].status == Order.Status.CANCELED
    free_eth, locked_eth = amounts(holding, "ETH")[:2]
    assert locked_eth == 0 and free_eth == Decimal("0.2") * Decimal("0.999") - Decimal("0.1")
    assert amounts(holding, "USDT")[0] > usdt_before + Decimal("320")  # 0.1 sold at 3290 or better, less the fee
    assert ok(signed(client, "get", "/api/v3/openOrderList", alice_keys)) == []
    assert [t["orderListId"] for t in ok(signed(client, "get", "/api/v3/myTrades", alice_keys, {"symbol": "ETHUSDT"}))][
        -1
    ] == placed["orderListId"]
    assert not cross(alice).orders.exists()
    assert_ledger_clean()


def test_order_list_oco_refuses_what_binance_refuses_and_what_marginlab_cannot_place(client, alice_keys, holding):
    post = lambda params: signed(client, "post", "/api/v3/orderList/oco", alice_keys, params)  # noqa: E731
    without = lambda *names: {k: v for k, v in SELL_LIST.items() if k not in names}  # noqa: E731

    assert "aboveType" in refused(post(without("aboveType")), -1102)["msg"]
    refused(post(SELL_LIST | {"belowType": "LIMIT"}), -1116)
    refused(post(SELL_LIST | {"aboveType": "HOLD"}), -1116)
    # Leg types Binance takes but MarginLab's OCO (one LIMIT_MAKER and one STOP_LOSS_LIMIT leg) cannot place.
    for other in ({"belowType": "STOP_LOSS"}, {"aboveType": "TAKE_PROFIT_LIMIT"}, {"aboveType": "STOP_LOSS_LIMIT"}):
        assert refused(post(SELL_LIST | other), -1014)["msg"] == "Unsupported order combination."
    assert refused(post(SELL_LIST | {"belowTrailingDelta": "100"}), -2010)["msg"] == (
        "Trailing stop orders are not supported for this symbol."
    )
    refused(post(SELL_LIST | {"aboveIcebergQty": "0.01"}), -2010)
    assert "belowStopPrice" in refused(post(without("belowStopPrice")), -1102)["msg"]
    assert "belowTimeInForce" in refused(post(without("belowTimeInForce")), -1102)["msg"]
    assert "abovePrice" in refused(post(without("abovePrice")), -1102)["msg"]
    assert "aboveStopPrice" in refused(post(SELL_LIST | {"aboveStopPrice": "3900"}), -1106)["msg"]
    refused(post(SELL_LIST | {"belowTimeInForce": "FOREVER"}), -1115)
    refused(post(SELL_LIST | {"side": "HOLD"}), -1117)
    # A SELL with the legs the other way round, or prices on the wrong side of the mark: Binance's -2010.
    swapped = BUY_LIST | {"side": "SELL"}
    assert refused(post(swapped), -2010)["msg"] == "The relationship of the prices for the orders is not correct."
    refused(post(SELL_LIST | {"abovePrice": "3400"}), -2010)
    refused(post(SELL_LIST | {"quantity": "5"}), -2010)  # more ETH than the wallet holds
    assert refused(post(SELL_LIST | {"abovePrice": "3800.001"}), -1013)["msg"] == "Filter failure: PRICE_FILTER"
    refused(post(SELL_LIST | {"aboveClientOrderId": "same", "belowClientOrderId": "same"}), -2010)
    # The deprecated path: a plain STOP_LOSS leg (no stopLimitPrice) cannot be placed here either.
    refused(signed(client, "post", "/api/v3/order/oco", alice_keys, without_key(SELL_OCO, "stopLimitPrice")), -1102)
    refused(signed(client, "post", "/api/v3/order/oco", alice_keys, SELL_OCO | {"trailingDelta": "100"}), -2010)
    assert not OrderList.objects.exists() and amounts(holding, "ETH")[1] == 0


@pytest.mark.parametrize(
    ("path", "legs", "name"),
    [
        ("/api/v3/order/oco", SELL_OCO, "listClientOrderId"),
        ("/api/v3/order/oco", SELL_OCO, "limitClientOrderId"),
        ("/api/v3/order/oco", SELL_OCO, "stopClientOrderId"),
        ("/api/v3/orderList/oco", SELL_LIST, "listClientOrderId"),
        ("/api/v3/orderList/oco", SELL_LIST, "aboveClientOrderId"),
        ("/api/v3/orderList/oco", SELL_LIST, "belowClientOrderId"),
        ("/sapi/v1/margin/order/oco", SELL_OCO, "limitClientOrderId"),
    ],
)
@pytest.mark.parametrize("value", ["no spaces", "x" * 37, "é"])
def test_a_bad_client_id_is_named_as_the_caller_sent_it(client, alice_keys, holding, path, legs, name, value):
    body = refused(signed(client, "post", path, alice_keys, legs | {name: value}), -1130)
    assert body["msg"] == f"Data sent for parameter '{name}' is not valid."
    assert not OrderList.objects.exists()


def without_key(params: dict, name: str) -> dict:
    return {k: v for k, v in params.items() if k != name}


def test_cancelling_needs_the_lists_symbol_and_matching_ids(client, alice_keys, holding):
    placed = ok(signed(client, "post", "/api/v3/orderList/oco", alice_keys, SELL_LIST | {"listClientOrderId": "x"}))
    path, list_id = "/api/v3/orderList", placed["orderListId"]

    refused(signed(client, "delete", path, alice_keys, {"orderListId": list_id}), -1102)  # symbol
    refused(signed(client, "delete", path, alice_keys, {"symbol": "ETHUSDT"}), -1102)  # neither id
    refused(signed(client, "delete", path, alice_keys, {"symbol": "BTCUSDT", "orderListId": list_id}), -2011)
    mismatch = {"symbol": "ETHUSDT", "orderListId": list_id, "listClientOrderId": "y"}
    refused(signed(client, "delete", path, alice_keys, mismatch), -2011)
    assert OrderList.objects.get(pk=list_id).status == OrderList.Status.EXECUTING

    by_client_id = ok(signed(client, "delete", path, alice_keys, {"symbol": "ETHUSDT", "listClientOrderId": "x"}))
    assert by_client_id["listOrderStatus"] == "ALL_DONE"
    assert_ledger_clean()


def test_spot_order_list_weights_are_binances(client, alice_keys, holding):
    placed = signed(client, "post", "/api/v3/orderList/oco", alice_keys, SELL_LIST)
    first = int(placed["X-MBX-USED-WEIGHT-1M"])
    list_id = placed.json()["orderListId"]
    steps = [
        ("get", "/api/v3/orderList", {"orderListId": list_id}, 4),
        ("get", "/api/v3/openOrderList", {}, 6),
        ("get", "/api/v3/allOrderList", {}, 20),
        ("delete", "/api/v3/orderList", {"symbol": "ETHUSDT", "orderListId": list_id}, 1),
        ("post", "/api/v3/order/oco", SELL_OCO, 1),
    ]
    used = first
    for method, path, params, weight in steps:
        response = signed(client, method, path, alice_keys, params)
        assert response.status_code == 200, response.content
        used += weight
        assert int(response["X-MBX-USED-WEIGHT-1M"]) == used, path
        assert "X-SAPI-USED-UID-WEIGHT-1M" not in response


def test_another_users_spot_oco_is_unknown_and_unchanged(client, alice, alice_keys, bob, set_prices):
    set_prices(ETHUSDT="3500.00")
    order_place(user=bob, account_id=spot(bob).pk, symbol="ETHUSDT", side="BUY", quantity="0.2")
    bobs = oco_place(
        user=bob, account_id=spot(bob).pk, symbol="ETHUSDT", side="SELL", quantity="0.1", price="3800",
        stop_price="3300", stop_limit_price="3290", list_client_order_id="bobs",
    )  # fmt: skip
    # Alice's own margin OCO is not on her spot paths either.
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="1000"
    )
    order_place(user=alice, account_id=cross(alice).pk, symbol="ETHUSDT", side="BUY", quantity="0.2")
    margin_oco = oco_place(
        user=alice, account_id=cross(alice).pk, symbol="ETHUSDT", side="SELL", quantity="0.1", price="3800",
        stop_price="3300", stop_limit_price="3290", list_client_order_id="alices-margin",
    )  # fmt: skip
    path = "/api/v3/orderList"

    for other in (bobs, margin_oco):
        lookup = {"symbol": "ETHUSDT", "orderListId": other.pk}
        refused(signed(client, "get", path, alice_keys, {"orderListId": other.pk}), -2013)
        refused(signed(client, "get", path, alice_keys, {"origClientOrderId": other.list_client_order_id}), -2013)
        refused(signed(client, "delete", path, alice_keys, lookup), -2011)
        refused(
            signed(
                client,
                "delete",
                path,
                alice_keys,
                {"symbol": "ETHUSDT", "listClientOrderId": other.list_client_order_id},
            ),
            -2011,
        )
        # One of its legs, through the single-order path, is unknown too.
        leg = other.orders.first()
        refused(signed(client, "delete", "/api/v3/order", alice_keys, {"symbol": "ETHUSDT", "orderId": leg.pk}), -2011)
    assert ok(signed(client, "get", "/api/v3/openOrderList", alice_keys)) == []
    assert ok(signed(client, "get", "/api/v3/allOrderList", alice_keys)) == []
    assert set(OrderList.objects.values_list("status", flat=True)) == {OrderList.Status.EXECUTING}
    assert amounts(spot(bob), "ETH")[1] == Decimal("0.1")


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("post", "/api/v3/order/oco", SELL_OCO),
        ("post", "/api/v3/orderList/oco", SELL_LIST),
        ("delete", "/api/v3/orderList", {"symbol": "ETHUSDT", "orderListId": "placed"}),
        ("delete", "/api/v3/orderList", {"symbol": "ETHUSDT", "listClientOrderId": "mine"}),
    ],
)
def test_a_read_only_key_cannot_place_or_cancel_a_spot_oco(
    client, alice_keys, alice_read_only_keys, holding, method, path, params
):
    placed = ok(
        signed(
            client,
            "post",
            "/api/v3/order/oco",
            alice_keys,
            SELL_OCO | {"listClientOrderId": "mine", "quantity": "0.05"},
        )
    )
    params = {k: (placed["orderListId"] if v == "placed" else v) for k, v in params.items()}
    before = (
        list(OrderList.objects.order_by("pk").values_list("pk", "status")),
        list(Order.objects.order_by("pk").values_list("pk", "status")),
    )

    refused(signed(client, method, path, alice_read_only_keys, params), -2015, status=401)
    assert (
        list(OrderList.objects.order_by("pk").values_list("pk", "status")),
        list(Order.objects.order_by("pk").values_list("pk", "status")),
    ) == before
    assert (
        ok(signed(client, "get", "/api/v3/openOrderList", alice_read_only_keys))[0]["orderListId"]
        == placed["orderListId"]
    )
