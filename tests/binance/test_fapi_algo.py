"""/fapi's algo service (conditional orders) through Django's test client: Binance's shapes, the same
futures orders underneath (placed, triggered by a moved mark, filled), and Binance's codes for bad input."""

from decimal import Decimal

import pytest

from futures.models import ALGO_CONDITIONAL, FuturesOrder, FuturesPosition, FuturesSymbol
from futures.services.orders import futures_order_place
from futures.services.wallet import TO_FUTURES, futures_transfer_create
from futures.tasks import tick
from tests.binance.conftest import signed
from tests.helpers import amounts, assert_ledger_clean
from trading.models import Account, AccountKind

BTC = {"symbol": "BTCUSDT"}
STOP_MARKET = BTC | {"algoType": "CONDITIONAL", "side": "SELL", "type": "STOP_MARKET", "quantity": "0.01"}
# Binance's example of an algo order, key for key (Query All Algo Orders' response example).
KEYS = {
    "algoId", "clientAlgoId", "algoType", "orderType", "symbol", "side", "positionSide", "timeInForce",
    "quantity", "algoStatus", "actualOrderId", "actualPrice", "triggerPrice", "price", "icebergQuantity",
    "tpTriggerPrice", "tpPrice", "slTriggerPrice", "slPrice", "tpOrderType", "selfTradePreventionMode",
    "workingType", "priceMatch", "closePosition", "priceProtect", "reduceOnly", "createTime", "updateTime",
    "triggerTime", "goodTillDate",
}  # fmt: skip


def ok(response):
    assert response.status_code == 200, response.content
    return response.json()


def refused(response, code: int, status: int = 400) -> dict:
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    return body


def fapi(client, method, path, keys, params=None):
    return signed(client, method, f"/fapi/v1/{path}", keys, {"recvWindow": "60000", **(params or {})})


@pytest.fixture
def wallet(alice, platform, set_prices):
    FuturesSymbol.objects.update(basis_rate=Decimal(0))
    set_prices(BTCUSDT=100000, ETHUSDT=2500, BNBUSDT=600, SOLUSDT=150)
    futures_transfer_create(user=alice, type=TO_FUTURES, amount="1000")
    return Account.objects.get(user=alice, kind=AccountKind.FUTURES)


def test_a_stop_market_placed_as_an_algo_order_is_answered_in_binances_shape(client, alice_keys, wallet):
    placed = ok(fapi(client, "post", "algoOrder", alice_keys, STOP_MARKET | {"triggerPrice": "95000"}))

    assert set(placed) == KEYS
    assert placed["algoType"] == "CONDITIONAL" and placed["orderType"] == "STOP_MARKET"
    assert (placed["algoStatus"], placed["triggerPrice"], placed["quantity"]) == ("NEW", "95000.00000000", "0.01000000")
    assert placed["actualOrderId"] == "" and placed["triggerTime"] == 0 and placed["icebergQuantity"] is None
    assert placed["workingType"] == "CONTRACT_PRICE" and placed["positionSide"] == "BOTH"
    order = FuturesOrder.objects.get(pk=placed["algoId"])
    assert (order.algo_type, order.type, order.stop_price) == (ALGO_CONDITIONAL, "STOP_MARKET", Decimal(95000))
    assert order.client_order_id == placed["clientAlgoId"]

    by_id = ok(fapi(client, "get", "algoOrder", alice_keys, {"algoId": str(order.pk)}))
    by_client_id = ok(fapi(client, "get", "algoOrder", alice_keys, {"clientAlgoId": order.client_order_id}))
    assert by_id == by_client_id == placed
    assert [o["algoId"] for o in ok(fapi(client, "get", "openAlgoOrders", alice_keys, BTC))] == [order.pk]
    assert [o["algoId"] for o in ok(fapi(client, "get", "allAlgoOrders", alice_keys, BTC))] == [order.pk]
    # Until it triggers the matching engine does not know it, as on Binance.
    assert ok(fapi(client, "get", "openOrders", alice_keys, BTC)) == []
    assert ok(fapi(client, "get", "allOrders", alice_keys, BTC)) == []
    refused(fapi(client, "get", "order", alice_keys, BTC | {"orderId": str(order.pk)}), -2013)
    refused(fapi(client, "delete", "order", alice_keys, BTC | {"orderId": str(order.pk)}), -2011)

    cancelled = ok(fapi(client, "delete", "algoOrder", alice_keys, {"algoId": str(order.pk)}))
    assert cancelled == {"algoId": order.pk, "clientAlgoId": order.client_order_id, "code": "200", "msg": "success"}
    assert ok(fapi(client, "get", "algoOrder", alice_keys, {"algoId": str(order.pk)}))["algoStatus"] == "CANCELED"
    assert ok(fapi(client, "get", "openAlgoOrders", alice_keys)) == []
    refused(fapi(client, "delete", "algoOrder", alice_keys, {"algoId": str(order.pk)}), -2011)


def test_a_stop_triggers_when_the_mark_crosses_and_fills_into_the_position(
    client, alice, alice_keys, wallet, set_prices
):
    futures_order_place(user=alice, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    stop = ok(
        fapi(
            client,
            "post",
            "algoOrder",
            alice_keys,
            STOP_MARKET | {"triggerPrice": "95000", "reduceOnly": "true", "workingType": "MARK_PRICE"},
        )
    )
    take_profit = ok(
        fapi(
            client,
            "post",
            "algoOrder",
            alice_keys,
            BTC
            | {
                "algoType": "CONDITIONAL",
                "side": "SELL",
                "type": "TAKE_PROFIT",
                "quantity": "0.01",
                "price": "110000",
                "triggerPrice": "110000",
                "timeInForce": "GTC",
                "reduceOnly": "true",
                "clientAlgoId": "my-tp_1",
            },
        )
    )
    assert take_profit["clientAlgoId"] == "my-tp_1" and take_profit["price"] == "110000.00000000"
    set_prices(BTCUSDT=96000)
    assert tick()["fills"] == 0
    assert ok(fapi(client, "get", "algoOrder", alice_keys, {"algoId": str(stop["algoId"])}))["algoStatus"] == "NEW"

    set_prices(BTCUSDT=94900)
    assert tick()["fills"] == 1

    done = ok(fapi(client, "get", "algoOrder", alice_keys, {"algoId": str(stop["algoId"])}))
    assert done["algoStatus"] == "FINISHED" and done["actualOrderId"] == str(stop["algoId"]) and done["triggerTime"] > 0
    assert Decimal(done["actualPrice"]) < Decimal(94900)  # the mark moved by the platform's slippage
    actual = ok(fapi(client, "get", "order", alice_keys, BTC | {"orderId": done["actualOrderId"]}))
    assert (actual["status"], actual["type"], actual["executedQty"]) == ("FILLED", "STOP_MARKET", "0.01000000")
    assert FuturesPosition.objects.get(account=wallet, symbol__symbol="BTCUSDT").position_amt == 0
    assert len(ok(fapi(client, "get", "userTrades", alice_keys, BTC))) == 2
    # The take-profit still waits; with nothing left to reduce it expires when it triggers.
    assert [o["algoId"] for o in ok(fapi(client, "get", "openAlgoOrders", alice_keys))] == [take_profit["algoId"]]
    listed = ok(fapi(client, "get", "allAlgoOrders", alice_keys, BTC))
    assert [(o["algoId"], o["algoStatus"]) for o in listed] == [
        (stop["algoId"], "FINISHED"),
        (take_profit["algoId"], "NEW"),
    ]
    assert_ledger_clean()


def test_a_triggered_stop_limit_rests_in_the_matching_engine(client, alice, alice_keys, wallet, set_prices):
    params = BTC | {"algoType": "CONDITIONAL", "side": "BUY", "type": "STOP", "quantity": "0.002"}
    stop = ok(fapi(client, "post", "algoOrder", alice_keys, params | {"price": "100500", "triggerPrice": "101000"}))
    set_prices(BTCUSDT=101200)  # triggered; the limit 100,500 is under the mark: it rests
    assert tick()["fills"] == 0

    triggered = ok(fapi(client, "get", "algoOrder", alice_keys, {"algoId": str(stop["algoId"])}))
    assert (triggered["algoStatus"], triggered["orderType"]) == ("TRIGGERED", "STOP")
    assert ok(fapi(client, "get", "openAlgoOrders", alice_keys)) == []
    (resting,) = ok(fapi(client, "get", "openOrders", alice_keys, BTC))
    assert (resting["orderId"], resting["type"], resting["origType"]) == (stop["algoId"], "LIMIT", "STOP")
    # The algo service no longer cancels it (it is the engine's); /fapi/v1/order does.
    refused(fapi(client, "delete", "algoOrder", alice_keys, {"algoId": str(stop["algoId"])}), -2011)
    ok(fapi(client, "delete", "order", alice_keys, BTC | {"orderId": str(stop["algoId"])}))
    assert ok(fapi(client, "get", "algoOrder", alice_keys, {"algoId": str(stop["algoId"])}))["algoStatus"] == "FINISHED"


def test_a_trailing_stop_and_cancel_all_algo_orders(client, alice, alice_keys, wallet):
    trailing = BTC | {"algoType": "CONDITIONAL", "side": "SELL", "type": "TRAILING_STOP_MARKET", "quantity": "0.01"}
    placed = ok(
        fapi(client, "post", "algoOrder", alice_keys, trailing | {"callbackRate": "1", "activatePrice": "102000"})
    )
    assert (placed["callbackRate"], placed["activatePrice"]) == ("1.0", "102000.00000000")
    ok(fapi(client, "post", "algoOrder", alice_keys, STOP_MARKET | {"triggerPrice": "90000"}))
    eth = ok(
        fapi(
            client,
            "post",
            "algoOrder",
            alice_keys,
            STOP_MARKET | {"symbol": "ETHUSDT", "triggerPrice": "2000", "quantity": "0.1"},
        )
    )

    done = ok(fapi(client, "delete", "algoOpenOrders", alice_keys, BTC))
    assert done == {"code": 200, "msg": "The operation of cancel all open order is done."}
    assert [o["algoId"] for o in ok(fapi(client, "get", "openAlgoOrders", alice_keys))] == [eth["algoId"]]
    assert {o["algoStatus"] for o in ok(fapi(client, "get", "allAlgoOrders", alice_keys, BTC))} == {"CANCELED"}


def test_algo_order_errors_are_binances_and_change_nothing(client, alice_keys, wallet):
    post = lambda params: fapi(client, "post", "algoOrder", alice_keys, params)  # noqa: E731
    stop = STOP_MARKET | {"triggerPrice": "95000"}
    before = amounts(wallet, "USDT")

    refused(post(stop | {"algoType": "VP"}), -1130)
    refused(post({k: v for k, v in stop.items() if k != "algoType"}), -1102)
    refused(post(stop | {"type": "LIMIT"}), -1116)
    refused(post(stop | {"type": "MARKET"}), -1116)
    refused(post(stop | {"side": "HOLD"}), -1117)
    refused(post({k: v for k, v in stop.items() if k != "triggerPrice"}), -1102)
    refused(post({k: v for k, v in stop.items() if k != "quantity"}), -1102)
    refused(post(stop | {"price": "95000"}), -1106)
    refused(post(stop | {"type": "STOP", "timeInForce": "GTC"}), -1102)  # no price
    refused(post(stop | {"type": "STOP", "price": "95000", "timeInForce": "DAY"}), -1115)
    refused(post(stop | {"triggerPrice": "101000"}), -2021)  # a sell stop above the mark
    refused(post(stop | {"triggerPrice": "95000.05"}), -1013)  # off the tick
    refused(post(stop | {"quantity": "5"}), -2019)
    refused(post(stop | {"positionSide": "LONG"}), -4061)
    refused(post(stop | {"symbol": "NOPEUSDT"}), -1121)
    refused(post(stop | {"clientAlgoId": "no spaces"}), -1100)
    refused(post(stop | {"priceMatch": "OPPONENT"}), -1130)
    refused(post(stop | {"type": "TRAILING_STOP_MARKET", "callbackRate": "1"}), -1106)  # triggerPrice sent
    ok(post(stop | {"clientAlgoId": "same"}))
    refused(post(stop | {"clientAlgoId": "same"}), -4116)
    refused(fapi(client, "get", "algoOrder", alice_keys), -1102)
    refused(fapi(client, "get", "algoOrder", alice_keys, {"algoId": "987654"}), -2013)
    refused(fapi(client, "delete", "algoOrder", alice_keys, {"clientAlgoId": "nope"}), -2011)
    assert FuturesOrder.objects.filter(account=wallet).count() == 1
    assert amounts(wallet, "USDT") == before  # a waiting stop pays nothing


def test_algo_weights_are_binances(client, alice_keys, wallet):
    assert (
        fapi(client, "post", "algoOrder", alice_keys, STOP_MARKET | {"triggerPrice": "95000"})["X-MBX-USED-WEIGHT-1M"]
        == "0"
    )
    assert fapi(client, "get", "openAlgoOrders", alice_keys, BTC)["X-MBX-USED-WEIGHT-1M"] == "1"
    assert fapi(client, "get", "openAlgoOrders", alice_keys)["X-MBX-USED-WEIGHT-1M"] == "41"
    assert fapi(client, "get", "allAlgoOrders", alice_keys, BTC)["X-MBX-USED-WEIGHT-1M"] == "46"


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("delete", "algoOrder", {"algoId": "placed"}),
        ("delete", "algoOrder", {"clientAlgoId": "mine"}),
        ("delete", "algoOpenOrders", BTC),
    ],
)
def test_a_read_only_key_cannot_cancel_algo_orders(
    client, alice, alice_keys, alice_read_only_keys, wallet, method, path, params
):
    placed = ok(
        fapi(client, "post", "algoOrder", alice_keys, STOP_MARKET | {"triggerPrice": "95000", "clientAlgoId": "mine"})
    )
    params = {k: (str(placed["algoId"]) if v == "placed" else v) for k, v in params.items()}

    refused(fapi(client, method, path, alice_read_only_keys, params), -2015, status=401)
    assert (
        ok(fapi(client, "get", "algoOrder", alice_read_only_keys, {"algoId": str(placed["algoId"])}))["algoStatus"]
        == "NEW"
    )


def test_a_stop_that_triggers_while_its_cancel_is_on_the_way_is_refused(
    client, alice_keys, wallet, set_prices, monkeypatch
):
    """The view reads the order (still NEW), then the stop triggers before the cancel takes the lock: the
    cancel is refused with -2011 as on Binance, and the triggered order keeps working in the engine."""
    from futures.fapi import selectors as fapi_selectors

    params = BTC | {"algoType": "CONDITIONAL", "side": "BUY", "type": "STOP", "quantity": "0.002"}
    stop = ok(fapi(client, "post", "algoOrder", alice_keys, params | {"price": "100500", "triggerPrice": "101000"}))
    found = fapi_selectors.algo_order_find

    def find_then_trigger(**kwargs):
        order = found(**kwargs)  # read while it waits for its trigger
        set_prices(BTCUSDT=101200)
        tick()  # triggered meanwhile; its limit rests in the matching engine
        return order

    monkeypatch.setattr(fapi_selectors, "algo_order_find", find_then_trigger)
    refused(fapi(client, "delete", "algoOrder", alice_keys, {"algoId": str(stop["algoId"])}), -2011)
    monkeypatch.undo()

    order = FuturesOrder.objects.get(pk=stop["algoId"])
    assert order.triggered_at is not None and order.status == FuturesOrder.Status.NEW
    assert (
        ok(fapi(client, "get", "algoOrder", alice_keys, {"algoId": str(stop["algoId"])}))["algoStatus"] == "TRIGGERED"
    )
