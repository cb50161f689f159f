"""Orders against the simulated book (fill model BOOK): market walks, IOC/FOK, partial fills, the touch.

ETHUSDT's book here: 2 bps spread, 3 levels 10 bps apart, 1000 USDT a level, no noise; at the mark 2000:
    asks 2000.20 x 0.4999, 2002.20 x 0.4994, 2004.20 x 0.4989
    bids 1999.80 x 0.5000, 1997.80 x 0.5005, 1995.80 x 0.5010
"""

from decimal import Decimal as D

import pytest

from tests.helpers import amounts, assert_ledger_clean, spot
from trading.models import FillModel, Order, Pair, PairBook, PlatformSettings, Trade
from trading.services.matching import orders_match
from trading.services.orders import order_place

ASKS = [(D("2000.20"), D("0.4999")), (D("2002.20"), D("0.4994")), (D("2004.20"), D("0.4989"))]


@pytest.fixture
def eth_book(zero_costs, set_prices):
    zero_costs.fill_model = FillModel.BOOK
    zero_costs.save()
    PairBook.objects.filter(pair__symbol="ETHUSDT").update(
        spread_bps=D(2), levels=3, level_spacing_bps=D(10), level_notional=D(1000), noise=D(0)
    )
    set_prices(ETHUSDT=2000)
    return Pair.objects.get(symbol="ETHUSDT")


def buy(user, **params):
    return order_place(user=user, account_id=spot(user).pk, symbol="ETHUSDT", side="BUY", **params)


def trades(order):
    return [(t.price, t.quantity, t.is_maker) for t in Trade.objects.filter(order=order).order_by("id")]


def test_the_seeded_pairs_have_books_and_the_platform_fills_against_them(db):
    assert PlatformSettings.objects.get(pk=1).fill_model == FillModel.BOOK  # the migrated default
    books = dict(PairBook.objects.values_list("pair__symbol", "level_notional"))
    assert set(books) == set(Pair.objects.values_list("symbol", flat=True))
    assert books["BTCUSDT"] > books["DOGEUSDT"]  # the big pairs are deeper


def test_a_market_buy_walks_the_asks(alice, eth_book):
    order = buy(alice, type="MARKET", quantity="0.6")
    assert order.status == Order.Status.FILLED and order.executed_qty == D("0.6")
    assert trades(order) == [(D("2000.20"), D("0.4999"), False), (D("2002.20"), D("0.1001"), False)]
    assert order.cummulative_quote_qty == D("999.89998") + D("200.42022")
    assert amounts(spot(alice), "USDT") == (D(10000) - order.cummulative_quote_qty, 0, 0, 0)
    assert amounts(spot(alice), "ETH")[0] == D("0.6")
    assert_ledger_clean()


def test_a_market_order_beyond_the_depth_fills_partly_and_expires(alice, eth_book):
    order = buy(alice, type="MARKET", quantity="2")
    assert order.status == Order.Status.EXPIRED
    assert order.status_reason == "Market depth exhausted: the rest of the order expired."
    assert order.executed_qty == sum(q for _, q in ASKS) == D("1.4982")
    assert trades(order) == [(p, q, False) for p, q in ASKS]
    assert order.cummulative_quote_qty == D("999.89998") + D("999.89868") + D("999.89538")
    assert amounts(spot(alice), "USDT") == (D(10000) - order.cummulative_quote_qty, 0, 0, 0)
    assert_ledger_clean()


def test_a_market_buy_by_quote_amount_spends_at_most_it(alice, eth_book):
    order = buy(alice, type="MARKET", quote_quantity="1500")
    # 999.89998 at the first level; the 500.10002 left buys 0.2497 at 2002.20 (499.94934); what is left
    # buys less than one step at 2004.20, so the order is complete.
    assert order.status == Order.Status.FILLED
    assert trades(order) == [(D("2000.20"), D("0.4999"), False), (D("2002.20"), D("0.2497"), False)]
    assert order.cummulative_quote_qty == D("999.89998") + D("499.94934") <= D(1500)


def test_average_price_and_slippage_grow_with_size(alice, bob, eth_book):
    small = buy(alice, type="MARKET", quantity="0.1")
    large = buy(bob, type="MARKET", quantity="1.4")
    assert small.cummulative_quote_qty / small.executed_qty == D("2000.20")
    assert large.cummulative_quote_qty / large.executed_qty > D("2002")


def test_ioc_fills_what_the_book_offers_at_its_price_and_releases_the_rest(alice, eth_book):
    order = buy(alice, type="LIMIT", time_in_force="IOC", price="2002.20", quantity="1.2")
    assert order.status == Order.Status.EXPIRED and order.executed_qty == D("0.9993")
    assert trades(order) == [(D("2000.20"), D("0.4999"), False), (D("2002.20"), D("0.4994"), False)]
    assert order.locked_amount == 0
    assert amounts(spot(alice), "USDT") == (D(10000) - order.cummulative_quote_qty, 0, 0, 0)
    assert_ledger_clean()


def test_fok_fills_all_or_nothing(alice, eth_book):
    refused = buy(alice, type="LIMIT", time_in_force="FOK", price="2002.20", quantity="0.9994")
    assert refused.status == Order.Status.EXPIRED and refused.executed_qty == 0
    assert amounts(spot(alice), "USDT") == (D(10000), 0, 0, 0)
    exact = buy(alice, type="LIMIT", time_in_force="FOK", price="2002.20", quantity="0.9993")  # the depth there
    assert exact.status == Order.Status.FILLED and exact.executed_qty == D("0.9993")
    assert_ledger_clean()


def test_a_gtc_limit_takes_what_it_can_then_rests_with_only_its_rest_locked(alice, eth_book):
    order = buy(alice, type="LIMIT", price="2002.20", quantity="1.2")
    assert order.status == Order.Status.PARTIALLY_FILLED and order.executed_qty == D("0.9993")
    # Locked: the rest 0.2007 at its limit 2002.20, no more (the better-priced first level freed the difference).
    assert order.locked_amount == D("401.84154")
    assert amounts(spot(alice), "USDT")[1] == D("401.84154")
    assert_ledger_clean()

    orders_match(pair=eth_book, price=D("2002.20"))  # the mark reaches its price: the touch

    order.refresh_from_db()
    assert order.status == Order.Status.FILLED and order.locked_amount == 0
    assert trades(order)[-1] == (D("2002.20"), D("0.2007"), True)
    assert amounts(spot(alice), "USDT")[1] == 0
    assert_ledger_clean()


def test_resting_orders_at_the_touch_share_one_level_oldest_first(alice, bob, eth_book, set_prices):
    first = buy(alice, type="LIMIT", price="1990", quantity="0.3")
    second = buy(bob, type="LIMIT", price="1990", quantity="0.4")
    set_prices(ETHUSDT="1990")
    # At the mark 1990 the book's best level is 1990.20 x 0.5024 (1000 USDT): what trades at the touch.
    orders_match(pair=eth_book, price=D("1990"))

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Order.Status.FILLED and trades(first) == [(D("1990"), D("0.3"), True)]
    assert second.status == Order.Status.PARTIALLY_FILLED and second.executed_qty == D("0.2024")
    assert second.locked_amount == D("0.1976") * D("1990") == amounts(spot(bob), "USDT")[1]
    assert_ledger_clean()

    orders_match(pair=eth_book, price=D("1989.99"))  # the price trades through: the rest fills whole

    second.refresh_from_db()
    assert second.status == Order.Status.FILLED and second.locked_amount == 0
    assert [q for _, q, _ in trades(second)] == [D("0.2024"), D("0.1976")]
    assert_ledger_clean()


def test_the_fixed_model_still_fills_whole_at_the_slipped_mark(alice, eth_book):
    PlatformSettings.objects.filter(pk=1).update(fill_model=FillModel.FIXED, slippage_bps=D(5))
    order = buy(alice, type="MARKET", quantity="2")
    assert order.status == Order.Status.FILLED
    assert trades(order) == [(D("2001.00"), D("2"), False)]
