"""/fapi/v1/depth and /fapi/v1/ticker/bookTicker over the perpetual's simulated book (the BOOK fill model):
what they show is what a futures order fills at.

https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Order-Book
https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Symbol-Order-Book-Ticker
"""

from decimal import Decimal as D

import pytest

from futures.models import FuturesSymbol, FuturesTrade
from futures.services.orders import futures_order_place
from futures.services.wallet import TO_FUTURES, futures_transfer_create
from tests.binance.test_fapi_endpoints import ok, refused
from tests.helpers import assert_ledger_clean
from trading.models import FillModel, PairBook, PlatformSettings


@pytest.fixture
def btc(platform, set_prices):
    """BTC at 100,000 (no basis), 30 levels a side of 3,000 USDT, 2 bps apart, 2 bps spread."""
    PlatformSettings.objects.filter(pk=1).update(fill_model=FillModel.BOOK)
    PairBook.objects.filter(pair__symbol="BTCUSDT").update(
        spread_bps=D(2), levels=30, level_spacing_bps=D(2), level_notional=D(3000), noise=D(0)
    )
    FuturesSymbol.objects.update(basis_rate=D(0))
    set_prices(BTCUSDT=100000, ETHUSDT=2500, BNBUSDT=600, SOLUSDT=150)


def vwap(levels, quantity: D) -> D:
    """The average price the shown levels promise for ``quantity``."""
    left, notional = quantity, D(0)
    for price, size in levels:
        take = min(D(size), left)
        notional += take * D(price)
        left -= take
        if not left:
            break
    assert left == 0, "the depth shown is smaller than the order"
    return (notional / quantity).quantize(D("1e-8"))


def test_depth_shows_the_book_in_binances_shape(client, btc):
    body = ok(client.get("/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": 5}))
    assert set(body) == {"lastUpdateId", "E", "T", "bids", "asks"}
    assert body["asks"][:2] == [["100010.00000000", "0.02900000"], ["100030.00000000", "0.02900000"]]
    assert body["bids"][:2] == [["99990.00000000", "0.03000000"], ["99970.00000000", "0.03000000"]]
    assert len(body["bids"]) == len(body["asks"]) == 5
    assert isinstance(body["lastUpdateId"], int) and body["lastUpdateId"] > 0
    # Default 500: the whole book (30 levels a side) here.
    assert len(ok(client.get("/fapi/v1/depth", {"symbol": "BTCUSDT"}))["asks"]) == 30


@pytest.mark.parametrize("side", ["BUY", "SELL"])
@pytest.mark.parametrize("quantity", ["0.001", "0.05", "0.3"])
def test_depth_agrees_with_a_following_market_orders_average_price(client, btc, alice, side, quantity):
    futures_transfer_create(user=alice, type=TO_FUTURES, amount="5000")
    body = ok(client.get("/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": 1000}))

    order = futures_order_place(user=alice, symbol="BTCUSDT", side=side, type="MARKET", quantity=quantity)

    levels = body["asks"] if side == "BUY" else body["bids"]
    assert order.status == "FILLED" and order.avg_price == vwap(levels, D(quantity))
    trades = list(FuturesTrade.objects.filter(order=order).order_by("id").values_list("price", "qty"))
    assert [[f"{p:.8f}", f"{q:.8f}"] for p, q in trades[:-1]] == levels[: len(trades) - 1]
    assert_ledger_clean()


def test_book_ticker_is_the_books_top_with_its_sizes(client, btc):
    ticker = ok(client.get("/fapi/v1/ticker/bookTicker", {"symbol": "BTCUSDT"}))
    depth = ok(client.get("/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": 5}))
    assert [ticker["bidPrice"], ticker["bidQty"]] == depth["bids"][0]
    assert [ticker["askPrice"], ticker["askQty"]] == depth["asks"][0]
    assert ticker["lastUpdateId"] == depth["lastUpdateId"]

    every = ok(client.get("/fapi/v1/ticker/bookTicker"))
    assert [t["symbol"] for t in every] == ["BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT"]
    assert next(t for t in every if t["symbol"] == "BTCUSDT")["askQty"] == "0.02900000"


@pytest.mark.parametrize(
    ("limit", "weight"), [("5", 2), ("10", 2), ("20", 2), ("50", 2), ("100", 5), ("500", 10), ("1000", 20)]
)
def test_depth_weight_follows_the_limit(client, btc, limit, weight):
    before = int(client.get("/fapi/v1/ping")["X-MBX-USED-WEIGHT-1M"])
    response = client.get("/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": limit})
    assert response.status_code == 200 and int(response["X-MBX-USED-WEIGHT-1M"]) == before + weight


@pytest.mark.parametrize("limit", ["1", "4", "7", "1001", "5000", "0", "-5", "abc"])
def test_depth_refuses_a_limit_binance_does_not_list(client, btc, limit):
    refused(client.get("/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": limit}), -1130)


def test_depth_and_book_ticker_refuse_an_unknown_symbol(client, btc):
    refused(client.get("/fapi/v1/depth", {"symbol": "NOPEUSDT"}), -1121)
    refused(client.get("/fapi/v1/ticker/bookTicker", {"symbol": "NOPEUSDT"}), -1121)
