"""The real ccxt (``binanceusdm``, and ``binance`` with ``defaultType: future``) and python-binance's
``futures_*`` calls against /fapi on the live test server, cross and isolated, built as the README says
(tests/binance/clients.py: only the base URLs change, and ccxt keeps its own USDⓈ-M error classes).
"""

from decimal import Decimal

import ccxt
import pytest
from binance.exceptions import BinanceAPIException

from futures.models import FuturesOrder, FuturesPosition, FuturesSymbol
from tests.binance.clients import MarginLabUSDM, marginlab_ccxt, marginlab_python_binance, urls_only_ccxt
from tests.helpers import assert_ledger_clean
from trading.models import Account, AccountKind

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def market(set_prices):
    FuturesSymbol.objects.update(basis_rate=Decimal(0))
    set_prices(BTCUSDT="100000", ETHUSDT="2500", BNBUSDT="600", SOLUSDT="150")


@pytest.fixture
def usdm(live_server, alice_keys):
    exchange = marginlab_ccxt(live_server.url, alice_keys, MarginLabUSDM)
    yield exchange
    exchange.close()


@pytest.fixture
def binance_future(live_server, bob_keys):
    exchange = marginlab_ccxt(live_server.url, bob_keys, defaultType="future")
    yield exchange
    exchange.close()


@pytest.fixture
def python_binance(live_server, bob_keys):
    client = marginlab_python_binance(live_server.url, bob_keys)
    yield client
    client.close_connection()


def test_ccxt_binanceusdm_trades_cross_and_isolated(usdm, alice, market):
    markets = usdm.load_markets()
    btc = markets["BTC/USDT:USDT"]
    assert btc["swap"] and btc["linear"] and btc["settle"] == "USDT"
    assert btc["precision"]["amount"] == 0.001 and btc["limits"]["cost"]["min"] == 100
    ticker = usdm.fetch_ticker("BTC/USDT:USDT")
    assert ticker["last"] == 100000
    book = usdm.fetch_order_book("BTC/USDT:USDT", 5)
    assert book["bids"][0][0] < 100000 < book["asks"][0][0]
    assert usdm.fetch_ohlcv("BTC/USDT:USDT", "1m", limit=1)[0][4] == 100000
    assert usdm.fetch_funding_rate("BTC/USDT:USDT")["markPrice"] == 100000
    tiers = usdm.fetch_leverage_tiers(["BTC/USDT:USDT"])
    assert tiers["BTC/USDT:USDT"][0]["maxLeverage"] == 125

    usdm.transfer("USDT", 1000, "spot", "swap")
    assert usdm.fetch_balance()["USDT"]["free"] == 1000

    # Cross: 10x, a market buy, a resting limit, found, listed and cancelled.
    usdm.set_leverage(10, "BTC/USDT:USDT")
    bought = usdm.create_order("BTC/USDT:USDT", "market", "buy", 0.01)
    assert bought["status"] == "closed" and bought["filled"] == 0.01
    resting = usdm.create_order("BTC/USDT:USDT", "limit", "buy", 0.002, 90000)
    assert resting["status"] == "open"
    assert usdm.fetch_order(resting["id"], "BTC/USDT:USDT")["price"] == 90000
    assert [o["id"] for o in usdm.fetch_open_orders("BTC/USDT:USDT")] == [resting["id"]]
    assert usdm.cancel_order(resting["id"], "BTC/USDT:USDT")["status"] == "canceled"
    (position,) = usdm.fetch_positions(["BTC/USDT:USDT"])
    assert position["contracts"] == 0.01 and position["side"] == "long" and position["marginMode"] == "cross"
    assert position["liquidationPrice"] > 0  # positionRisk v3 carries no leverage, on Binance too: symbolConfig does
    assert usdm.fetch_leverage("BTC/USDT:USDT")["longLeverage"] == 10
    assert len(usdm.fetch_my_trades("BTC/USDT:USDT")) == 1
    assert usdm.fetch_trading_fee("BTC/USDT:USDT")["taker"] > 0

    # Isolated on ETH: margin mode, a position, margin added.
    usdm.set_margin_mode("isolated", "ETH/USDT:USDT")
    usdm.create_order("ETH/USDT:USDT", "market", "sell", 0.1)
    usdm.add_margin("ETH/USDT:USDT", 5)
    (eth,) = usdm.fetch_positions(["ETH/USDT:USDT"])
    assert eth["marginMode"] == "isolated" and eth["side"] == "short" and eth["contracts"] == 0.1
    position_row = FuturesPosition.objects.get(account__user=alice, symbol__symbol="ETHUSDT")
    assert position_row.isolated_margin > 5
    income = usdm.fetch_funding_history()  # FUNDING_FEE income: none yet
    assert income == []

    # Binance's futures errors reach the bot as ccxt's own classes, and change nothing.
    orders_before = FuturesOrder.objects.count()
    with pytest.raises(ccxt.InsufficientFunds, match="-2019"):
        usdm.create_order("BTC/USDT:USDT", "market", "buy", 5)
    with pytest.raises(ccxt.InvalidOrder, match="-2022"):
        usdm.create_order("SOL/USDT:USDT", "market", "buy", 1, None, {"reduceOnly": True})
    with pytest.raises(ccxt.OrderNotFound):
        usdm.fetch_order("987654321", "BTC/USDT:USDT")
    with pytest.raises(ccxt.OrderNotFound):
        usdm.cancel_order(resting["id"], "BTC/USDT:USDT")
    with pytest.raises(ccxt.MarginModeAlreadySet):
        usdm.set_margin_mode("isolated", "ETH/USDT:USDT")  # -4046
    with pytest.raises(ccxt.BadRequest, match="-4028"):
        usdm.set_leverage(101, "ETH/USDT:USDT")  # ETH's first bracket stops at 100x (ccxt itself refuses 126)
    with pytest.raises(ccxt.OperationRejected):
        usdm.set_margin_mode("cross", "ETH/USDT:USDT")  # -4048: a position is open
    with pytest.raises(ccxt.BadRequest):
        usdm.set_position_mode(True)  # hedge mode: not supported
    assert FuturesOrder.objects.count() == orders_before
    assert_ledger_clean()


def test_the_readme_recipe_keeps_ccxts_own_futures_error_classes(usdm, live_server, alice_keys, alice, market):
    usdm.transfer("USDT", 100, "spot", "swap")
    refusals = [
        (ccxt.InsufficientFunds, "-2019", lambda e: e.create_order("BTC/USDT:USDT", "market", "buy", 1)),
        (ccxt.InvalidOrder, "-2022", lambda e: e.create_order("BTC/USDT:USDT", "market", "sell", 0.001, None, {"reduceOnly": True})),
        (ccxt.BadRequest, "-4028", lambda e: e.set_leverage(101, "ETH/USDT:USDT")),
        (ccxt.InsufficientFunds, "-3041", lambda e: e.transfer("USDT", 1000000, "spot", "swap")),
    ]  # fmt: skip
    for error_class, code, call in refusals:
        with pytest.raises(error_class, match=code):
            call(usdm)
    # Why the recipe: with the URLs rewritten alone, ccxt's generic map leaves -2019 and -2022 a bare
    # ExchangeError, which tells a bot neither "no money" nor "bad order".
    generic = urls_only_ccxt(live_server.url, alice_keys, ccxt.binanceusdm)
    try:
        for _, code, call in refusals[:2]:
            with pytest.raises(ccxt.ExchangeError, match=code) as bare:
                call(generic)
            assert type(bare.value) is ccxt.ExchangeError
    finally:
        generic.close()
    assert not FuturesOrder.objects.exists()
    assert_ledger_clean()


def test_ccxt_binance_with_default_type_future(binance_future, bob, market):
    exchange = binance_future
    markets = exchange.load_markets()
    assert markets["ETH/USDT:USDT"]["swap"] and markets["ETH/USDT"]["spot"]
    exchange.transfer("USDT", 500, "spot", "swap")
    assert exchange.fetch_balance()["USDT"]["total"] == 500  # the futures wallet: defaultType future

    exchange.set_leverage(5, "ETH/USDT:USDT")
    exchange.create_order("ETH/USDT:USDT", "market", "buy", 0.2)
    (position,) = exchange.fetch_positions(["ETH/USDT:USDT"])
    assert position["contracts"] == 0.2 and exchange.fetch_leverage("ETH/USDT:USDT")["longLeverage"] == 5
    closed = exchange.create_order("ETH/USDT:USDT", "market", "sell", 0.2, None, {"reduceOnly": True})
    assert closed["status"] == "closed"
    assert exchange.fetch_positions(["ETH/USDT:USDT"]) == []
    with pytest.raises(ccxt.InvalidOrder, match="-2022"):
        exchange.create_order("ETH/USDT:USDT", "market", "sell", 0.2, None, {"reduceOnly": True})
    with pytest.raises(ccxt.InsufficientFunds, match="-2019"):
        exchange.create_order("ETH/USDT:USDT", "market", "buy", 100)
    with pytest.raises(ccxt.BadRequest, match="-4028"):
        exchange.set_leverage(101, "ETH/USDT:USDT")
    exchange.transfer("USDT", 100, "swap", "spot")
    assert Account.objects.get(user=bob, kind=AccountKind.FUTURES).balances.get().free < 400
    assert_ledger_clean()


def test_python_binance_futures_calls_cross_and_isolated(python_binance, bob, market):
    client = python_binance
    assert client.futures_ping() == {} and client.futures_time()["serverTime"] > 0
    symbols = {s["symbol"] for s in client.futures_exchange_info()["symbols"]}
    assert symbols == {"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"}
    assert client.futures_symbol_ticker(symbol="BTCUSDT")["price"] == "100000.00000000"
    assert client.futures_mark_price(symbol="BTCUSDT")["markPrice"] == "100000.00000000"
    assert client.futures_order_book(symbol="BTCUSDT")["bids"]
    assert client.futures_klines(symbol="BTCUSDT", interval="1m")[-1][4] == "100000.00000000"

    assert client.futures_account_transfer(asset="USDT", amount="800", type=1)["tranId"] > 0
    assert client.futures_account_balance()[0]["balance"] == "800.00000000"

    # Cross on BTC.
    assert client.futures_change_leverage(symbol="BTCUSDT", leverage=20)["leverage"] == 20
    order = client.futures_create_order(
        symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.002", price="95000"
    )
    assert client.futures_get_order(symbol="BTCUSDT", orderId=order["orderId"])["status"] == "NEW"
    assert [o["orderId"] for o in client.futures_get_open_orders(symbol="BTCUSDT")] == [order["orderId"]]
    assert client.futures_cancel_order(symbol="BTCUSDT", orderId=order["orderId"])["status"] == "CANCELED"
    client.futures_create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.002")
    (btc,) = client.futures_position_information(symbol="BTCUSDT")
    assert btc["positionAmt"] == "0.00200000" and btc["isolatedMargin"] == "0.00000000"

    # Isolated on ETH.
    assert client.futures_change_margin_type(symbol="ETHUSDT", marginType="ISOLATED") == {"code": 200, "msg": "success"}
    client.futures_create_order(symbol="ETHUSDT", side="SELL", type="MARKET", quantity="0.1")
    client.futures_change_position_margin(symbol="ETHUSDT", amount="3", type=1)
    (eth,) = client.futures_position_information(symbol="ETHUSDT")
    assert eth["positionAmt"] == "-0.10000000" and Decimal(eth["isolatedWallet"]) > 3
    history = client.futures_position_margin_history(symbol="ETHUSDT")
    assert [(h["type"], h["amount"]) for h in history] == [(1, "3.00000000")]
    account = client.futures_account()
    assert {p["symbol"] for p in account["positions"]} == symbols and account["assets"][0]["asset"] == "USDT"
    assert len(client.futures_account_trades(symbol="BTCUSDT")) == 1
    types = [i["incomeType"] for i in client.futures_income_history()]
    assert types[0] == "TRANSFER" and "COMMISSION" in types
    assert client.futures_get_position_mode() == {"dualSidePosition": False}
    assert client.futures_leverage_bracket(symbol="ETHUSDT")["brackets"][0]["initialLeverage"] == 100
    assert client.futures_liquidation_orders() == []

    with pytest.raises(BinanceAPIException) as short:
        client.futures_create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="1")
    assert short.value.code == -2019 and short.value.message == "Margin is insufficient."
    with pytest.raises(BinanceAPIException) as position_open:
        client.futures_change_margin_type(symbol="ETHUSDT", marginType="CROSSED")
    assert position_open.value.code == -4048
    with pytest.raises(BinanceAPIException) as hedge:
        client.futures_change_position_mode(dualSidePosition="true")
    assert hedge.value.code == -1020
    with pytest.raises(BinanceAPIException) as leverage:
        client.futures_change_leverage(symbol="BTCUSDT", leverage=126)
    assert (leverage.value.code, leverage.value.message) == (-4028, "Leverage 126 is not valid")
    with pytest.raises(BinanceAPIException) as reduce_only:
        client.futures_create_order(symbol="SOLUSDT", side="SELL", type="MARKET", quantity="1", reduceOnly="true")
    assert (reduce_only.value.code, reduce_only.value.message) == (-2022, "ReduceOnly Order is rejected.")

    assert client.futures_account_transfer(asset="USDT", amount="100", type=2)["tranId"] > 0
    assert_ledger_clean()


# --- conditional orders through the algo service (fapi/v1/algoOrder) -------------------------------


def test_ccxt_conditional_orders_go_through_the_algo_service_and_trigger(usdm, alice, market, set_prices):
    from futures.tasks import tick

    usdm.load_markets()
    usdm.transfer("USDT", 1000, "spot", "swap")
    usdm.create_order("BTC/USDT:USDT", "market", "buy", 0.01)
    symbol = "BTC/USDT:USDT"

    stop = usdm.create_order(symbol, "STOP_MARKET", "sell", 0.01, None, {"stopPrice": 95000, "reduceOnly": True})
    assert stop["status"] == "open" and stop["type"] == "market" and stop["triggerPrice"] == 95000
    assert stop["info"]["orderType"] == "STOP_MARKET" and stop["info"]["algoType"] == "CONDITIONAL"
    take_profit = usdm.create_order(
        symbol, "market", "sell", 0.01, None, {"takeProfitPrice": 110000, "reduceOnly": True}
    )
    assert take_profit["info"]["orderType"] == "TAKE_PROFIT_MARKET" and take_profit["takeProfitPrice"] == 110000
    stop_limit = usdm.create_order(symbol, "limit", "sell", 0.01, 94000, {"stopLossPrice": 94500, "reduceOnly": True})
    assert stop_limit["type"] == "limit" and stop_limit["info"]["orderType"] == "STOP" and stop_limit["price"] == 94000
    rows = FuturesOrder.objects.filter(algo_type="CONDITIONAL").order_by("id")
    assert [o.type for o in rows] == ["STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP"]
    assert rows[0].client_order_id == stop["clientOrderId"]

    # The matching engine's list does not have them; the algo service's does.
    assert usdm.fetch_open_orders(symbol) == []
    waiting = usdm.fetch_open_orders(symbol, params={"trigger": True})
    assert [o["id"] for o in waiting] == [stop["id"], take_profit["id"], stop_limit["id"]]
    assert usdm.fetch_order(stop["id"], symbol, {"trigger": True})["status"] == "open"
    cancelled = usdm.cancel_order(stop_limit["id"], symbol, {"trigger": True})
    assert cancelled["id"] == stop_limit["id"]
    assert usdm.fetch_order(stop_limit["id"], symbol, {"trigger": True})["status"] == "canceled"
    with pytest.raises(ccxt.OrderNotFound):
        usdm.cancel_order(stop_limit["id"], symbol, {"trigger": True})

    # The mark crosses the stop: it triggers and closes the long at the mark (less slippage).
    set_prices(BTCUSDT="94000")
    assert tick()["fills"] == 1
    assert usdm.fetch_order(stop["id"], symbol, {"trigger": True})["status"] == "closed"
    assert usdm.fetch_positions([symbol]) == []
    history = usdm.fetch_orders(symbol, params={"trigger": True})
    assert [(o["id"], o["status"]) for o in history] == [
        (stop["id"], "closed"),
        (take_profit["id"], "open"),
        (stop_limit["id"], "canceled"),
    ]
    usdm.cancel_all_orders(symbol, {"trigger": True})
    assert usdm.fetch_open_orders(symbol, params={"trigger": True}) == []
    assert_ledger_clean()


def test_python_binance_conditional_futures_order_then_cancel(python_binance, bob, market, set_prices):
    from futures.tasks import tick

    client = python_binance
    client.futures_account_transfer(asset="USDT", amount="800", type=1)
    client.futures_create_order(symbol="ETHUSDT", side="SELL", type="MARKET", quantity="0.2")

    # futures_create_order routes the conditional types to algoOrder (stopPrice becomes triggerPrice).
    stop = client.futures_create_order(
        symbol="ETHUSDT", side="BUY", type="STOP_MARKET", stopPrice="2600", quantity="0.2", reduceOnly="true"
    )
    assert (stop["algoStatus"], stop["orderType"], stop["triggerPrice"]) == ("NEW", "STOP_MARKET", "2600.00000000")
    assert stop["clientAlgoId"].startswith("x-Cb7ytekJ")
    trailing = client.futures_create_algo_order(
        symbol="ETHUSDT", side="BUY", type="TRAILING_STOP_MARKET", quantity="0.2", callbackRate="2", reduceOnly="true"
    )
    assert trailing["callbackRate"] == "2.0"
    waiting = client.futures_get_open_orders(symbol="ETHUSDT", conditional=True)
    assert [o["algoId"] for o in waiting] == [stop["algoId"], trailing["algoId"]]
    assert client.futures_get_open_orders(symbol="ETHUSDT") == []
    assert client.futures_get_order(symbol="ETHUSDT", algoId=trailing["algoId"])["algoStatus"] == "NEW"
    assert client.futures_get_algo_order(clientAlgoId=stop["clientAlgoId"])["algoId"] == stop["algoId"]
    cancelled = client.futures_cancel_order(symbol="ETHUSDT", algoId=trailing["algoId"])
    assert cancelled == {
        "algoId": trailing["algoId"],
        "clientAlgoId": trailing["clientAlgoId"],
        "code": "200",
        "msg": "success",
    }
    assert [o["algoId"] for o in client.futures_get_open_algo_orders()] == [stop["algoId"]]
    with pytest.raises(BinanceAPIException) as gone:
        client.futures_cancel_algo_order(algoId=trailing["algoId"])
    assert gone.value.code == -2011

    set_prices(ETHUSDT="2650")  # the short's stop triggers: bought back
    assert tick()["fills"] == 1
    done = client.futures_get_algo_order(algoId=stop["algoId"])
    assert done["algoStatus"] == "FINISHED" and done["actualOrderId"] == str(stop["algoId"])
    assert client.futures_get_order(symbol="ETHUSDT", orderId=done["actualOrderId"])["status"] == "FILLED"
    assert client.futures_position_information(symbol="ETHUSDT") == []  # v3: open positions only
    assert [o["algoStatus"] for o in client.futures_get_all_algo_orders(symbol="ETHUSDT")] == ["FINISHED", "CANCELED"]
    assert client.futures_cancel_all_algo_open_orders(symbol="ETHUSDT")["code"] == 200
    with pytest.raises(BinanceAPIException) as bad:
        client.futures_create_algo_order(symbol="ETHUSDT", side="BUY", type="LIMIT", quantity="0.2", price="2000")
    assert bad.value.code == -1116
    assert_ledger_clean()
