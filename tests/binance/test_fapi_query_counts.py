"""/fapi's lists keep a fixed number of queries whatever they hold: one item or four, the same count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from futures.models import FuturesSymbol
from futures.services.orders import futures_order_place
from futures.services.wallet import TO_FUTURES, futures_transfer_create
from tests.binance.conftest import signed

SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"]
QUANTITIES = {"BTCUSDT": "0.002", "ETHUSDT": "0.1", "BNBUSDT": "0.1", "SOLUSDT": "1"}


def resting_order(user, i):
    futures_order_place(user=user, symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.002", price="90000")


def market_buy(user, i):
    futures_order_place(user=user, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.002")


def position(user, i):
    futures_order_place(user=user, symbol=SYMBOLS[i], side="BUY", type="MARKET", quantity=QUANTITIES[SYMBOLS[i]])


def algo_stop(user, i):
    futures_order_place(
        user=user, symbol="BTCUSDT", side="SELL", type="STOP_MARKET", quantity="0.002", stop_price="90000", algo=True
    )


CASES = [
    ("/fapi/v1/openOrders", {}, resting_order),
    ("/fapi/v1/allOrders", {"symbol": "BTCUSDT"}, market_buy),
    ("/fapi/v1/openAlgoOrders", {}, algo_stop),
    ("/fapi/v1/allAlgoOrders", {"symbol": "BTCUSDT"}, algo_stop),
    ("/fapi/v1/userTrades", {"symbol": "BTCUSDT"}, market_buy),
    ("/fapi/v1/income", {}, market_buy),
    ("/fapi/v3/positionRisk", {}, position),
    ("/fapi/v2/positionRisk", {}, position),
    ("/fapi/v3/account", {}, position),
    ("/fapi/v2/account", {}, position),
]


@pytest.mark.parametrize(("path", "params", "add"), CASES, ids=[c[0] for c in CASES])
def test_a_fapi_list_costs_the_same_for_one_item_as_for_four(client, alice, alice_keys, set_prices, path, params, add):
    FuturesSymbol.objects.update(basis_rate=0)
    set_prices(BTCUSDT=100000, ETHUSDT=2500, BNBUSDT=600, SOLUSDT=150)
    futures_transfer_create(user=alice, type=TO_FUTURES, amount="5000")
    signed(client, "get", "/fapi/v3/balance", alice_keys)  # the key's first use records it; later ones do not
    add(alice, 0)
    with CaptureQueriesContext(connection) as one:
        assert signed(client, "get", path, alice_keys, params).status_code == 200
    for i in range(1, 4):
        add(alice, i)

    with CaptureQueriesContext(connection) as four:
        response = signed(client, "get", path, alice_keys, params)

    assert response.status_code == 200
    body = response.json()
    assert len(body if isinstance(body, list) else body["positions"]) >= 4
    assert len(four) == len(one), [q["sql"][:120] for q in four.captured_queries]
