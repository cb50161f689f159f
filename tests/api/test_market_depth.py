"""GET /api/v1/markets/{symbol}/depth: the book market orders fill against."""

from decimal import Decimal as D

import pytest

from tests.api.api_helpers import API, assert_error, ok
from trading import selectors
from trading.models import MAX_BOOK_LEVELS, MarkPrice, Pair, PairBook
from trading.services.markets import mark_price_set


@pytest.fixture
def eth(platform):
    PairBook.objects.filter(pair__symbol="ETHUSDT").update(
        spread_bps=D(2), levels=MAX_BOOK_LEVELS, level_spacing_bps=D(1), level_notional=D(1000), noise=D(0)
    )
    mark_price_set(symbol="ETHUSDT", price=D("2000"))


def test_depth_shows_the_book_around_the_mark(anon, eth):
    body = ok(anon.get(f"{API}/markets/ethusdt/depth?limit=2"))
    assert body["symbol"] == "ETHUSDT" and body["mark_price"] == "2000.00000000"
    assert body["asks"] == [
        {"price": "2000.20000000", "quantity": "0.49990000"},
        {"price": "2000.40000000", "quantity": "0.49990000"},
    ]
    assert body["bids"][0] == {"price": "1999.80000000", "quantity": "0.50000000"}
    assert isinstance(body["last_update_id"], int)
    # The same book the orders fill against.
    book = selectors.order_book(pair=Pair.objects.get(symbol="ETHUSDT"), limit=2)
    assert [D(a["price"]) for a in body["asks"]] == [lv.price for lv in book.asks]


def test_depth_limit_default_and_maximum(anon, eth):
    assert len(ok(anon.get(f"{API}/markets/ETHUSDT/depth"))["asks"]) == 20
    assert len(ok(anon.get(f"{API}/markets/ETHUSDT/depth?limit={MAX_BOOK_LEVELS}"))["bids"]) == MAX_BOOK_LEVELS
    assert_error(anon.get(f"{API}/markets/ETHUSDT/depth?limit={MAX_BOOK_LEVELS + 1}"), 400, field="limit")


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1.5", "1e3", "9" * 30])
def test_a_bad_limit_is_400(anon, eth, limit):
    assert_error(anon.get(f"{API}/markets/ETHUSDT/depth", {"limit": limit}), 400, field="limit")


def test_an_unknown_symbol_is_404_and_a_pair_without_a_price_400(anon, platform):
    assert_error(anon.get(f"{API}/markets/NOPEUSDT/depth"), 404, "unknown_symbol")
    assert_error(anon.get(f"{API}/markets/BTC-USDT/depth"), 404)
    MarkPrice.objects.filter(pair__symbol="ETHUSDT").delete()
    assert_error(anon.get(f"{API}/markets/ETHUSDT/depth"), 400, "no_price")


def test_depth_with_bad_credentials_is_401(anon, eth):
    anon.credentials(HTTP_AUTHORIZATION="Token nope")
    assert_error(anon.get(f"{API}/markets/ETHUSDT/depth"), 401, "authentication_failed")


def test_depth_reads_a_fixed_number_of_queries(anon, eth, django_assert_num_queries):
    with django_assert_num_queries(3):  # the pair, its mark, its book parameters
        ok(anon.get(f"{API}/markets/ETHUSDT/depth?limit=100"))
