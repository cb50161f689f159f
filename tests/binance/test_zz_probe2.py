import pytest
from decimal import Decimal
from tests.binance.conftest import signed
from futures.models import FuturesSymbol
from futures.services.wallet import TO_FUTURES, futures_transfer_create
from trading.services.orders import order_place
from tests.helpers import spot

ALGO = {"symbol": "BTCUSDT", "algoType": "CONDITIONAL", "side": "SELL", "type": "STOP_MARKET", "quantity": "0.01", "triggerPrice": "95000"}
SELL_OCO = {"symbol": "ETHUSDT", "side": "SELL", "quantity": "0.05", "price": "3800", "stopPrice": "3300", "stopLimitPrice": "3290", "stopLimitTimeInForce": "GTC"}

@pytest.fixture
def setup(alice, platform, set_prices):
    FuturesSymbol.objects.update(basis_rate=Decimal(0))
    set_prices(BTCUSDT=100000, ETHUSDT=3500, BNBUSDT=600, SOLUSDT=150)
    futures_transfer_create(user=alice, type=TO_FUTURES, amount="1000")
    order_place(user=alice, account_id=spot(alice).pk, symbol="ETHUSDT", side="BUY", quantity="0.2")

def show(r):
    print(r.status_code, r.content[:300])

def test_dupes(client, alice_keys, setup):
    s = lambda m, p, q: signed(client, m, p, alice_keys, {"recvWindow": "60000", **q})
    show(s("post", "/fapi/v1/algoOrder", ALGO | {"clientAlgoId": "abc"}))
    show(s("post", "/fapi/v1/algoOrder", ALGO | {"clientAlgoId": "abc"}))
    show(s("post", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01", "price": "90000", "timeInForce": "GTC", "newClientOrderId": "abc"}))
    show(s("get", "/fapi/v1/order", {"symbol": "BTCUSDT", "origClientOrderId": "abc"}))
    show(s("post", "/api/v3/order/oco", SELL_OCO | {"listClientOrderId": "L1", "limitClientOrderId": "X", "stopClientOrderId": "X"}))
    show(s("post", "/api/v3/order/oco", SELL_OCO | {"listClientOrderId": "L1"}))
    show(s("post", "/api/v3/order/oco", SELL_OCO | {"listClientOrderId": "L2", "limitClientOrderId": "A1"}))
    show(s("post", "/api/v3/order/oco", SELL_OCO | {"listClientOrderId": "L3", "limitClientOrderId": "A1"}))
    show(s("post", "/api/v3/order/oco", SELL_OCO | {"listClientOrderId": "x" * 300}))
    show(s("post", "/api/v3/order/oco", SELL_OCO | {"limitClientOrderId": "x" * 300}))
    show(s("post", "/api/v3/order/oco", SELL_OCO | {"limitClientOrderId": "é☃"}))
    show(s("delete", "/api/v3/orderList", {"symbol": "ETHUSDT", "listClientOrderId": "L2", "newClientOrderId": "y" * 500}))
    show(s("post", "/fapi/v1/algoOrder", ALGO | {"clientAlgoId": "x" * 300}))
    show(s("post", "/fapi/v1/algoOrder", ALGO | {"type": "TRAILING_STOP_MARKET", "callbackRate": "1", "activatePrice": "0"} ))
    show(s("post", "/fapi/v1/algoOrder", {k: v for k, v in ALGO.items() if k != "triggerPrice"} | {"type": "TRAILING_STOP_MARKET", "callbackRate": "1", "activatePrice": "1"} ))
    show(s("post", "/fapi/v1/algoOrder", ALGO | {"closePosition": "true"}))
    show(s("post", "/fapi/v1/algoOrder", {k: v for k, v in ALGO.items() if k != "quantity"} | {"closePosition": "true"}))
    show(s("post", "/fapi/v1/algoOrder", ALGO | {"timeInForce": "GTX", "type": "STOP", "price": "94000"}))
    show(s("post", "/fapi/v1/algoOrder", ALGO | {"triggerPrice": "105000"}))
