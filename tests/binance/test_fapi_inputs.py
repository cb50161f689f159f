"""/fapi in the Binance API's bad-input, IDOR and time / id / limit edge tables (tests/binance/test_endpoints.py
keeps the /api and /sapi rows; these are the /fapi ones, checked the same way): every symbol, time, id,
limit and amount parameter of every /fapi path, and another user's orders."""

import json

import pytest

from futures.models import FuturesOrder, FuturesSymbol
from futures.services.orders import futures_order_place
from futures.services.wallet import TO_FUTURES, futures_transfer_create
from tests.binance.conftest import signed as signed_now
from tests.binance.test_endpoints import BAD_SYMBOLS, IN_RANGE, OUT_OF_RANGE
from tests.helpers import DOOR_NUMBERS, amounts
from trading.models import Account, AccountKind


def signed(client, method, path, keys, params=None):
    # The longest recvWindow: on a loaded machine a request can take more than Binance's default 5 s.
    return signed_now(client, method, path, keys, {"recvWindow": "60000", **(params or {})})


def refused(response, code: int, status: int = 400) -> dict:
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    return body


@pytest.fixture
def funded(alice, set_prices):
    FuturesSymbol.objects.update(basis_rate=0)
    set_prices(BTCUSDT=100000, ETHUSDT=2500, BNBUSDT=600, SOLUSDT=150)
    futures_transfer_create(user=alice, type=TO_FUTURES, amount="1000")
    return Account.objects.get(user=alice, kind=AccountKind.FUTURES)


ORDER = {"side": "BUY", "type": "MARKET", "quantity": "0.01"}
ALGO = {"algoType": "CONDITIONAL", "side": "SELL", "type": "STOP_MARKET", "quantity": "0.01", "triggerPrice": "95000"}
# (method, path, the other parameters) of every /fapi path with a symbol parameter.
SYMBOL_PATHS = [
    ("get", "/fapi/v1/depth", {}),
    ("get", "/fapi/v1/ticker/price", {}),
    ("get", "/fapi/v2/ticker/price", {}),
    ("get", "/fapi/v1/ticker/bookTicker", {}),
    ("get", "/fapi/v1/ticker/24hr", {}),
    ("get", "/fapi/v1/klines", {"interval": "1m"}),
    ("get", "/fapi/v1/markPriceKlines", {"interval": "1m"}),
    ("get", "/fapi/v1/premiumIndex", {}),
    ("get", "/fapi/v1/fundingRate", {}),
    ("get", "/fapi/v1/leverageBracket", {}),
    ("get", "/fapi/v2/positionRisk", {}),
    ("get", "/fapi/v3/positionRisk", {}),
    ("get", "/fapi/v1/symbolConfig", {}),
    ("post", "/fapi/v1/leverage", {"leverage": "5"}),
    ("post", "/fapi/v1/marginType", {"marginType": "ISOLATED"}),
    ("post", "/fapi/v1/positionMargin", {"amount": "1", "type": "1"}),
    ("get", "/fapi/v1/positionMargin/history", {}),
    ("get", "/fapi/v1/income", {}),
    ("get", "/fapi/v1/commissionRate", {}),
    ("post", "/fapi/v1/order", ORDER),
    ("get", "/fapi/v1/order", {"orderId": "1"}),
    ("delete", "/fapi/v1/order", {"orderId": "1"}),
    ("delete", "/fapi/v1/batchOrders", {"orderIdList": "[1]"}),
    ("get", "/fapi/v1/openOrders", {}),
    ("get", "/fapi/v1/openOrder", {"orderId": "1"}),
    ("get", "/fapi/v1/allOrders", {}),
    ("delete", "/fapi/v1/allOpenOrders", {}),
    ("get", "/fapi/v1/userTrades", {}),
    ("get", "/fapi/v1/forceOrders", {}),
    ("post", "/fapi/v1/algoOrder", ALGO),
    ("get", "/fapi/v1/algoOrder", {"algoId": "1"}),
    ("delete", "/fapi/v1/algoOrder", {"algoId": "1"}),
    ("get", "/fapi/v1/openAlgoOrders", {}),
    ("get", "/fapi/v1/allAlgoOrders", {}),
    ("delete", "/fapi/v1/algoOpenOrders", {}),
]


@pytest.mark.parametrize("symbol", BAD_SYMBOLS)
@pytest.mark.parametrize(("method", "path", "others"), SYMBOL_PATHS)
def test_a_symbol_with_illegal_characters_is_1100_on_every_fapi_path(
    client, alice_keys, funded, method, path, others, symbol
):
    body = refused(signed(client, method, path, alice_keys, others | {"symbol": symbol}), -1100)
    assert body["msg"].startswith("Illegal characters found in parameter 'symbol'")


@pytest.mark.parametrize(("method", "path", "others"), SYMBOL_PATHS)
def test_an_unknown_but_legal_symbol_is_1121_on_every_fapi_path(client, alice_keys, funded, method, path, others):
    refused(signed(client, method, path, alice_keys, others | {"symbol": "NOPEUSDT"}), -1121)


def test_a_batch_item_with_a_bad_symbol_is_refused_alone(client, alice_keys, funded):
    items = [ORDER | {"symbol": "BTC\x00USDT"}, ORDER | {"symbol": "NOPEUSDT"}, ORDER | {"symbol": "BTCUSDT"}]
    answers = signed(client, "post", "/fapi/v1/batchOrders", alice_keys, {"batchOrders": json.dumps(items)}).json()
    assert [a.get("code") for a in answers] == [-1100, -1121, None] and answers[2]["status"] == "FILLED"


BTC = {"symbol": "BTCUSDT"}
KLINES = BTC | {"interval": "1m"}
TIME_PATHS = [
    ("/fapi/v1/klines", KLINES),
    ("/fapi/v1/markPriceKlines", KLINES),
    ("/fapi/v1/fundingRate", {}),
    ("/fapi/v1/income", {}),
    ("/fapi/v1/allOrders", BTC),
    ("/fapi/v1/userTrades", BTC),
    ("/fapi/v1/forceOrders", {}),
    ("/fapi/v1/positionMargin/history", BTC),
    ("/fapi/v1/allAlgoOrders", BTC),
]
ID_PARAMETERS = [
    ("get", "/fapi/v1/order", "orderId", BTC),
    ("delete", "/fapi/v1/order", "orderId", BTC),
    ("get", "/fapi/v1/openOrder", "orderId", BTC),
    ("get", "/fapi/v1/allOrders", "orderId", BTC),
    ("get", "/fapi/v1/userTrades", "orderId", BTC),
    ("get", "/fapi/v1/userTrades", "fromId", BTC),
    ("get", "/fapi/v1/algoOrder", "algoId", {}),
    ("delete", "/fapi/v1/algoOrder", "algoId", {}),
    ("get", "/fapi/v1/openAlgoOrders", "algoId", {}),
    ("get", "/fapi/v1/allAlgoOrders", "algoId", BTC),
    # A time on a POST: goodTillDate (taken and checked; there is no GTD here, so it changes nothing).
    ("post", "/fapi/v1/algoOrder", "goodTillDate", BTC | ALGO),
]
# (path, the other parameters, Binance's maximum limit)
LIMIT_PATHS = [
    ("/fapi/v1/klines", KLINES, 1500),
    ("/fapi/v1/markPriceKlines", KLINES, 1500),
    ("/fapi/v1/fundingRate", {}, 1000),
    ("/fapi/v1/income", {}, 1000),
    ("/fapi/v1/allOrders", BTC, 1000),
    ("/fapi/v1/userTrades", BTC, 1000),
    ("/fapi/v1/forceOrders", {}, 100),
    ("/fapi/v1/positionMargin/history", BTC, 500),
    ("/fapi/v1/allAlgoOrders", BTC, 1000),
]


def _cases(values: dict) -> list:
    rows = [("get", path, name, others, "time") for path, others in TIME_PATHS for name in ("startTime", "endTime")]
    rows += [
        (method, path, name, others, "time" if name == "goodTillDate" else "id")
        for method, path, name, others in ID_PARAMETERS
    ]
    return [
        pytest.param(method, path, name, others, value, id=f"{method}-{path}-{name}-{value[:12]}")
        for method, path, name, others, kind in rows
        for value in values[kind]
    ]


@pytest.mark.parametrize(("method", "path", "name", "others", "value"), _cases(OUT_OF_RANGE))
def test_a_time_or_id_out_of_range_is_1130_on_every_fapi_path(
    client, alice_keys, funded, method, path, name, others, value
):
    body = refused(signed(client, method, path, alice_keys, others | {name: value}), -1130)
    assert body["msg"] == f"Data sent for parameter '{name}' is not valid."


@pytest.mark.parametrize(("method", "path", "name", "others", "value"), _cases(IN_RANGE))
def test_a_time_or_id_at_the_edge_of_its_range_is_taken(client, alice_keys, funded, method, path, name, others, value):
    response = signed(client, method, path, alice_keys, others | {name: value})
    assert response.status_code == 200 or response.json()["code"] in (-2011, -2013), response.content


@pytest.mark.parametrize(("path", "others", "most"), LIMIT_PATHS)
def test_the_largest_limit_is_taken_and_one_more_refused(client, alice_keys, funded, path, others, most):
    assert signed(client, "get", path, alice_keys, others | {"limit": str(most)}).status_code == 200
    for value in (str(most + 1), "0", "-1", str(2**63), "9" * 20):
        refused(signed(client, "get", path, alice_keys, others | {"limit": value}), -1130)


TRAILING = {"algoType": "CONDITIONAL", "side": "SELL", "type": "TRAILING_STOP_MARKET", "quantity": "0.01"}


@pytest.mark.parametrize(("name", "text"), DOOR_NUMBERS, ids=[name for name, _ in DOOR_NUMBERS])
@pytest.mark.parametrize(
    ("path", "field", "others"),
    [
        ("/fapi/v1/order", "quantity", BTC | {"side": "BUY", "type": "MARKET"}),
        ("/fapi/v1/order", "price", BTC | {"side": "BUY", "type": "LIMIT", "quantity": "0.01", "timeInForce": "GTC"}),
        ("/fapi/v1/order", "stopPrice", BTC | {"side": "SELL", "type": "STOP_MARKET", "quantity": "0.01"}),
        ("/fapi/v1/algoOrder", "quantity", BTC | {k: v for k, v in ALGO.items() if k != "quantity"}),
        ("/fapi/v1/algoOrder", "triggerPrice", BTC | ALGO),
        ("/fapi/v1/algoOrder", "price", BTC | ALGO | {"type": "STOP", "timeInForce": "GTC"}),
        ("/fapi/v1/algoOrder", "callbackRate", BTC | {**TRAILING, "callbackRate": "1"}),
        ("/fapi/v1/algoOrder", "activatePrice", BTC | {**TRAILING, "callbackRate": "1"}),
        ("/fapi/v1/positionMargin", "amount", BTC | {"type": "1"}),
        ("/fapi/v1/leverage", "leverage", BTC),
        ("/sapi/v1/futures/transfer", "amount", {"asset": "USDT", "type": "1"}),
        ("/sapi/v1/asset/transfer", "amount", {"asset": "USDT", "type": "MAIN_UMFUTURE"}),
    ],
)
def test_a_number_that_is_not_a_plain_decimal_is_1100(client, alice_keys, funded, path, field, others, name, text):
    before = amounts(funded, "USDT")
    body = refused(signed(client, "post", path, alice_keys, others | {field: text}), -1100)
    assert body["msg"].startswith(f"Illegal characters found in parameter '{field}'")
    assert amounts(funded, "USDT") == before


@pytest.mark.parametrize(
    "path",
    ["/fapi/v1/order", "/fapi/v1/algoOrder", "/fapi/v1/leverage", "/fapi/v1/marginType", "/fapi/v1/positionMargin"],
)
def test_a_read_only_key_cannot_trade_on_fapi(client, alice_read_only_keys, funded, path):
    refused(signed(client, "post", path, alice_read_only_keys, BTC | ORDER), -2015, status=401)


def test_the_last_page_of_all_algo_orders_is_taken_and_one_more_refused(client, alice_keys, funded):
    for value in IN_RANGE["current"]:
        assert signed(client, "get", "/fapi/v1/allAlgoOrders", alice_keys, BTC | {"page": value}).status_code == 200
    for value in OUT_OF_RANGE["current"]:
        refused(signed(client, "get", "/fapi/v1/allAlgoOrders", alice_keys, BTC | {"page": value}), -1130)


def test_fapi_weights_are_counted_in_binances_header(client, funded):
    assert client.get("/fapi/v1/exchangeInfo")["X-MBX-USED-WEIGHT-1M"] == "1"
    assert client.get("/fapi/v1/depth?symbol=BTCUSDT&limit=1000")["X-MBX-USED-WEIGHT-1M"] == "21"
    assert client.get("/fapi/v1/nope").json()["code"] == -1020


# --- another user's orders (IDOR) ----------------------------------------------------------------------


def test_another_users_futures_order_is_unknown_and_stays_as_it_was(client, alice_keys, funded, bob):
    futures_transfer_create(user=bob, type=TO_FUTURES, amount="1000")
    bobs = futures_order_place(user=bob, symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.002", price="90000")
    futures_order_place(user=bob, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.002")
    by_id = BTC | {"orderId": str(bobs.pk)}
    by_client_id = BTC | {"origClientOrderId": bobs.client_order_id}

    assert refused(signed(client, "get", "/fapi/v1/order", alice_keys, by_id), -2013)["msg"] == "Order does not exist."
    refused(signed(client, "get", "/fapi/v1/order", alice_keys, by_client_id), -2013)
    refused(signed(client, "get", "/fapi/v1/openOrder", alice_keys, by_id), -2013)
    assert refused(signed(client, "delete", "/fapi/v1/order", alice_keys, by_id), -2011)["msg"] == "Unknown order sent."
    refused(signed(client, "delete", "/fapi/v1/order", alice_keys, by_client_id), -2011)
    cancels = signed(
        client, "delete", "/fapi/v1/batchOrders", alice_keys, BTC | {"orderIdList": json.dumps([bobs.pk])}
    ).json()
    assert cancels[0]["code"] == -2011
    signed(client, "delete", "/fapi/v1/allOpenOrders", alice_keys, BTC)
    for path in ("/fapi/v1/openOrders", "/fapi/v1/allOrders", "/fapi/v1/userTrades", "/fapi/v1/income"):
        listed = signed(client, "get", path, alice_keys, BTC).json()
        assert all(row.get("orderId") != bobs.pk for row in listed) and not any(
            row.get("incomeType") == "COMMISSION" for row in listed
        )
    bobs.refresh_from_db()
    assert bobs.status == FuturesOrder.Status.NEW


def test_another_users_algo_order_is_unknown_and_stays_as_it_was(client, alice_keys, funded, bob):
    futures_transfer_create(user=bob, type=TO_FUTURES, amount="1000")
    bobs = futures_order_place(
        user=bob, symbol="BTCUSDT", side="SELL", type="STOP_MARKET", quantity="0.002", stop_price="90000", algo=True
    )
    by_id, by_client_id = {"algoId": str(bobs.pk)}, {"clientAlgoId": bobs.client_order_id}

    for lookup in (by_id, by_client_id, BTC | by_id):
        assert refused(signed(client, "get", "/fapi/v1/algoOrder", alice_keys, lookup), -2013)["msg"] == (
            "Order does not exist."
        )
        assert refused(signed(client, "delete", "/fapi/v1/algoOrder", alice_keys, lookup), -2011)["msg"] == (
            "Unknown order sent."
        )
    assert signed(client, "delete", "/fapi/v1/algoOpenOrders", alice_keys, BTC).json()["code"] == 200
    assert signed(client, "get", "/fapi/v1/openAlgoOrders", alice_keys).json() == []
    assert signed(client, "get", "/fapi/v1/openAlgoOrders", alice_keys, by_id).json() == []
    assert signed(client, "get", "/fapi/v1/allAlgoOrders", alice_keys, BTC | by_id).json() == []
    bobs.refresh_from_db()
    assert (bobs.status, bobs.triggered_at) == (FuturesOrder.Status.NEW, None)
