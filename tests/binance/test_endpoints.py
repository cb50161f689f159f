"""The Binance-compatible endpoints one by one: public market data, accounts, orders, loans, transfers,
weights and errors, through Django's test client."""

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.errors import ApplicationError, Conflict, InsufficientBalance, MarginRuleViolation, NotFound
from tests.binance.conftest import signed
from tests.helpers import DOOR_NUMBERS, UNIT, amounts, cross, cross_owing, spot
from trading.binance import errors
from trading.models import Account, AccountKind, PriceCandle
from trading.services.accounts import isolated_account_open
from trading.services.markets import mark_price_set
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


def ok(response):
    assert response.status_code == 200, response.content
    return response.json()


def refused(response, code: int, status: int = 400) -> dict:
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    return body


@pytest.fixture
def funded(alice):
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="1000"
    )
    return cross(alice)


# --- public market data -----------------------------------------------------------------------------------


def test_ping_time_and_exchange_info(client, platform):
    assert ok(client.get("/api/v3/ping")) == {}
    assert abs(ok(client.get("/api/v3/time"))["serverTime"] - time.time() * 1000) < 5000

    info = ok(client.get("/api/v3/exchangeInfo"))
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    filters = {f["filterType"]: f for f in btc["filters"]}
    assert btc["status"] == "TRADING" and btc["isMarginTradingAllowed"] is True
    assert (btc["baseAsset"], btc["quoteAsset"], btc["baseAssetPrecision"]) == ("BTC", "USDT", 8)
    assert filters["PRICE_FILTER"]["tickSize"] == "0.01000000"
    assert filters["LOT_SIZE"]["stepSize"] == "0.00001000" and filters["LOT_SIZE"]["minQty"] == "0.00001000"
    assert filters["NOTIONAL"]["minNotional"] == "5.00000000"
    assert "MARKET" in btc["orderTypes"] and "LIMIT_MAKER" in btc["orderTypes"]
    one = ok(client.get('/api/v3/exchangeInfo?symbols=["ETHUSDT","BTCUSDT"]'))
    assert [s["symbol"] for s in one["symbols"]] == ["ETHUSDT", "BTCUSDT"]
    refused(client.get("/api/v3/exchangeInfo?symbol=NOPEUSDT"), -1121)


def test_coin_m_futures_exchange_info_lists_nothing(client, platform):
    # /fapi lists the USDⓈ-M perpetuals (tests/binance/test_fapi_endpoints.py); there are no COIN-M ones.
    info = ok(client.get("/dapi/v1/exchangeInfo"))
    assert info["symbols"] == [] and info["timezone"] == "UTC"


def test_tickers_and_24hr_statistics_come_from_the_price_history(client, alice, funded, set_prices):
    now = datetime.now(UTC)
    # A price history of the last day: opened at 3000, went to 3600 and down to 2900, now 3500.
    for minutes_ago, price in ((23 * 60, "3000"), (600, "3600"), (300, "2900"), (0, "3500")):
        mark_price_set(symbol="ETHUSDT", price=price, now=now - timedelta(minutes=minutes_ago))
    order_place(user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", quantity="0.1")

    assert ok(client.get("/api/v3/ticker/price?symbol=ETHUSDT")) == {"symbol": "ETHUSDT", "price": "3500.00000000"}
    assert len(ok(client.get("/api/v3/ticker/price"))) == 8
    day = ok(client.get("/api/v3/ticker/24hr?symbol=ETHUSDT"))
    assert (day["openPrice"], day["highPrice"], day["lowPrice"], day["lastPrice"]) == (
        "3000.00000000",
        "3600.00000000",
        "2900.00000000",
        "3500.00000000",
    )
    assert day["priceChange"] == "500.00000000" and day["priceChangePercent"] == "16.667"
    assert day["volume"] == "0.10000000" and day["count"] == 1
    assert Decimal(day["bidPrice"]) < Decimal("3500") < Decimal(day["askPrice"])  # the slippage of a market order
    assert len(ok(client.get("/api/v3/ticker/24hr"))) == 8
    book = ok(client.get("/api/v3/ticker/bookTicker?symbol=ETHUSDT"))
    assert book["bidPrice"] == day["bidPrice"] and book["askPrice"] == day["askPrice"]


def test_klines_are_built_from_the_stored_candles(client, platform):
    start = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
    for minute, price in enumerate(["100", "110", "90", "105", "101", "102"]):
        mark_price_set(symbol="ETHUSDT", price=price, now=start + timedelta(minutes=minute, seconds=30))
    start_ms = int(start.timestamp() * 1000)

    ones = ok(client.get(f"/api/v3/klines?symbol=ETHUSDT&interval=1m&startTime={start_ms}"))
    fives = ok(client.get(f"/api/v3/klines?symbol=ETHUSDT&interval=5m&startTime={start_ms}"))
    week = ok(client.get(f"/api/v3/klines?symbol=ETHUSDT&interval=1w&startTime={start_ms}"))

    assert len(ones) == 6 and ones[0][:5] == [start_ms, "100.00000000", "100.00000000", "100.00000000", "100.00000000"]
    assert fives[0][:5] == [start_ms, "100.00000000", "110.00000000", "90.00000000", "101.00000000"]
    assert fives[0][6] == start_ms + 5 * 60 * 1000 - 1 and fives[1][1] == "102.00000000"
    assert week == [[start_ms, "100.00000000", "110.00000000", "90.00000000", "102.00000000", *week[0][5:]]]
    assert len(ok(client.get(f"/api/v3/klines?symbol=ETHUSDT&interval=1m&startTime={start_ms}&limit=2"))) == 2
    assert ok(client.get("/api/v3/klines?symbol=ETHUSDT&interval=1m&limit=1"))[0][4] == "102.00000000"
    assert PriceCandle.objects.filter(pair__symbol="ETHUSDT", interval="1m").count() >= 6
    refused(client.get("/api/v3/klines?symbol=ETHUSDT&interval=1M"), -1120)
    refused(client.get("/api/v3/klines?symbol=ETHUSDT"), -1102)


# --- accounts --------------------------------------------------------------------------------------------


def test_cross_account_shows_margin_level_and_every_asset(client, alice, alice_keys, funded):
    no_debt = ok(signed(client, "get", "/sapi/v1/margin/account", alice_keys))
    assert no_debt["marginLevel"] == "999.00000000" and no_debt["TotalCollateralValueInUSDT"] == "1000.00000000"
    assert {a["asset"] for a in no_debt["userAssets"]} >= {"USDT", "BTC", "ETH"}
    ok(
        signed(
            client,
            "post",
            "/sapi/v1/margin/borrow-repay",
            alice_keys,
            {"asset": "USDT", "amount": "1000", "type": "BORROW"},
        )
    )

    account = ok(signed(client, "get", "/sapi/v1/margin/account", alice_keys))

    usdt = next(a for a in account["userAssets"] if a["asset"] == "USDT")
    assert usdt["free"] == "2000.00000000" and usdt["borrowed"] == "1000.00000000"
    assert Decimal(usdt["interest"]) > 0 and usdt["netAsset"] == f"{Decimal(1000) - Decimal(usdt['interest']):.8f}"
    assert Decimal(account["marginLevel"]) == pytest.approx(Decimal(2000) / (1000 + Decimal(usdt["interest"])))
    assert Decimal(account["totalLiabilityOfBtc"]) == pytest.approx((1000 + Decimal(usdt["interest"])) / 95000)


def test_isolated_accounts_enable_limit_and_listing(client, alice, alice_keys):
    assert ok(signed(client, "get", "/sapi/v1/margin/isolated/accountLimit", alice_keys)) == {
        "enabledAccount": 0,
        "maxAccount": 10,
    }
    assert ok(signed(client, "post", "/sapi/v1/margin/isolated/account", alice_keys, {"symbol": "ethusdt"})) == {
        "success": True,
        "symbol": "ETHUSDT",
    }
    # Enabling it again is no error; a pair that does not exist is.
    ok(signed(client, "post", "/sapi/v1/margin/isolated/account", alice_keys, {"symbol": "ETHUSDT"}))
    refused(signed(client, "post", "/sapi/v1/margin/isolated/account", alice_keys, {"symbol": "NOPEUSDT"}), -1121)
    isolated_account_open(user=alice, symbol="BTCUSDT")

    every = ok(signed(client, "get", "/sapi/v1/margin/isolated/account", alice_keys))
    some = ok(signed(client, "get", "/sapi/v1/margin/isolated/account", alice_keys, {"symbols": "BTCUSDT"}))

    assert [a["symbol"] for a in every["assets"]] == ["ETHUSDT", "BTCUSDT"] and "totalAssetOfBtc" in every
    assert [a["symbol"] for a in some["assets"]] == ["BTCUSDT"] and "totalAssetOfBtc" not in some
    assert some["assets"][0]["marginLevelStatus"] == "EXCESSIVE" and some["assets"][0]["indexPrice"] == "95000.00000000"
    assert ok(signed(client, "get", "/sapi/v1/margin/isolated/accountLimit", alice_keys))["enabledAccount"] == 2


def test_pairs_assets_price_index_and_currencies(client, alice_keys):
    key = {"HTTP_X_MBX_APIKEY": alice_keys[0]}
    pairs = ok(client.get("/sapi/v1/margin/allPairs", **key))
    isolated = ok(client.get("/sapi/v1/margin/isolated/allPairs", **key))
    btc = next(p for p in pairs if p["symbol"] == "BTCUSDT")
    assert {"base": "BTC", "quote": "USDT", "isMarginTrade": True}.items() <= btc.items() and "id" in btc
    assert "id" not in isolated[0] and len(isolated) == 8
    refused(client.get("/sapi/v1/margin/allPairs"), -2014, status=401)  # MARKET_DATA: a key, no signature
    assert ok(client.get("/sapi/v1/margin/priceIndex?symbol=BTCUSDT", **key))["price"] == "95000.00000000"
    assets = {a["assetName"]: a for a in ok(client.get("/sapi/v1/margin/allAssets", **key))}
    assert assets["BTC"]["isBorrowable"] is True

    coins = {c["coin"]: c for c in ok(signed(client, "get", "/sapi/v1/capital/config/getall", alice_keys))}
    assert coins["USDT"]["free"] == "10000.00000000" and coins["USDT"]["networkList"][0]["withdrawEnable"] is False
    spot_account = ok(signed(client, "get", "/api/v3/account", alice_keys))
    assert {"asset": "USDT", "free": "10000.00000000", "locked": "0.00000000"} in spot_account["balances"]


# --- orders, loans, transfers ----------------------------------------------------------------------------


def test_order_response_types_open_all_orders_and_trades(client, alice, alice_keys, funded):
    order = {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.05"}
    ack = ok(signed(client, "post", "/sapi/v1/margin/order", alice_keys, order | {"newOrderRespType": "ACK"}))
    result = ok(signed(client, "post", "/sapi/v1/margin/order", alice_keys, order | {"newOrderRespType": "RESULT"}))
    full = ok(signed(client, "post", "/sapi/v1/margin/order", alice_keys, order | {"newClientOrderId": "my-id-1"}))
    resting = ok(
        signed(
            client,
            "post",
            "/sapi/v1/margin/order",
            alice_keys,
            {
                "symbol": "ETHUSDT",
                "side": "BUY",
                "type": "LIMIT",
                "timeInForce": "GTC",
                "quantity": "0.1",
                "price": "3000",
            },
        )
    )

    assert set(ack) == {"symbol", "orderId", "orderListId", "clientOrderId", "isIsolated", "transactTime"}
    assert result["status"] == "FILLED" and "fills" not in result
    assert full["clientOrderId"] == "my-id-1" and full["fills"][0]["commissionAsset"] == "ETH"
    by_client_id = ok(
        signed(
            client, "get", "/sapi/v1/margin/order", alice_keys, {"symbol": "ETHUSDT", "origClientOrderId": "my-id-1"}
        )
    )
    assert (
        by_client_id["orderId"] == full["orderId"]
        and by_client_id["cummulativeQuoteQty"] == full["cummulativeQuoteQty"]
    )
    open_orders = ok(signed(client, "get", "/sapi/v1/margin/openOrders", alice_keys, {"symbol": "ETHUSDT"}))
    assert [o["orderId"] for o in open_orders] == [resting["orderId"]] and open_orders[0]["isWorking"] is True
    every = ok(signed(client, "get", "/sapi/v1/margin/allOrders", alice_keys, {"symbol": "ETHUSDT"}))
    assert [o["orderId"] for o in every] == [ack["orderId"], result["orderId"], full["orderId"], resting["orderId"]]
    later = ok(
        signed(
            client, "get", "/sapi/v1/margin/allOrders", alice_keys, {"symbol": "ETHUSDT", "orderId": full["orderId"]}
        )
    )
    assert [o["orderId"] for o in later] == [full["orderId"], resting["orderId"]]
    trades = ok(signed(client, "get", "/sapi/v1/margin/myTrades", alice_keys, {"symbol": "ETHUSDT"}))
    assert len(trades) == 3 and trades[2]["orderId"] == full["orderId"] and trades[2]["isBuyer"] is True
    assert trades[2]["id"] == full["fills"][0]["tradeId"]

    cancelled = ok(signed(client, "delete", "/sapi/v1/margin/openOrders", alice_keys, {"symbol": "ETHUSDT"}))
    assert [(o["orderId"], o["status"]) for o in cancelled] == [(resting["orderId"], "CANCELED")]
    assert amounts(funded, "USDT")[1] == 0  # nothing left locked


def test_binance_parameter_rules_for_orders(client, alice_keys, funded):
    post = lambda params: signed(client, "post", "/sapi/v1/margin/order", alice_keys, params)  # noqa: E731
    limit = {"symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.1", "price": "3000"}

    assert "timeInForce" in refused(post(limit), -1102)["msg"]
    refused(post(limit | {"timeInForce": "GTC", "side": "HOLD"}), -1117)
    refused(post(limit | {"timeInForce": "GTC", "type": "STOP_LOSS"}), -1116)
    refused(post(limit | {"timeInForce": "FOREVER"}), -1115)
    assert refused(post(limit | {"timeInForce": "GTC", "quantity": "0.1x"}), -1100)["msg"].startswith(
        "Illegal characters found in parameter 'quantity'"
    )
    assert (
        refused(post(limit | {"timeInForce": "GTC", "price": "3000.001"}), -1013)["msg"]
        == "Filter failure: PRICE_FILTER"
    )
    assert (
        refused(post(limit | {"timeInForce": "GTC", "quantity": "0.00001"}), -1013)["msg"] == "Filter failure: LOT_SIZE"
    )
    assert refused(post(limit | {"timeInForce": "GTC", "quoteOrderQty": "10"}), -1106)["msg"] == (
        "Parameter 'quoteOrderQty' sent when not required."
    )
    refused(post(limit | {"timeInForce": "GTC", "symbol": "NOPEUSDT"}), -1121)
    refused(post(limit | {"type": "LIMIT_MAKER", "price": "3600"}), -2010)  # would take
    assert Account.objects.get(pk=funded.pk).orders.count() == 0


def test_borrow_repay_max_borrowable_and_their_errors(client, alice_keys, funded):
    borrow = {"asset": "USDT", "type": "BORROW", "isIsolated": "FALSE"}
    most = ok(signed(client, "get", "/sapi/v1/margin/maxBorrowable", alice_keys, {"asset": "USDT"}))
    assert most == {"amount": "2000.00000000", "borrowLimit": "5000000.00000000"}  # (1000 + b) / b >= 1.5

    refused(signed(client, "post", "/sapi/v1/margin/borrow-repay", alice_keys, borrow | {"amount": "2000.1"}), -3006)
    loan = ok(signed(client, "post", "/sapi/v1/margin/borrow-repay", alice_keys, borrow | {"amount": "500"}))
    repay = {"asset": "USDT", "type": "REPAY"}
    refused(signed(client, "post", "/sapi/v1/margin/borrow-repay", alice_keys, repay | {"amount": "600"}), -3015)
    refused(
        signed(
            client, "post", "/sapi/v1/margin/borrow-repay", alice_keys, {"asset": "ETH", "type": "REPAY", "amount": "1"}
        ),
        -3015,
    )
    refused(
        signed(client, "post", "/sapi/v1/margin/borrow-repay", alice_keys, borrow | {"asset": "NOPE", "amount": "1"}),
        -3027,
    )
    refused(
        signed(
            client, "post", "/sapi/v1/margin/borrow-repay", alice_keys, borrow | {"amount": "1", "isIsolated": "TRUE"}
        ),
        -1102,
    )
    repaid = ok(signed(client, "post", "/sapi/v1/margin/repay", alice_keys, {"asset": "USDT", "amount": "100"}))

    assert loan["tranId"] != repaid["tranId"]
    free, locked, borrowed, interest = amounts(funded, "USDT")
    assert borrowed + interest == pytest.approx(Decimal(400), abs=Decimal("0.01"))


def test_transfers_in_every_direction_binance_names(client, alice, alice_keys, funded):
    isolated_account_open(user=alice, symbol="ETHUSDT")
    isolated = Account.objects.get(user=alice, kind=AccountKind.ISOLATED)
    transfer = "/sapi/v1/asset/transfer"

    ok(signed(client, "post", transfer, alice_keys, {"type": "MAIN_MARGIN", "asset": "USDT", "amount": "100"}))
    ok(
        signed(
            client,
            "post",
            transfer,
            alice_keys,
            {"type": "MARGIN_ISOLATEDMARGIN", "asset": "USDT", "amount": "50", "toSymbol": "ETHUSDT"},
        )
    )
    ok(
        signed(
            client,
            "post",
            transfer,
            alice_keys,
            {"type": "ISOLATED_MARGIN_MAIN", "asset": "USDT", "amount": "20", "fromSymbol": "ETHUSDT"},
        )
    )
    ok(signed(client, "post", "/sapi/v1/margin/transfer", alice_keys, {"type": "2", "asset": "USDT", "amount": "100"}))
    ok(
        signed(
            client,
            "post",
            "/sapi/v1/margin/isolated/transfer",
            alice_keys,
            {"asset": "USDT", "symbol": "ETHUSDT", "transFrom": "SPOT", "transTo": "ISOLATED_MARGIN", "amount": "5"},
        )
    )

    assert amounts(funded, "USDT")[0] == Decimal("950")
    assert amounts(isolated, "USDT")[0] == Decimal("35")
    refused(
        signed(client, "post", transfer, alice_keys, {"type": "MAIN_MARGIN", "asset": "USDT", "amount": "1000000"}),
        -3041,
    )
    refused(
        signed(
            client,
            "post",
            transfer,
            alice_keys,
            {"type": "MAIN_CMFUTURE", "asset": "USDT", "amount": "1"},  # COIN-M: none here
        ),
        -1130,
    )
    refused(
        signed(
            client,
            "post",
            transfer,
            alice_keys,
            {"type": "MAIN_ISOLATED_MARGIN", "asset": "BTC", "amount": "1", "toSymbol": "ETHUSDT"},
        ),
        -3027,
    )
    refused(
        signed(
            client,
            "post",
            transfer,
            alice_keys,
            {"type": "MAIN_ISOLATED_MARGIN", "asset": "USDT", "amount": "1", "toSymbol": "BTCUSDT"},
        ),
        -11001,
    )


# --- weights and errors ---------------------------------------------------------------------------------


def test_weights_are_counted_in_headers_and_429_past_the_limit(client, settings, alice_keys):
    settings.MARGINLAB_BINANCE_IP_WEIGHT_LIMIT = 45

    first = client.get("/api/v3/exchangeInfo")
    second = client.get("/api/v3/exchangeInfo")
    third = client.get("/api/v3/ping")
    sapi = signed(client, "get", "/sapi/v1/margin/account", alice_keys)

    assert first["X-MBX-USED-WEIGHT-1M"] == "20" and second["X-MBX-USED-WEIGHT-1M"] == "40"
    assert third.status_code == 200 and third["X-MBX-USED-WEIGHT-1M"] == "41"
    body = refused(sapi, -1003, status=429)
    assert "current limit is 45 request weight per 1 MINUTE" in body["msg"]
    assert 1 <= int(sapi["Retry-After"]) <= 60 and sapi["X-SAPI-USED-IP-WEIGHT-1M"] == "51"


def test_uid_weights_are_counted_per_user(client, settings, alice_keys, funded):
    settings.MARGINLAB_BINANCE_UID_WEIGHT_LIMIT = 3000
    borrow = {"asset": "USDT", "amount": "1", "type": "BORROW"}

    assert (
        signed(client, "post", "/sapi/v1/margin/borrow-repay", alice_keys, borrow)["X-SAPI-USED-UID-WEIGHT-1M"]
        == "1500"
    )
    ok(signed(client, "post", "/sapi/v1/margin/borrow-repay", alice_keys, borrow))
    refused(signed(client, "post", "/sapi/v1/margin/borrow-repay", alice_keys, borrow), -1003, status=429)
    assert amounts(funded, "USDT")[2] == Decimal(2)  # the third borrow never ran


def test_unknown_paths_and_methods_answer_in_binance_shape(client, platform):
    refused(client.get("/sapi/v1/margin/exchange-small-liability"), -1020, status=404)
    refused(client.get("/api/v3/historicalTrades?symbol=BTCUSDT"), -1020, status=404)
    refused(client.post("/api/v3/ping"), -1020, status=405)
    # Binance answers JSON whatever a client accepts.
    assert client.get("/api/v3/ping", HTTP_ACCEPT="text/html").json() == {}


@pytest.mark.parametrize(
    ("exc", "action", "code"),
    [
        (InsufficientBalance("x"), "order", -2010),
        (InsufficientBalance("x"), "repay", -3041),
        (MarginRuleViolation("x"), "order", -2010),
        (MarginRuleViolation("x"), "borrow", -3006),
        (MarginRuleViolation("x"), "transfer", -3020),
        (NotFound("x", code="unknown_order"), "query", -2013),
        (NotFound("x", code="unknown_order"), "cancel", -2011),
        (ApplicationError("x", code="pool_exhausted"), "borrow", -3045),
        (ApplicationError("x", code="not_borrowable"), "borrow", -3012),
        (ApplicationError("x", code="no_price"), "order", -3042),
        (ApplicationError("x", code="account_frozen", status=403), "order", -3022),
        (ApplicationError("x", code="symbol_not_allowed"), "order", -3021),
        (ApplicationError("Order would immediately match and take.", code="would_take"), "order", -2010),
        (Conflict("x", code="duplicate_client_order_id"), "order", -2010),
        (ApplicationError("At most 10 isolated margin accounts.", code="isolated_limit"), "account", -1013),
        (ApplicationError("Repaying 5 USDT is more than the 4 owed.", fields={"amount": ["x"]}), "repay", -3015),
        (ApplicationError("Amount has more than 8 decimal places.", fields={"amount": ["x"]}), "borrow", -1111),
    ],
)
def test_service_errors_become_binance_errors(exc, action, code):
    translated = errors.translate(exc, action=action)

    assert translated.code == code and translated.status_code == 400


def test_ccxt_and_python_binance_messages_are_binances_own():
    assert errors.translate(InsufficientBalance("x"), action="order").msg == (
        "Account has insufficient balance for requested action."
    )
    assert errors.translate(ApplicationError("x", code="would_trigger"), action="order").msg == (
        "Order would trigger immediately."
    )


def test_the_max_borrowable_shown_is_accepted_and_one_unit_more_refused(client, alice, alice_keys):
    cross_owing(alice)  # due hours of interest not yet charged: maxBorrowable counts them
    most = Decimal(ok(signed(client, "get", "/sapi/v1/margin/maxBorrowable", alice_keys, {"asset": "USDT"}))["amount"])
    borrow = {"asset": "USDT", "type": "BORROW", "isIsolated": "FALSE"}
    path = "/sapi/v1/margin/borrow-repay"

    refused(signed(client, "post", path, alice_keys, borrow | {"amount": str(most + UNIT)}), -3006)
    ok(signed(client, "post", path, alice_keys, borrow | {"amount": str(most)}))
    assert ok(signed(client, "get", "/sapi/v1/margin/maxBorrowable", alice_keys, {"asset": "USDT"}))["amount"] == (
        "0.00000000"
    )


# --- bad input on every path ------------------------------------------------------------------------------
# The lists below name every parameter of its kind on every Binance path, with what the request needs
# besides it to get as far as reading that parameter; a new endpoint (futures too) adds its rows. Every
# request goes signed: the public paths ignore the key and the signature.

OCO_LEGS = {"side": "SELL", "quantity": "0.1", "price": "3800", "stopPrice": "3300", "stopLimitPrice": "3290"}
# The same legs as the spot orderList/oco names them (tests/binance/test_spot_oco.py).
OCO_LIST_LEGS = {
    "side": "SELL",
    "quantity": "0.1",
    "aboveType": "LIMIT_MAKER",
    "abovePrice": "3800",
    "belowType": "STOP_LOSS_LIMIT",
    "belowStopPrice": "3300",
    "belowPrice": "3290",
    "belowTimeInForce": "GTC",
}

# (method, path, symbol parameter, the other parameters)
SYMBOL_PARAMETERS = [
    ("get", "/api/v3/exchangeInfo", "symbol", {}),
    ("get", "/api/v3/exchangeInfo", "symbols", {}),
    ("get", "/api/v3/ticker/price", "symbol", {}),
    ("get", "/api/v3/ticker/price", "symbols", {}),
    ("get", "/api/v3/depth", "symbol", {}),
    ("get", "/api/v3/ticker/bookTicker", "symbol", {}),
    ("get", "/api/v3/ticker/bookTicker", "symbols", {}),
    ("get", "/api/v3/ticker/24hr", "symbol", {}),
    ("get", "/api/v3/ticker/24hr", "symbols", {}),
    ("get", "/api/v3/klines", "symbol", {"interval": "1m"}),
    ("get", "/sapi/v1/margin/isolated/account", "symbols", {}),
    ("post", "/sapi/v1/margin/isolated/account", "symbol", {}),
    ("post", "/sapi/v1/margin/isolated/create", "base", {"quote": "USDT"}),
    ("post", "/sapi/v1/margin/isolated/create", "quote", {"base": "ETH"}),
    ("get", "/sapi/v1/margin/allPairs", "symbol", {}),
    ("get", "/sapi/v1/margin/isolated/allPairs", "symbol", {}),
    ("get", "/sapi/v1/margin/priceIndex", "symbol", {}),
    ("post", "/sapi/v1/margin/order", "symbol", {"side": "BUY", "type": "MARKET", "quantity": "0.01"}),
    (
        "post",
        "/sapi/v1/margin/order",
        "symbol",
        {"side": "BUY", "type": "MARKET", "quantity": "0.01", "isIsolated": "TRUE"},
    ),
    ("get", "/sapi/v1/margin/order", "symbol", {"orderId": "1"}),
    ("delete", "/sapi/v1/margin/order", "symbol", {"orderId": "1"}),
    ("get", "/sapi/v1/margin/openOrders", "symbol", {}),
    ("get", "/sapi/v1/margin/openOrders", "symbol", {"isIsolated": "TRUE"}),
    ("delete", "/sapi/v1/margin/openOrders", "symbol", {}),
    ("get", "/sapi/v1/margin/allOrders", "symbol", {}),
    ("get", "/sapi/v1/margin/myTrades", "symbol", {}),
    ("post", "/api/v3/order", "symbol", {"side": "BUY", "type": "MARKET", "quantity": "0.01"}),
    ("get", "/api/v3/avgPrice", "symbol", {}),
    ("get", "/sapi/v1/margin/pair", "symbol", {}),
    ("get", "/sapi/v1/margin/isolated/pair", "symbol", {}),
    ("get", "/sapi/v1/margin/isolatedMarginData", "symbol", {}),
    ("get", "/sapi/v1/margin/isolatedMarginTier", "symbol", {}),
    ("get", "/sapi/v1/asset/tradeFee", "symbol", {}),
    ("get", "/sapi/v1/margin/maxTransferable", "isolatedSymbol", {"asset": "USDT"}),
    ("get", "/sapi/v1/margin/borrow-repay", "isolatedSymbol", {"type": "BORROW"}),
    ("get", "/sapi/v1/margin/loan", "isolatedSymbol", {"asset": "USDT"}),
    ("get", "/sapi/v1/margin/repay", "isolatedSymbol", {"asset": "USDT"}),
    ("get", "/sapi/v1/margin/interestHistory", "isolatedSymbol", {}),
    ("get", "/sapi/v1/margin/forceLiquidationRec", "isolatedSymbol", {}),
    ("post", "/sapi/v1/margin/order/oco", "symbol", OCO_LEGS),
    ("post", "/sapi/v1/margin/order/oco", "symbol", OCO_LEGS | {"isIsolated": "TRUE"}),
    ("get", "/sapi/v1/margin/orderList", "symbol", {"isIsolated": "TRUE", "orderListId": "1"}),
    ("delete", "/sapi/v1/margin/orderList", "symbol", {"orderListId": "1"}),
    ("get", "/sapi/v1/margin/allOrderList", "symbol", {"isIsolated": "TRUE"}),
    ("get", "/sapi/v1/margin/openOrderList", "symbol", {"isIsolated": "TRUE"}),
    ("post", "/api/v3/order/test", "symbol", {"side": "BUY", "type": "MARKET", "quantity": "0.01"}),
    ("get", "/api/v3/order", "symbol", {"orderId": "1"}),
    ("delete", "/api/v3/order", "symbol", {"orderId": "1"}),
    ("get", "/api/v3/openOrders", "symbol", {}),
    ("delete", "/api/v3/openOrders", "symbol", {}),
    ("get", "/api/v3/allOrders", "symbol", {}),
    ("get", "/api/v3/myTrades", "symbol", {}),
    ("post", "/api/v3/order/oco", "symbol", OCO_LEGS),
    ("post", "/api/v3/orderList/oco", "symbol", OCO_LIST_LEGS),
    ("delete", "/api/v3/orderList", "symbol", {"orderListId": "1"}),
    ("get", "/sapi/v1/margin/maxBorrowable", "isolatedSymbol", {"asset": "USDT"}),
    (
        "post",
        "/sapi/v1/margin/borrow-repay",
        "symbol",
        {"asset": "USDT", "type": "BORROW", "isIsolated": "TRUE", "amount": "1"},
    ),
    ("post", "/sapi/v1/margin/loan", "symbol", {"asset": "USDT", "isIsolated": "TRUE", "amount": "1"}),
    ("post", "/sapi/v1/margin/repay", "symbol", {"asset": "USDT", "isIsolated": "TRUE", "amount": "1"}),
    ("post", "/sapi/v1/asset/transfer", "toSymbol", {"type": "MAIN_ISOLATED_MARGIN", "asset": "USDT", "amount": "1"}),
    ("post", "/sapi/v1/asset/transfer", "fromSymbol", {"type": "ISOLATED_MARGIN_MAIN", "asset": "USDT", "amount": "1"}),
    (
        "post",
        "/sapi/v1/margin/isolated/transfer",
        "symbol",
        {"asset": "USDT", "transFrom": "SPOT", "transTo": "ISOLATED_MARGIN", "amount": "1"},
    ),
]

BAD_SYMBOLS = [
    pytest.param("BTC\x00USDT", id="nul"),  # PostgreSQL refuses a NUL in any text: was a DataError, a 500
    pytest.param("BTCUSDT\n", id="newline"),  # "$" alone would let it through
    pytest.param("\uff22TCUSDT", id="fullwidth"),  # upper-cased and looked up, it could match
]


@pytest.mark.parametrize("symbol", BAD_SYMBOLS)
@pytest.mark.parametrize(("method", "path", "name", "others"), SYMBOL_PARAMETERS)
def test_a_symbol_with_illegal_characters_is_1100_on_every_path(client, alice_keys, method, path, name, others, symbol):
    value = json.dumps([symbol]) if name == "symbols" and path.startswith("/api/v3/") else symbol
    body = refused(signed(client, method, path, alice_keys, others | {name: value}), -1100)
    assert body["msg"].startswith(f"Illegal characters found in parameter '{name}'")


@pytest.mark.parametrize(("method", "path", "name", "others"), [row for row in SYMBOL_PARAMETERS if row[2] != "quote"])
def test_an_unknown_but_legal_symbol_is_1121(client, alice_keys, funded, method, path, name, others):
    value = json.dumps(["NOPEUSDT"]) if name == "symbols" and path.startswith("/api/v3/") else "NOPEUSDT"
    refused(signed(client, method, path, alice_keys, others | {name: value}), -1121)


def test_symbols_nested_too_deep_are_invalid_not_a_500(client, platform):
    deep = "[" * 1000 + "]" * 1000
    for path in ("/api/v3/ticker/price", "/api/v3/ticker/bookTicker", "/api/v3/ticker/24hr", "/api/v3/exchangeInfo"):
        assert refused(client.get(path, {"symbols": deep}), -1130)["msg"] == (
            "Data sent for parameter 'symbols' is not valid."
        )


# (method, path, parameter, the other parameters): every time, id and limit parameter.
MS_9999 = 253402300799999  # the last millisecond of year 9999: the latest time there is
NUMBER_PARAMETERS = {
    "time": [
        ("get", "/api/v3/klines", "startTime", {"symbol": "ETHUSDT", "interval": "1m"}),
        ("get", "/api/v3/klines", "endTime", {"symbol": "ETHUSDT", "interval": "1m"}),
        ("get", "/sapi/v1/margin/allOrders", "startTime", {"symbol": "ETHUSDT"}),
        ("get", "/sapi/v1/margin/allOrders", "endTime", {"symbol": "ETHUSDT"}),
        ("get", "/sapi/v1/margin/myTrades", "startTime", {"symbol": "ETHUSDT"}),
        ("get", "/sapi/v1/margin/myTrades", "endTime", {"symbol": "ETHUSDT"}),
        ("get", "/api/v3/allOrders", "startTime", {"symbol": "ETHUSDT"}),
        ("get", "/api/v3/allOrders", "endTime", {"symbol": "ETHUSDT"}),
        ("get", "/api/v3/myTrades", "startTime", {"symbol": "ETHUSDT"}),
        ("get", "/api/v3/myTrades", "endTime", {"symbol": "ETHUSDT"}),
        ("get", "/sapi/v1/margin/borrow-repay", "startTime", {"type": "BORROW"}),
        ("get", "/sapi/v1/margin/borrow-repay", "endTime", {"type": "BORROW"}),
        ("get", "/sapi/v1/margin/loan", "startTime", {"asset": "USDT"}),
        ("get", "/sapi/v1/margin/loan", "endTime", {"asset": "USDT"}),
        ("get", "/sapi/v1/margin/repay", "startTime", {"asset": "USDT"}),
        ("get", "/sapi/v1/margin/repay", "endTime", {"asset": "USDT"}),
        ("get", "/sapi/v1/margin/interestHistory", "startTime", {}),
        ("get", "/sapi/v1/margin/interestHistory", "endTime", {}),
        ("get", "/sapi/v1/margin/forceLiquidationRec", "startTime", {}),
        ("get", "/sapi/v1/margin/forceLiquidationRec", "endTime", {}),
        ("get", "/sapi/v1/margin/allOrderList", "startTime", {}),
        ("get", "/sapi/v1/margin/allOrderList", "endTime", {}),
        ("get", "/api/v3/allOrderList", "startTime", {}),
        ("get", "/api/v3/allOrderList", "endTime", {}),
    ],
    "id": [
        ("get", "/sapi/v1/margin/order", "orderId", {"symbol": "ETHUSDT"}),
        ("delete", "/sapi/v1/margin/order", "orderId", {"symbol": "ETHUSDT"}),
        ("get", "/sapi/v1/margin/allOrders", "orderId", {"symbol": "ETHUSDT"}),
        ("get", "/sapi/v1/margin/myTrades", "orderId", {"symbol": "ETHUSDT"}),
        ("get", "/sapi/v1/margin/myTrades", "fromId", {"symbol": "ETHUSDT"}),
        ("get", "/api/v3/order", "orderId", {"symbol": "ETHUSDT"}),
        ("delete", "/api/v3/order", "orderId", {"symbol": "ETHUSDT"}),
        ("get", "/api/v3/allOrders", "orderId", {"symbol": "ETHUSDT"}),
        ("get", "/api/v3/myTrades", "orderId", {"symbol": "ETHUSDT"}),
        ("get", "/api/v3/myTrades", "fromId", {"symbol": "ETHUSDT"}),
        ("get", "/sapi/v1/margin/borrow-repay", "txId", {"type": "BORROW"}),
        ("get", "/sapi/v1/margin/loan", "txId", {"asset": "USDT"}),
        ("get", "/sapi/v1/margin/repay", "txId", {"asset": "USDT"}),
        ("get", "/sapi/v1/margin/orderList", "orderListId", {}),
        ("delete", "/sapi/v1/margin/orderList", "orderListId", {"symbol": "ETHUSDT"}),
        ("get", "/sapi/v1/margin/allOrderList", "fromId", {}),
        ("get", "/api/v3/orderList", "orderListId", {}),
        ("delete", "/api/v3/orderList", "orderListId", {"symbol": "ETHUSDT"}),
        ("get", "/api/v3/allOrderList", "fromId", {}),
    ],
    "limit": [
        ("get", "/api/v3/klines", "limit", {"symbol": "ETHUSDT", "interval": "1m"}),
        ("get", "/sapi/v1/margin/allOrders", "limit", {"symbol": "ETHUSDT"}),
        ("get", "/sapi/v1/margin/myTrades", "limit", {"symbol": "ETHUSDT"}),
        ("get", "/api/v3/allOrders", "limit", {"symbol": "ETHUSDT"}),
        ("get", "/api/v3/myTrades", "limit", {"symbol": "ETHUSDT"}),
        ("get", "/sapi/v1/margin/allOrderList", "limit", {}),
        ("get", "/api/v3/allOrderList", "limit", {}),
    ],
    "size": [
        ("get", "/sapi/v1/margin/borrow-repay", "size", {"type": "BORROW"}),
        ("get", "/sapi/v1/margin/loan", "size", {"asset": "USDT"}),
        ("get", "/sapi/v1/margin/repay", "size", {"asset": "USDT"}),
        ("get", "/sapi/v1/margin/interestHistory", "size", {}),
        ("get", "/sapi/v1/margin/forceLiquidationRec", "size", {}),
    ],
    "current": [
        ("get", "/sapi/v1/margin/borrow-repay", "current", {"type": "BORROW"}),
        ("get", "/sapi/v1/margin/loan", "current", {"asset": "USDT"}),
        ("get", "/sapi/v1/margin/repay", "current", {"asset": "USDT"}),
        ("get", "/sapi/v1/margin/interestHistory", "current", {}),
        ("get", "/sapi/v1/margin/forceLiquidationRec", "current", {}),
    ],
    "vipLevel": [
        ("get", "/sapi/v1/margin/crossMarginData", "vipLevel", {}),
        ("get", "/sapi/v1/margin/isolatedMarginData", "vipLevel", {}),
    ],
    "tier": [("get", "/sapi/v1/margin/isolatedMarginTier", "tier", {"symbol": "BTCUSDT"})],
    "recvWindow": [("get", "/sapi/v1/margin/account", "recvWindow", {})],
}
OUT_OF_RANGE = {
    "time": ["-1", str(MS_9999 + 1), str(2**63), "9" * 20, "-" + "9" * 20],
    "id": ["-1", str(10**18), str(2**63), "9" * 20, "-" + "9" * 20],
    "limit": ["0", "-1", "1001", str(2**63), "9" * 20],
    "recvWindow": ["0", "-1", str(2**63), "9" * 20, "-" + "9" * 20],
    "size": ["0", "-1", "101", str(2**63), "9" * 20],
    "current": ["0", "-1", str(10**15 + 1), str(2**63), "9" * 20],
    "vipLevel": ["-1", "1", "10", str(2**63), "9" * 20],
    "tier": ["0", "-1", "11", str(2**63), "9" * 20],
}
IN_RANGE = {
    "time": ["0", str(MS_9999)],
    "id": ["0", str(10**18 - 1)],
    "limit": ["1", "500"],
    "recvWindow": ["60000"],
    "size": ["1", "100"],
    "current": ["1", str(10**15)],  # the last page's offset, 10**17, still a bigint
    "vipLevel": ["0"],
    "tier": ["1", "10"],
}


def _number_cases(values: dict):
    return [
        pytest.param(method, path, name, others, value, id=f"{method}-{path}-{name}-{value[:12]}")
        for kind, rows in NUMBER_PARAMETERS.items()
        for method, path, name, others in rows
        for value in values[kind]
    ]


@pytest.mark.parametrize(("method", "path", "name", "others", "value"), _number_cases(OUT_OF_RANGE))
def test_a_number_out_of_range_is_1130_on_every_path(client, alice_keys, funded, method, path, name, others, value):
    # A time past year 9999 was an OverflowError, an id past 2**63 a DataError: 500s both.
    body = refused(signed(client, method, path, alice_keys, others | {name: value}), -1130)
    assert body["msg"] == f"Data sent for parameter '{name}' is not valid."


@pytest.mark.parametrize(("method", "path", "name", "others", "value"), _number_cases(IN_RANGE))
def test_a_number_at_the_edge_of_its_range_is_taken(client, alice_keys, funded, method, path, name, others, value):
    response = signed(client, method, path, alice_keys, others | {name: value})
    # An order id that is no order is "unknown order", not bad input.
    assert response.status_code == 200 or response.json()["code"] in (-2011, -2013), response.content


@pytest.mark.parametrize("value", ["-1", "0", str(2**63), "9" * 20])
def test_a_timestamp_out_of_range_is_refused(client, alice_keys, value):
    response = signed(client, "get", "/sapi/v1/margin/account", alice_keys, timestamp=value)
    assert response.status_code == 400 and response.json()["code"] in (-1021, -1130), response.content


@pytest.mark.parametrize(("name", "text"), DOOR_NUMBERS, ids=[name for name, _ in DOOR_NUMBERS])
@pytest.mark.parametrize(
    ("path", "field", "others"),
    [
        ("/sapi/v1/margin/order", "quantity", {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET"}),
        (
            "/sapi/v1/margin/order",
            "price",
            {"symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.1", "timeInForce": "GTC"},
        ),
        ("/api/v3/order", "quantity", {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET"}),
        ("/api/v3/order/test", "quantity", {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET"}),
        (
            "/sapi/v1/margin/order/oco",
            "quantity",
            {"symbol": "ETHUSDT", **{k: v for k, v in OCO_LEGS.items() if k != "quantity"}},
        ),
        (
            "/sapi/v1/margin/order/oco",
            "stopLimitPrice",
            {"symbol": "ETHUSDT", **{k: v for k, v in OCO_LEGS.items() if k != "stopLimitPrice"}},
        ),
        *[
            ("/api/v3/order/oco", field, {"symbol": "ETHUSDT", **{k: v for k, v in OCO_LEGS.items() if k != field}})
            for field in ("quantity", "price", "stopPrice", "stopLimitPrice")
        ],
        *[
            (
                "/api/v3/orderList/oco",
                field,
                {"symbol": "ETHUSDT", **{k: v for k, v in OCO_LIST_LEGS.items() if k != field}},
            )
            for field in ("quantity", "abovePrice", "belowStopPrice", "belowPrice")
        ],
        ("/sapi/v1/margin/borrow-repay", "amount", {"asset": "USDT", "type": "BORROW"}),
        ("/sapi/v1/margin/transfer", "amount", {"asset": "USDT", "type": "1"}),
    ],
)
def test_a_number_that_is_not_a_plain_decimal_is_1100(client, alice_keys, funded, path, field, others, name, text):
    body = refused(signed(client, "post", path, alice_keys, others | {field: text}), -1100)
    assert body["msg"].startswith(f"Illegal characters found in parameter '{field}'")
