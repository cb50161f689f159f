"""The real ccxt and python-binance, built as the README says (tests/binance/clients.py), against the live server.

This is the promise of the Binance-compatible API: a bot written for Binance margin runs here as it is.
The libraries talk HTTP to a server in a thread, so the tests are transactional (the server thread sees
only committed rows), with ``serialized_rollback`` to bring back the default listing afterwards.
"""

import json
import textwrap
from decimal import Decimal
from pathlib import Path

import ccxt
import pytest
from binance.exceptions import BinanceAPIException

from tests.binance import clients
from tests.binance.clients import marginlab_ccxt, marginlab_python_binance, urls_only_ccxt
from tests.binance.test_spot_oco import SELL_LIST
from tests.helpers import amounts, assert_ledger_clean, cross
from trading.models import Account, AccountKind, Order
from trading.services.accounts import isolated_account_open

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def exchange(live_server, alice_keys):
    exchange = marginlab_ccxt(live_server.url, alice_keys)
    yield exchange
    # Closed before the live server stops: a kept-alive connection would outlive the test's database.
    exchange.close()


@pytest.fixture
def python_binance(live_server, bob_keys):
    client = marginlab_python_binance(live_server.url, bob_keys)
    yield client
    client.close_connection()


@pytest.fixture
def market(set_prices):
    # Prices through the service, so that the price history (klines, 24hr) has candles.
    set_prices(ETHUSDT="3500.00", BTCUSDT="95000.00")


def test_ccxt_trades_cross_and_isolated_margin(exchange, alice, market):
    markets = exchange.load_markets()
    eth = markets["ETH/USDT"]
    assert eth["spot"] and eth["margin"] and eth["marginModes"] == {"cross": True, "isolated": True}
    assert eth["precision"] == {"amount": 0.0001, "price": 0.01, "base": 1e-08, "quote": 1e-08}
    assert eth["limits"]["cost"]["min"] == 5 and eth["limits"]["amount"]["min"] == 0.0001
    assert exchange.currencies["USDT"]["precision"] == 1e-08  # from capital/config/getall
    # The USDⓈ-M perpetuals come from /fapi (tests/binance/test_fapi_libraries.py); no dated futures.
    assert {m["id"] for m in markets.values() if m["swap"]} == {"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"}
    assert not any(m["future"] for m in markets.values())
    ticker = exchange.fetch_ticker("ETH/USDT")
    assert ticker["last"] == 3500 and ticker["bid"] < 3500 < ticker["ask"]

    isolated_account_open(user=alice, symbol="ETHUSDT", leverage=5)  # as on the web page
    exchange.transfer("USDT", 1000, "spot", "cross")
    exchange.transfer("USDT", 400, "spot", "isolated", {"symbol": "ETH/USDT"})
    cross_balance = exchange.fetch_balance({"marginMode": "cross"})
    assert cross_balance["USDT"]["free"] == 1000 and cross_balance["USDT"]["debt"] == 0
    isolated_balance = exchange.fetch_balance({"marginMode": "isolated"})
    assert isolated_balance["USDT"]["free"] == 400

    # Cross: a MARGIN_BUY borrows what 1000 USDT lacks for 0.5 ETH; an AUTO_REPAY sale pays debt back.
    bought = exchange.create_order(
        "ETH/USDT", "market", "buy", 0.5, None, {"marginMode": "cross", "sideEffectType": "MARGIN_BUY"}
    )
    assert bought["status"] == "closed" and bought["filled"] == 0.5
    assert Decimal(bought["info"]["marginBuyBorrowAmount"]) > 0 and bought["info"]["marginBuyBorrowAsset"] == "USDT"
    debt_after_buy = exchange.fetch_balance({"marginMode": "cross"})["USDT"]["debt"]
    assert debt_after_buy > 750
    sold = exchange.create_order(
        "ETH/USDT", "market", "sell", 0.2, None, {"marginMode": "cross", "sideEffectType": "AUTO_REPAY"}
    )
    assert sold["status"] == "closed" and sold["trades"][0]["fee"]["currency"] == "USDT"
    assert exchange.fetch_balance({"marginMode": "cross"})["USDT"]["debt"] < debt_after_buy - 600
    loan = exchange.borrow_cross_margin("USDT", 100)
    assert loan["id"] and loan["currency"] == "USDT"

    # Isolated: a resting limit order, found, listed and cancelled.
    resting = exchange.create_order("ETH/USDT", "limit", "buy", 0.1, 3000, {"marginMode": "isolated"})
    assert resting["status"] == "open"
    found = exchange.fetch_order(resting["id"], "ETH/USDT", {"marginMode": "isolated"})
    assert found["id"] == resting["id"] and found["price"] == 3000 and found["amount"] == 0.1
    assert [o["id"] for o in exchange.fetch_open_orders("ETH/USDT", params={"marginMode": "isolated"})] == [
        resting["id"]
    ]
    assert exchange.fetch_open_orders("ETH/USDT", params={"marginMode": "cross"}) == []
    cancelled = exchange.cancel_order(resting["id"], "ETH/USDT", {"marginMode": "isolated"})
    assert cancelled["status"] == "canceled"
    exchange.borrow_isolated_margin("ETH/USDT", "USDT", 50)
    isolated_debt = exchange.fetch_balance({"marginMode": "isolated"})["USDT"]["debt"]
    exchange.repay_isolated_margin("ETH/USDT", "USDT", 30)
    assert exchange.fetch_balance({"marginMode": "isolated"})["USDT"]["debt"] == pytest.approx(isolated_debt - 30)

    # Errors arrive as ccxt's own exceptions, and change nothing.
    before = amounts(cross(alice), "USDT")
    with pytest.raises(ccxt.InsufficientFunds):
        exchange.create_order("ETH/USDT", "market", "buy", 10, None, {"marginMode": "cross"})
    assert amounts(cross(alice), "USDT") == before
    with pytest.raises(ccxt.OrderNotFound):
        exchange.fetch_order("987654321", "ETH/USDT", {"marginMode": "cross"})
    with pytest.raises(ccxt.OrderNotFound):
        exchange.cancel_order(resting["id"], "ETH/USDT", {"marginMode": "isolated"})  # no longer open
    with pytest.raises(ccxt.BadRequest, match="Filter failure: NOTIONAL"):
        exchange.create_order("ETH/USDT", "limit", "buy", 0.0001, 3000, {"marginMode": "cross"})
    assert_ledger_clean()


def test_python_binance_trades_cross_and_isolated_margin(python_binance, bob, market):
    client = python_binance
    assert client.get_server_time()["serverTime"] > 0
    assert client.get_symbol_ticker(symbol="BTCUSDT") == {"symbol": "BTCUSDT", "price": "95000.00000000"}
    assert client.get_klines(symbol="BTCUSDT", interval="1m")[-1][4] == "95000.00000000"

    client.transfer_spot_to_margin(asset="USDT", amount="2000")
    account = client.get_margin_account()
    usdt = next(a for a in account["userAssets"] if a["asset"] == "USDT")
    assert usdt["free"] == "2000.00000000" and account["marginLevel"] == "999.00000000"

    loan = client.create_margin_loan(asset="USDT", amount="1000")
    assert loan["tranId"] > 0
    account = client.get_margin_account()
    usdt = next(a for a in account["userAssets"] if a["asset"] == "USDT")
    assert usdt["borrowed"] == "1000.00000000" and Decimal(account["marginLevel"]) < 4
    client.repay_margin_loan(asset="USDT", amount="400")
    usdt = next(a for a in client.get_margin_account()["userAssets"] if a["asset"] == "USDT")
    assert Decimal(usdt["borrowed"]) + Decimal(usdt["interest"]) == pytest.approx(Decimal("600"), abs=Decimal("0.01"))

    order = client.create_margin_order(
        symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.01", price="90000"
    )
    assert order["status"] == "NEW" and order["isIsolated"] is False
    assert client.get_margin_order(symbol="BTCUSDT", orderId=order["orderId"])["status"] == "NEW"
    assert client.cancel_margin_order(symbol="BTCUSDT", orderId=order["orderId"])["status"] == "CANCELED"

    # Isolated: enable the pair, fund it, borrow against it, trade with MARGIN_BUY.
    assert client.create_isolated_margin_account(base="BTC", quote="USDT") == {"success": True, "symbol": "BTCUSDT"}
    client.transfer_spot_to_isolated_margin(asset="USDT", symbol="BTCUSDT", amount="500")
    client.create_margin_loan(asset="USDT", amount="200", isIsolated="TRUE", symbol="BTCUSDT")
    bought = client.create_margin_order(
        symbol="BTCUSDT", isIsolated="TRUE", side="BUY", type="MARKET", quantity="0.01", sideEffectType="MARGIN_BUY"
    )
    assert bought["status"] == "FILLED" and bought["isIsolated"] is True and len(bought["fills"]) == 1
    isolated = client.get_isolated_margin_account(symbols="BTCUSDT")["assets"][0]
    assert isolated["symbol"] == "BTCUSDT" and isolated["baseAsset"]["free"] == "0.00999000"  # less the 0.1 % fee
    assert Decimal(isolated["quoteAsset"]["borrowed"]) > 200 and Decimal(isolated["liquidatePrice"]) > 0
    assert isolated["marginLevelStatus"] == "NORMAL"
    isolated_account = Account.objects.get(user=bob, kind=AccountKind.ISOLATED)
    assert Order.objects.filter(account=isolated_account).count() == 1

    with pytest.raises(BinanceAPIException) as refused:
        client.create_margin_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="1")
    assert refused.value.code == -2010 and refused.value.status_code == 400
    with pytest.raises(BinanceAPIException) as missing:
        client.repay_margin_loan(asset="USDT", amount="1", isIsolated="TRUE", symbol="ETHUSDT")
    assert missing.value.code == -11001
    assert_ledger_clean()


# --- spot trading, and ccxt's own error classes -----------------------------------------------------------


def test_the_readme_recipe_keeps_ccxts_own_error_classes(exchange, live_server, alice_keys, alice):
    with pytest.raises(ccxt.InsufficientFunds, match="-3041"):
        exchange.transfer("USDT", 1000000, "spot", "cross")  # more than the spot wallet holds
    with pytest.raises(ccxt.BadRequest, match="-3006"):
        exchange.borrow_cross_margin("USDT", 1000)  # no collateral: nothing is borrowable
    with pytest.raises(ccxt.BadRequest, match="-3015"):
        exchange.repay_cross_margin("USDT", 1)  # nothing owed
    # Why the recipe: with the URLs rewritten alone, the same answers reach the bot as ExchangeError.
    generic = urls_only_ccxt(live_server.url, alice_keys)
    try:
        for call in (
            lambda: generic.transfer("USDT", 1000000, "spot", "cross"),
            lambda: generic.borrow_cross_margin("USDT", 1000),
            lambda: generic.repay_cross_margin("USDT", 1),
        ):
            with pytest.raises(ccxt.ExchangeError) as generic_error:
                call()
            assert type(generic_error.value) is ccxt.ExchangeError
    finally:
        generic.close()
    assert amounts(cross(alice), "USDT") == (0, 0, 0, 0)


def test_python_binance_gets_binances_codes_for_the_same_refusals(python_binance, bob):
    refusals = {
        -3041: lambda: python_binance.transfer_spot_to_margin(asset="USDT", amount="1000000"),
        -3006: lambda: python_binance.create_margin_loan(asset="USDT", amount="1000"),
        -3015: lambda: python_binance.repay_margin_loan(asset="USDT", amount="1"),
    }
    for code, call in refusals.items():
        with pytest.raises(BinanceAPIException) as refused:
            call()
        assert refused.value.code == code and refused.value.status_code == 400
    assert amounts(cross(bob), "USDT") == (0, 0, 0, 0)


def test_ccxts_hostname_option_keeps_its_error_classes_behind_tls():
    """The no-code recipe for a deployment with TLS on api., fapi. and dapi. subdomains of one host."""
    exchange = ccxt.binance({"hostname": "marginlab.example"})
    exchange.urls["api"] = {
        name: url.replace(".binance.com", ".marginlab.example") for name, url in exchange.urls["api"].items()
    }
    url = exchange.urls["api"]["sapi"] + "/asset/transfer"
    body = '{"code":-3041,"msg":"Balance is not enough"}'

    assert url == "https://api.marginlab.example/sapi/v1/asset/transfer"
    with pytest.raises(ccxt.InsufficientFunds):
        exchange.handle_errors(400, "Bad Request", url, "POST", {}, body, {"code": -3041, "msg": "x"}, {}, "")


def readme_recipe() -> dict:
    """The README's ccxt classes, executed as printed ("Point your bot at MarginLab" and "Futures bots")."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    spot = readme[
        readme.index("    import re, ccxt\n\n    class MarginLab") : readme.index("    exchange = MarginLab(")
    ]
    futures = readme[readme.index("    class MarginLabUSDM") : readme.index("    exchange = MarginLabUSDM(")]
    namespace: dict = {}
    exec(textwrap.dedent(spot) + textwrap.dedent(futures), namespace)  # noqa: S102 - our own README
    return namespace


def test_the_readme_prints_the_recipe_these_tests_run():
    recipe = readme_recipe()
    for name in ("MarginLab", "MarginLabUSDM"):
        printed, tested = recipe[name], getattr(clients, name)
        assert [c.__name__ for c in printed.__mro__[1:4]] == [c.__name__ for c in tested.__mro__[1:4]]
        for method in ("__init__", "get_exceptions_by_url"):
            assert (method in vars(printed)) == (method in vars(tested))
    spot, usdm = recipe["MarginLab"]({}), recipe["MarginLabUSDM"]({})
    assert spot.urls["api"]["sapi"] == "http://127.0.0.1:8000/sapi/v1"
    assert usdm.urls["api"]["fapiPrivate"] == "http://127.0.0.1:8000/fapi/v1"
    answers = [
        (spot, "/sapi/v1/asset/transfer", -3041, "Balance is not enough", ccxt.InsufficientFunds),
        (spot, "/sapi/v1/margin/borrow-repay", -3006, "Your borrow amount has exceed maximum borrow amount.", ccxt.BadRequest),
        (usdm, "/fapi/v1/order", -2019, "Margin is insufficient.", ccxt.InsufficientFunds),
        (usdm, "/fapi/v1/order", -2022, "ReduceOnly Order is rejected.", ccxt.InvalidOrder),
        (usdm, "/fapi/v1/leverage", -4028, "Leverage 101 is not valid", ccxt.BadRequest),
    ]  # fmt: skip
    for exchange, path, code, message, error_class in answers:
        body = json.dumps({"code": code, "msg": message})
        with pytest.raises(error_class):
            exchange.handle_errors(400, "", "http://127.0.0.1:8000" + path, "POST", {}, body, json.loads(body), {}, "")


def test_ccxt_trades_on_the_spot_wallet(exchange, alice, market):
    exchange.load_markets()
    bought = exchange.create_order("ETH/USDT", "market", "buy", 0.1)
    assert bought["status"] == "closed" and bought["filled"] == 0.1 and bought["trades"][0]["fee"]["currency"] == "ETH"
    balance = exchange.fetch_balance()
    assert balance["ETH"]["free"] == pytest.approx(0.0999) and balance["USDT"]["free"] < 10000 - 350
    resting = exchange.create_order("ETH/USDT", "limit", "buy", 0.1, 3000)
    assert resting["status"] == "open"
    assert exchange.fetch_order(resting["id"], "ETH/USDT")["price"] == 3000
    assert [o["id"] for o in exchange.fetch_open_orders("ETH/USDT")] == [resting["id"]]
    assert exchange.cancel_order(resting["id"], "ETH/USDT")["status"] == "canceled"
    assert [t["order"] for t in exchange.fetch_my_trades("ETH/USDT")] == [bought["id"]]
    assert {o["id"] for o in exchange.fetch_orders("ETH/USDT")} == {bought["id"], resting["id"]}
    with pytest.raises(ccxt.InsufficientFunds):
        exchange.create_order("ETH/USDT", "market", "buy", 100)
    with pytest.raises(ccxt.OrderNotFound):
        exchange.cancel_order(resting["id"], "ETH/USDT")
    fees = exchange.fetch_trading_fees() if exchange.has.get("fetchTradingFees") else None
    assert fees is None or fees["ETH/USDT"]["taker"] == 0.001
    assert not Order.objects.filter(account__kind=AccountKind.CROSS).exists()
    assert_ledger_clean()


def test_python_binance_trades_on_the_spot_wallet(python_binance, bob, market):
    client = python_binance
    assert client.create_test_order(symbol="ETHUSDT", side="BUY", type="MARKET", quantity="0.1") == {}
    assert not Order.objects.exists()

    bought = client.order_market_buy(symbol="ETHUSDT", quantity="0.1")
    assert bought["status"] == "FILLED" and bought["fills"][0]["commissionAsset"] == "ETH"
    resting = client.order_limit_buy(symbol="ETHUSDT", quantity="0.1", price="3000")
    assert client.get_order(symbol="ETHUSDT", orderId=resting["orderId"])["status"] == "NEW"
    assert [o["orderId"] for o in client.get_open_orders(symbol="ETHUSDT")] == [resting["orderId"]]
    assert client.cancel_order(symbol="ETHUSDT", orderId=resting["orderId"])["status"] == "CANCELED"
    assert len(client.get_all_orders(symbol="ETHUSDT")) == 2
    assert [t["orderId"] for t in client.get_my_trades(symbol="ETHUSDT")] == [bought["orderId"]]
    account = client.get_account()
    assert account["commissionRates"]["taker"] == "0.00100000" and account["canTrade"] is True
    eth = next(b for b in account["balances"] if b["asset"] == "ETH")
    assert eth["free"] == "0.09990000"
    with pytest.raises(BinanceAPIException) as refused:
        client.order_market_buy(symbol="ETHUSDT", quantity="100")
    assert refused.value.code == -2010
    assert_ledger_clean()


# --- spot OCO: order lists on the spot wallet ------------------------------------------------------------


def test_ccxt_places_lists_and_cancels_spot_ocos(exchange, alice, market):
    exchange.load_markets()
    exchange.create_order("ETH/USDT", "market", "buy", 0.3)
    # ccxt has no unified OCO call: its implicit methods, with the client ids it generates for every leg.
    listed = exchange.private_post_orderlist_oco(SELL_LIST)
    assert listed["listClientOrderId"].startswith("x-") and listed["listStatusType"] == "EXEC_STARTED"
    assert all(o["clientOrderId"].startswith("x-") for o in listed["orders"])
    legacy = exchange.private_post_order_oco(
        {"symbol": "ETHUSDT", "side": "SELL", "quantity": "0.1", "price": "3900", "stopPrice": "3200",
         "stopLimitPrice": "3190", "stopLimitTimeInForce": "GTC"}
    )  # fmt: skip
    open_lists = exchange.private_get_openorderlist()
    assert [o["orderListId"] for o in open_lists] == [listed["orderListId"], legacy["orderListId"]]
    found = exchange.private_get_orderlist({"orderListId": listed["orderListId"]})
    assert found["orders"] == listed["orders"]
    # The legs are orders like any other: ccxt's unified calls see them.
    assert len(exchange.fetch_open_orders("ETH/USDT")) == 4
    cancelled = exchange.private_delete_orderlist({"symbol": "ETHUSDT", "orderListId": legacy["orderListId"]})
    assert [r["status"] for r in cancelled["orderReports"]] == ["CANCELED", "CANCELED"]
    assert len(exchange.private_get_allorderlist()) == 2
    # Errors arrive as ccxt's own classes.
    with pytest.raises(ccxt.InvalidOrder, match="relationship of the prices"):
        exchange.private_post_orderlist_oco(SELL_LIST | {"abovePrice": "3400"})
    with pytest.raises(ccxt.InvalidOrder, match="-1014"):
        exchange.private_post_orderlist_oco(SELL_LIST | {"belowType": "STOP_LOSS"})
    with pytest.raises(ccxt.InsufficientFunds):
        exchange.private_post_orderlist_oco(SELL_LIST | {"quantity": "5"})
    with pytest.raises(ccxt.OrderNotFound):
        exchange.private_get_orderlist({"orderListId": "987654321"})
    assert not Order.objects.filter(account__kind=AccountKind.CROSS).exists()
    assert_ledger_clean()


def test_python_binance_places_spot_ocos(python_binance, bob, market):
    from risk.staff import price_set_now

    client = python_binance
    client.order_market_buy(symbol="ETHUSDT", quantity="0.3")
    # create_oco_order and order_oco_sell both post orderList/oco (python-binance 1.0.37).
    placed = client.create_oco_order(**SELL_LIST)
    assert placed["contingencyType"] == "OCO" and len(placed["orderReports"]) == 2
    sold = client.order_oco_sell(**{k: v for k, v in SELL_LIST.items() if k != "side"} | {"abovePrice": "3900"})
    assert {r["side"] for r in sold["orderReports"]} == {"SELL"}
    assert [o["orderListId"] for o in client.get_open_oco_orders()] == [placed["orderListId"], sold["orderListId"]]
    # The legacy parameters the 1.0.37 docstrings still show reach orderList/oco, which wants aboveType.
    with pytest.raises(BinanceAPIException) as legacy:
        client.order_oco_buy(symbol="ETHUSDT", quantity="0.1", price="3000", stopPrice="3700", stopLimitPrice="3710")
    assert legacy.value.code == -1102 and "aboveType" in legacy.value.message

    price_set_now(symbol="ETHUSDT", price="3810.00")  # the first list's limit leg fills; its stop leg goes

    assert [o["orderListId"] for o in client.get_open_oco_orders()] == [sold["orderListId"]]
    statuses = {o["orderId"]: o["status"] for o in client.get_all_orders(symbol="ETHUSDT")}
    assert [statuses[o["orderId"]] for o in placed["orders"]] == ["FILLED", "CANCELED"]
    assert_ledger_clean()
