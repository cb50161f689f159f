"""/fapi one endpoint at a time, through Django's test client: the shapes Binance documents, the numbers
the futures selectors hold, and Binance's futures error codes."""

from decimal import Decimal

import pytest

from futures import selectors as futures_selectors
from futures.models import FuturesOrder, FuturesSymbol, Income
from futures.services.orders import futures_order_place
from futures.services.wallet import TO_FUTURES, futures_transfer_create
from tests.binance.conftest import signed
from tests.helpers import amounts, assert_ledger_clean, spot
from trading.models import Account, AccountKind


def ok(response):
    assert response.status_code == 200, response.content
    return response.json()


def refused(response, code: int, status: int = 400) -> dict:
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    return body


@pytest.fixture
def perpetuals(platform, set_prices):
    """BTC at 100,000 and ETH at 2,500; the perpetuals' mark equals the index (no basis)."""
    FuturesSymbol.objects.update(basis_rate=Decimal(0))
    set_prices(BTCUSDT=100000, ETHUSDT=2500, BNBUSDT=600, SOLUSDT=150)


@pytest.fixture
def wallet(alice, perpetuals):
    futures_transfer_create(user=alice, type=TO_FUTURES, amount="1000")
    return Account.objects.get(user=alice, kind=AccountKind.FUTURES)


def fapi(client, method, path, keys, params=None):
    return signed(client, method, f"/fapi/{path}", keys, params)


# --- market data ------------------------------------------------------------------------------------


def test_exchange_info_lists_the_perpetuals_with_the_filters_the_orders_obey(client, perpetuals):
    info = ok(client.get("/fapi/v1/exchangeInfo"))
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    filters = {f["filterType"]: f for f in btc["filters"]}

    assert [s["symbol"] for s in info["symbols"]] == ["BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT"]
    assert (btc["contractType"], btc["marginAsset"], btc["status"]) == ("PERPETUAL", "USDT", "TRADING")
    assert filters["LOT_SIZE"]["stepSize"] == "0.00100000" and filters["PRICE_FILTER"]["tickSize"] == "0.10000000"
    assert filters["MIN_NOTIONAL"]["notional"] == "100.00000000"
    assert btc["requiredMarginPercent"] == "0.8000" and btc["maintMarginPercent"] == "0.4000"  # 125x, 0.4 %
    assert info["assets"] == [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "0"}]
    assert "TRAILING_STOP_MARKET" in btc["orderTypes"] and "GTX" in btc["timeInForce"]
    # dapi still lists nothing.
    assert ok(client.get("/dapi/v1/exchangeInfo"))["symbols"] == []


def test_the_book_and_tickers_show_what_a_market_order_fills_at(client, wallet, alice, alice_keys):
    book = ok(client.get("/fapi/v1/depth?symbol=BTCUSDT&limit=5"))
    ticker = ok(client.get("/fapi/v1/ticker/bookTicker?symbol=BTCUSDT"))
    (bid, bid_qty), (ask, ask_qty) = book["bids"][0], book["asks"][0]

    bought = futures_order_place(user=alice, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.002")
    assert Decimal(ask) == bought.avg_price and Decimal(bid) < 100000 < Decimal(ask)
    assert (ticker["bidPrice"], ticker["askPrice"]) == (bid, ask) and ticker["bidQty"] == bid_qty == ask_qty
    assert ok(client.get("/fapi/v1/ticker/price?symbol=BTCUSDT"))["price"] == "100000.00000000"
    assert ok(client.get("/fapi/v2/ticker/price?symbol=ethusdt"))["price"] == "2500.00000000"
    assert len(ok(client.get("/fapi/v1/ticker/price"))) == 4
    day = ok(client.get("/fapi/v1/ticker/24hr?symbol=BTCUSDT"))
    assert day["lastPrice"] == "100000.00000000" and day["volume"] == "0.00200000" and day["count"] == 1
    assert day["lastQty"] == "0.00200000"
    refused(client.get("/fapi/v1/depth?symbol=BTCUSDT&limit=7"), -1130)
    refused(client.get("/fapi/v1/depth?symbol=NOPEUSDT"), -1121)
    refused(client.get("/fapi/v1/ticker/price?symbol=NOPEUSDT"), -1121)


def test_klines_and_mark_price_klines_are_the_marks_candles_with_the_basis(client, perpetuals, set_prices):
    FuturesSymbol.objects.filter(symbol="ETHUSDT").update(basis_rate=Decimal("0.001"))
    set_prices(ETHUSDT=3000)

    last = ok(client.get("/fapi/v1/klines?symbol=ETHUSDT&interval=1m&limit=1"))
    mark = ok(client.get("/fapi/v1/markPriceKlines?symbol=ETHUSDT&interval=1m&limit=1"))

    assert last == mark and last[0][4] == "3003.00000000"  # 3000 x 1.001
    refused(client.get("/fapi/v1/klines?symbol=ETHUSDT&interval=2m"), -1120)
    refused(client.get("/fapi/v1/klines?symbol=ETHUSDT"), -1102)


def test_premium_index_funding_rate_and_info(client, perpetuals):
    FuturesSymbol.objects.filter(symbol="BTCUSDT").update(basis_rate=Decimal("0.001"))
    premium = ok(client.get("/fapi/v1/premiumIndex?symbol=BTCUSDT"))
    assert premium["markPrice"] == "100100.00000000" and premium["indexPrice"] == "100000.00000000"
    # 0.1 % premium + clamp(0.01 % - 0.1 %, +-0.05 %): 0.05 %.
    assert premium["lastFundingRate"] == "0.00050000" and premium["nextFundingTime"] % (8 * 3600 * 1000) == 0
    assert len(ok(client.get("/fapi/v1/premiumIndex"))) == 4

    from futures.services.funding import futures_funding_apply

    futures_funding_apply()
    rates = ok(client.get("/fapi/v1/fundingRate?symbol=BTCUSDT"))
    assert len(rates) == 1 and rates[0]["fundingRate"] == "0.00050000"
    assert {i["symbol"] for i in ok(client.get("/fapi/v1/fundingInfo"))} == {"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"}


# --- account, positions and settings -------------------------------------------------------------------


def test_account_balance_and_positions_agree_with_the_futures_selectors(client, alice, alice_keys, wallet):
    futures_order_place(user=alice, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    state = futures_selectors.state_for_user(user=alice)

    v3 = ok(fapi(client, "get", "v3/account", alice_keys))
    v2 = ok(fapi(client, "get", "v2/account", alice_keys))
    balance = ok(fapi(client, "get", "v3/balance", alice_keys))
    risk3 = ok(fapi(client, "get", "v3/positionRisk", alice_keys))
    risk2 = ok(fapi(client, "get", "v2/positionRisk", alice_keys, {"symbol": "BTCUSDT"}))

    assert Decimal(v3["totalWalletBalance"]) == state.wallet_balance
    assert Decimal(v3["availableBalance"]) == state.available_balance.quantize(Decimal("1e-8"))
    assert [p["symbol"] for p in v3["positions"]] == ["BTCUSDT"] and v3["positions"][0]["positionAmt"] == "0.01000000"
    assert len(v2["positions"]) == 4 and v2["feeTier"] == 0 and v2["positions"][1]["leverage"] == "20"
    assert balance[0]["asset"] == "USDT" and balance[0]["balance"] == v3["totalWalletBalance"]
    assert ok(fapi(client, "get", "v2/balance", alice_keys))[0]["balance"] == v3["totalWalletBalance"]
    assert risk3[0]["markPrice"] == "100000.00000000" and Decimal(risk3[0]["liquidationPrice"]) > 0
    assert risk2[0]["marginType"] == "cross" and risk2[0]["positionAmt"] == "0.01000000"


def test_a_user_with_no_futures_wallet_reads_zeros(client, bob, bob_keys, perpetuals):
    account = ok(fapi(client, "get", "v3/account", bob_keys))
    assert account["totalWalletBalance"] == "0.00000000" and account["positions"] == []
    assert ok(fapi(client, "get", "v3/positionRisk", bob_keys)) == []
    assert ok(fapi(client, "get", "v1/openOrders", bob_keys)) == []
    assert ok(fapi(client, "get", "v1/income", bob_keys)) == []


def test_leverage_brackets_leverage_and_margin_type(client, alice, alice_keys, wallet):
    brackets = ok(fapi(client, "get", "v1/leverageBracket", alice_keys, {"symbol": "BTCUSDT"}))
    top = brackets["brackets"][0]
    assert (top["bracket"], top["initialLeverage"], top["notionalFloor"]) == (1, 125, 0.0)
    assert len(ok(fapi(client, "get", "v1/leverageBracket", alice_keys))) == 4

    # The maximum shown is taken; one more is -4028.
    assert (
        ok(fapi(client, "post", "v1/leverage", alice_keys, {"symbol": "BTCUSDT", "leverage": "125"}))["leverage"] == 125
    )
    assert (
        refused(fapi(client, "post", "v1/leverage", alice_keys, {"symbol": "BTCUSDT", "leverage": "126"}), -4028)["msg"]
        == "Leverage 126 is not valid"
    )
    refused(fapi(client, "post", "v1/leverage", alice_keys, {"symbol": "BTCUSDT", "leverage": "0"}), -4028)
    refused(fapi(client, "post", "v1/leverage", alice_keys, {"symbol": "BTCUSDT", "leverage": "2x"}), -1100)
    refused(fapi(client, "post", "v1/leverage", alice_keys, {"symbol": "BTCUSDT"}), -1102)
    ok(fapi(client, "post", "v1/leverage", alice_keys, {"symbol": "BTCUSDT", "leverage": "10"}))

    isolated = {"symbol": "BTCUSDT", "marginType": "ISOLATED"}
    assert ok(fapi(client, "post", "v1/marginType", alice_keys, isolated)) == {"code": 200, "msg": "success"}
    assert refused(fapi(client, "post", "v1/marginType", alice_keys, isolated), -4046)["msg"] == (
        "No need to change margin type."
    )
    refused(fapi(client, "post", "v1/marginType", alice_keys, {"symbol": "BTCUSDT", "marginType": "HALF"}), -1130)
    futures_order_place(user=alice, symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.01", price="90000")
    crossed = {"symbol": "BTCUSDT", "marginType": "CROSSED"}
    assert refused(fapi(client, "post", "v1/marginType", alice_keys, crossed), -4047)["msg"] == (
        "Margin type cannot be changed if there exists open orders."
    )
    ok(fapi(client, "delete", "v1/allOpenOrders", alice_keys, {"symbol": "BTCUSDT"}))
    futures_order_place(user=alice, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    assert refused(fapi(client, "post", "v1/marginType", alice_keys, crossed), -4048)["msg"] == (
        "Margin type cannot be changed if there exists position."
    )
    config = ok(fapi(client, "get", "v1/symbolConfig", alice_keys, {"symbol": "BTCUSDT"}))
    assert config == [
        {
            "symbol": "BTCUSDT",
            "marginType": "ISOLATED",
            "isAutoAddMargin": False,
            "leverage": 10,
            "maxNotionalValue": config[0]["maxNotionalValue"],
        }
    ]


def test_isolated_position_margin_and_its_history(client, alice, alice_keys, wallet):
    ok(fapi(client, "post", "v1/marginType", alice_keys, {"symbol": "BTCUSDT", "marginType": "ISOLATED"}))
    futures_order_place(user=alice, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    add = {"symbol": "BTCUSDT", "amount": "25", "type": "1"}

    answer = ok(fapi(client, "post", "v1/positionMargin", alice_keys, add))
    ok(fapi(client, "post", "v1/positionMargin", alice_keys, add | {"amount": "10", "type": "2"}))

    assert answer == {"amount": 25.0, "code": 200, "msg": "Successfully modify position margin.", "type": 1}
    history = ok(fapi(client, "get", "v1/positionMargin/history", alice_keys, {"symbol": "BTCUSDT"}))
    assert [(h["type"], h["amount"]) for h in history] == [(1, "25.00000000"), (2, "10.00000000")]
    assert (
        ok(fapi(client, "get", "v1/positionMargin/history", alice_keys, {"symbol": "BTCUSDT", "type": "2"}))[0][
            "amount"
        ]
        == "10.00000000"
    )
    refused(fapi(client, "post", "v1/positionMargin", alice_keys, add | {"amount": "100000"}), -2019)
    refused(fapi(client, "post", "v1/positionMargin", alice_keys, add | {"type": "2", "amount": "100000"}), -4051)
    refused(fapi(client, "post", "v1/positionMargin", alice_keys, add | {"symbol": "ETHUSDT"}), -4051)
    refused(fapi(client, "post", "v1/positionMargin", alice_keys, add | {"type": "3"}), -1130)


def test_position_mode_is_one_way_and_hedge_mode_is_refused(client, alice_keys, wallet):
    assert ok(fapi(client, "get", "v1/positionSide/dual", alice_keys)) == {"dualSidePosition": False}
    body = refused(fapi(client, "post", "v1/positionSide/dual", alice_keys, {"dualSidePosition": "true"}), -1020)
    assert "Hedge mode" in body["msg"]
    refused(fapi(client, "post", "v1/positionSide/dual", alice_keys, {"dualSidePosition": "false"}), -4059)
    assert ok(fapi(client, "get", "v1/accountConfig", alice_keys))["dualSidePosition"] is False


def test_commission_rate_is_the_platforms_fees(client, alice_keys, platform, perpetuals):
    rate = ok(fapi(client, "get", "v1/commissionRate", alice_keys, {"symbol": "BTCUSDT"}))
    assert Decimal(rate["makerCommissionRate"]) == platform.maker_fee
    assert Decimal(rate["takerCommissionRate"]) == platform.taker_fee


# --- orders and trades -------------------------------------------------------------------------------


def test_orders_placed_queried_listed_and_cancelled(client, alice, alice_keys, wallet):
    limit = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.002"}
    resting = ok(fapi(client, "post", "v1/order", alice_keys, limit | {"price": "90000", "newClientOrderId": "r-1"}))
    bought = ok(
        fapi(
            client,
            "post",
            "v1/order",
            alice_keys,
            {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.003"},
        )
    )

    assert resting["status"] == "NEW" and resting["clientOrderId"] == "r-1" and resting["positionSide"] == "BOTH"
    assert bought["status"] == "FILLED" and bought["executedQty"] == "0.00300000" and Decimal(bought["avgPrice"]) > 0
    by_client_id = ok(fapi(client, "get", "v1/order", alice_keys, {"symbol": "BTCUSDT", "origClientOrderId": "r-1"}))
    assert by_client_id["orderId"] == resting["orderId"]
    assert (
        ok(fapi(client, "get", "v1/openOrder", alice_keys, {"symbol": "BTCUSDT", "orderId": resting["orderId"]}))[
            "status"
        ]
        == "NEW"
    )
    refused(fapi(client, "get", "v1/openOrder", alice_keys, {"symbol": "BTCUSDT", "orderId": bought["orderId"]}), -2013)
    assert [o["orderId"] for o in ok(fapi(client, "get", "v1/openOrders", alice_keys))] == [resting["orderId"]]
    every = ok(fapi(client, "get", "v1/allOrders", alice_keys, {"symbol": "BTCUSDT"}))
    assert [o["orderId"] for o in every] == [resting["orderId"], bought["orderId"]]
    later = ok(fapi(client, "get", "v1/allOrders", alice_keys, {"symbol": "BTCUSDT", "orderId": bought["orderId"]}))
    assert [o["orderId"] for o in later] == [bought["orderId"]]
    trades = ok(fapi(client, "get", "v1/userTrades", alice_keys, {"symbol": "BTCUSDT"}))
    assert len(trades) == 1 and trades[0]["orderId"] == bought["orderId"] and trades[0]["buyer"] is True
    assert trades[0]["commissionAsset"] == "USDT" and trades[0]["realizedPnl"] == "0.00000000"

    cancelled = ok(fapi(client, "delete", "v1/order", alice_keys, {"symbol": "BTCUSDT", "orderId": resting["orderId"]}))
    assert cancelled["status"] == "CANCELED"
    assert (
        refused(
            fapi(client, "delete", "v1/order", alice_keys, {"symbol": "BTCUSDT", "orderId": resting["orderId"]}), -2011
        )["msg"]
        == "Unknown order sent."
    )
    refused(fapi(client, "get", "v1/order", alice_keys, {"symbol": "BTCUSDT", "orderId": "987654"}), -2013)
    refused(fapi(client, "get", "v1/order", alice_keys, {"symbol": "BTCUSDT"}), -1102)
    income = ok(fapi(client, "get", "v1/income", alice_keys))
    assert [i["incomeType"] for i in income] == ["TRANSFER", "COMMISSION"]
    assert ok(fapi(client, "get", "v1/income", alice_keys, {"incomeType": "COMMISSION"}))[0]["symbol"] == "BTCUSDT"
    assert_ledger_clean()


def test_futures_order_errors_are_binances(client, alice, alice_keys, wallet):
    post = lambda params: fapi(client, "post", "v1/order", alice_keys, params)  # noqa: E731
    market = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.002"}
    before = amounts(wallet, "USDT")

    assert refused(post(market | {"quantity": "1"}), -2019)["msg"] == "Margin is insufficient."
    assert refused(post(market | {"side": "SELL", "reduceOnly": "true"}), -2022)["msg"] == (
        "ReduceOnly Order is rejected."
    )
    assert refused(post(market | {"quantity": "0.0001"}), -1013)["msg"] == "Filter failure: LOT_SIZE"
    assert refused(post(market | {"symbol": "ETHUSDT", "quantity": "0.001"}), -4164)["msg"] == (
        "Order's notional must be no smaller than 20 (unless you choose reduce only)."
    )
    refused(post(market | {"positionSide": "LONG"}), -4061)
    refused(post(market | {"side": "HOLD"}), -1117)
    refused(post(market | {"type": "OCO"}), -1116)
    refused(post(market | {"type": "LIMIT", "price": "90000", "timeInForce": "DAY"}), -1115)
    refused(post(market | {"type": "LIMIT", "price": "90000"}), -1102)  # no timeInForce
    refused(post(market | {"price": "90000"}), -1106)
    refused(post({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET"}), -1102)
    refused(post(market | {"type": "STOP_MARKET", "stopPrice": "99000"}), -2021)
    refused(post(market | {"type": "LIMIT", "timeInForce": "GTX", "price": "101000"}), -5022)
    refused(post(market | {"symbol": "NOPEUSDT"}), -1121)
    refused(post(market | {"newClientOrderId": "no spaces"}), -1100)
    ok(post(market | {"newClientOrderId": "same"}))
    refused(post(market | {"newClientOrderId": "same"}), -4116)
    assert FuturesOrder.objects.filter(account=wallet).count() == 1
    assert amounts(wallet, "USDT")[0] < before[0]  # only the one accepted order paid its fee


def test_max_quantity_shown_passes_the_filter_and_one_step_more_does_not(client, alice_keys, wallet):
    info = ok(client.get("/fapi/v1/exchangeInfo"))
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    lot = next(f for f in btc["filters"] if f["filterType"] == "LOT_SIZE")
    most, step = Decimal(lot["maxQty"]), Decimal(lot["stepSize"])
    limit = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "price": "0.1"}

    # At the maximum the filter lets it through to the margin check; one step more is the filter's refusal.
    refused(fapi(client, "post", "v1/order", alice_keys, limit | {"quantity": f"{most:f}"}), -2019)
    refused(fapi(client, "post", "v1/order", alice_keys, limit | {"quantity": f"{most + step:f}"}), -1013)


def test_batch_orders_succeed_or_fail_one_by_one(client, alice, alice_keys, wallet):
    import json

    orders = [
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.002",
            "price": "90000",
        },
        {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "5"},
    ]
    answers = ok(fapi(client, "post", "v1/batchOrders", alice_keys, {"batchOrders": json.dumps(orders)}))

    assert answers[0]["status"] == "NEW" and answers[1] == {"code": -2019, "msg": "Margin is insufficient."}
    cancels = ok(
        fapi(
            client,
            "delete",
            "v1/batchOrders",
            alice_keys,
            {"symbol": "BTCUSDT", "orderIdList": json.dumps([answers[0]["orderId"], 999999])},
        )
    )
    assert cancels[0]["status"] == "CANCELED" and cancels[1]["code"] == -2011
    refused(fapi(client, "post", "v1/batchOrders", alice_keys, {"batchOrders": json.dumps(orders * 3)}), -4035)
    refused(fapi(client, "post", "v1/batchOrders", alice_keys, {"batchOrders": "[oops"}), -1130)


def test_force_orders_are_the_liquidations_closing_orders(client, alice, alice_keys, wallet, set_prices):
    from futures.services.liquidation import futures_sweep

    ok(fapi(client, "post", "v1/leverage", alice_keys, {"symbol": "BTCUSDT", "leverage": "100"}))
    futures_order_place(user=alice, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.05")
    set_prices(BTCUSDT=80000)
    futures_sweep()

    forced = ok(fapi(client, "get", "v1/forceOrders", alice_keys))
    assert len(forced) == 1 and forced[0]["clientOrderId"].startswith("autoclose-") and forced[0]["side"] == "SELL"
    assert ok(fapi(client, "get", "v1/forceOrders", alice_keys, {"autoCloseType": "ADL"})) == []
    assert Income.objects.filter(account=wallet, income_type="INSURANCE_CLEAR").exists() or forced


# --- transfers --------------------------------------------------------------------------------------


def test_transfers_into_and_out_of_the_futures_wallet(client, alice, alice_keys, perpetuals):
    universal = "/sapi/v1/asset/transfer"
    into = ok(
        signed(client, "post", universal, alice_keys, {"type": "MAIN_UMFUTURE", "asset": "USDT", "amount": "300"})
    )
    ok(signed(client, "post", universal, alice_keys, {"type": "UMFUTURE_MAIN", "asset": "USDT", "amount": "50"}))
    ok(signed(client, "post", "/sapi/v1/futures/transfer", alice_keys, {"type": "1", "asset": "USDT", "amount": "20"}))
    ok(signed(client, "post", "/sapi/v1/futures/transfer", alice_keys, {"type": "2", "asset": "USDT", "amount": "10"}))

    futures_wallet = Account.objects.get(user=alice, kind=AccountKind.FUTURES)
    assert into["tranId"] > 0 and amounts(futures_wallet, "USDT")[0] == Decimal(260)
    assert amounts(spot(alice), "USDT")[0] == Decimal(10000 - 260)
    refused(
        signed(client, "post", universal, alice_keys, {"type": "UMFUTURE_MAIN", "asset": "USDT", "amount": "261"}),
        -3041,
    )
    refused(
        signed(client, "post", universal, alice_keys, {"type": "MAIN_UMFUTURE", "asset": "BTC", "amount": "1"}), -3027
    )
    refused(
        signed(client, "post", "/sapi/v1/futures/transfer", alice_keys, {"type": "3", "asset": "USDT", "amount": "1"}),
        -1130,
    )
    # The margin types still go where they went.
    ok(signed(client, "post", universal, alice_keys, {"type": "MAIN_MARGIN", "asset": "USDT", "amount": "5"}))
    assert_ledger_clean()
