"""Binance's /api/v3/depth and /api/v3/ticker/bookTicker over the simulated book.

https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#order-book
"""

from decimal import Decimal as D

import pytest

from trading.models import FillModel, PairBook, PlatformSettings
from trading.services.markets import mark_price_set


def ok(response):
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def eth(platform):
    PlatformSettings.objects.filter(pk=1).update(fill_model=FillModel.BOOK)
    PairBook.objects.filter(pair__symbol="ETHUSDT").update(
        spread_bps=D(2), levels=500, level_spacing_bps=D(1), level_notional=D(1000), noise=D(0)
    )
    mark_price_set(symbol="ETHUSDT", price=D("2000"))


def test_depth_in_binances_shape(client, eth):
    body = ok(client.get("/api/v3/depth", {"symbol": "ETHUSDT", "limit": 2}))
    assert set(body) == {"lastUpdateId", "bids", "asks"}
    assert body["asks"] == [["2000.20000000", "0.49990000"], ["2000.40000000", "0.49990000"]]
    assert body["bids"] == [["1999.80000000", "0.50000000"], ["1999.60000000", "0.50010000"]]
    assert isinstance(body["lastUpdateId"], int) and body["lastUpdateId"] > 0


def test_depth_limit_default_100_max_5000_and_larger_truncated(client, eth):
    assert len(ok(client.get("/api/v3/depth", {"symbol": "ETHUSDT"}))["bids"]) == 100
    # The book holds 500 levels a side: a limit up to 5000 returns what there is.
    assert len(ok(client.get("/api/v3/depth", {"symbol": "ETHUSDT", "limit": 5000}))["asks"]) == 500
    # "If limit > 5000, only 5000 entries will be returned": no error.
    assert len(ok(client.get("/api/v3/depth", {"symbol": "ETHUSDT", "limit": 5001}))["asks"]) == 500


@pytest.mark.parametrize(("limit", "weight"), [("100", 5), ("101", 25), ("500", 25), ("1000", 50), ("5000", 250)])
def test_depth_weight_follows_the_limit(client, eth, limit, weight):
    before = int(client.get("/api/v3/ping")["X-MBX-USED-WEIGHT-1M"])  # weight 1, counted in ``before``
    response = client.get("/api/v3/depth", {"symbol": "ETHUSDT", "limit": limit})
    assert response.status_code == 200
    assert int(response["X-MBX-USED-WEIGHT-1M"]) == before + weight


@pytest.mark.parametrize(("params", "code"), [({}, -1102), ({"symbol": "NOPEUSDT"}, -1121)])
def test_depth_refuses_a_missing_or_unknown_symbol(client, eth, params, code):
    response = client.get("/api/v3/depth", params)
    assert response.status_code == 400 and response.json()["code"] == code


@pytest.mark.parametrize("limit", ["0", "-1", "abc", str(2**63)])
def test_depth_refuses_a_bad_limit(client, eth, limit):
    response = client.get("/api/v3/depth", {"symbol": "ETHUSDT", "limit": limit})
    assert response.status_code == 400 and response.json()["code"] in (-1100, -1130)


def test_book_ticker_shows_the_books_top_with_its_sizes(client, eth):
    body = ok(client.get("/api/v3/ticker/bookTicker", {"symbol": "ETHUSDT"}))
    assert body == {
        "symbol": "ETHUSDT",
        "bidPrice": "1999.80000000",
        "bidQty": "0.50000000",
        "askPrice": "2000.20000000",
        "askQty": "0.49990000",
    }
    depth = ok(client.get("/api/v3/depth", {"symbol": "ETHUSDT", "limit": 1}))
    assert [body["bidPrice"], body["bidQty"]] == depth["bids"][0]


def test_book_ticker_under_the_fixed_model_is_the_slipped_mark_without_size(client, eth):
    PlatformSettings.objects.filter(pk=1).update(fill_model=FillModel.FIXED, slippage_bps=D(5))
    body = ok(client.get("/api/v3/ticker/bookTicker", {"symbol": "ETHUSDT"}))
    assert (body["bidPrice"], body["askPrice"], body["bidQty"]) == ("1999.00000000", "2001.00000000", "0.00000000")
