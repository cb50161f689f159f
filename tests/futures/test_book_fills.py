"""futures/services/orders/book.py: futures orders and liquidations fill through the perpetual's order book
under the BOOK fill model (the pair's book shape around the perpetual's mark), as spot and margin orders do.

Binance: a market order never rests (the rest of what the book cannot fill expires); IOC fills what it can
at once, FOK all or nothing. https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api
"""

from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from futures import selectors
from futures.models import FuturesLiquidation, FuturesOrder, FuturesPosition, FuturesTrade, Income
from futures.services.liquidation import futures_sweep
from futures.services.orders import futures_order_place, futures_orders_match
from futures.services.orders.book import FillContext, taker_fills
from futures.services.symbol_settings import futures_margin_type_set
from tests.futures.helpers import fund, usdt
from tests.helpers import assert_ledger_clean
from trading.book import walk
from trading.models import Balance, FillModel, PairBook, PlatformSettings, SystemAccount

# BTC at 100,000; 10 levels a side of 2,000 USDT each (0.019 BTC), 2 bps apart, 2 bps spread.
THIN = {"spread_bps": D(2), "levels": 10, "level_spacing_bps": D(2), "level_notional": D(2000), "noise": D(0)}
DEEP = THIN | {"levels": 50, "level_notional": D(10_000_000)}


def shape(**fields):
    PairBook.objects.filter(pair__symbol="BTCUSDT").update(**fields)


@pytest.fixture
def book(fx):
    fx.fill_model = FillModel.BOOK
    fx.save()
    shape(**THIN)
    return fx


@pytest.fixture
def trader(alice, book):
    fund(alice, 10000)
    return alice


def _side(*, is_buy: bool):
    info = selectors.symbol_get(market=selectors.market_get(), symbol="BTCUSDT")
    ctx = FillContext(settings=PlatformSettings.objects.get(pk=1))
    return selectors.book_side(info, is_buy=is_buy, now=ctx.now, params={})


def depth_of(*, is_buy: bool) -> D:
    return sum((lv.quantity for lv in _side(is_buy=is_buy)), D(0))


def test_a_market_order_walks_the_book_one_trade_per_level(trader):
    order = futures_order_place(user=trader, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.05")

    trades = list(FuturesTrade.objects.filter(order=order).order_by("id").values_list("price", "qty"))
    # Asks: 100,010 (half the spread), then 2 bps further each; 0.019 BTC at each level.
    assert trades == [(D("100010"), D("0.019")), (D("100030"), D("0.019")), (D("100050"), D("0.012"))]
    assert (order.status, order.executed_qty) == ("FILLED", D("0.05"))
    assert order.avg_price == ((D("100010") * 19 + D("100030") * 19 + D("100050") * 12) / 50).quantize(D("1e-8"))
    assert selectors.state_for_user(user=trader).cross[0].position.entry_price == order.avg_price
    assert_ledger_clean()


def test_a_market_order_beyond_the_depth_fills_the_depth_and_expires_the_rest(trader):
    depth = depth_of(is_buy=False)
    order = futures_order_place(user=trader, symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.5")

    assert (order.status, order.executed_qty, order.orig_qty) == ("EXPIRED", depth, D("0.5"))
    assert order.status_reason.startswith("Market depth exhausted")
    assert FuturesTrade.objects.filter(order=order).count() == 10
    assert selectors.state_for_user(user=trader).cross[0].position.position_amt == -depth
    assert_ledger_clean()


def test_under_the_fixed_model_a_market_order_fills_whole_at_the_slipped_mark(trader):
    PlatformSettings.objects.filter(pk=1).update(fill_model=FillModel.FIXED, slippage_bps=D(5))
    order = futures_order_place(user=trader, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.5")

    assert (order.status, order.executed_qty, order.avg_price) == ("FILLED", D("0.5"), D("100050"))
    assert FuturesTrade.objects.filter(order=order).count() == 1


def test_limit_ioc_takes_what_the_book_offers_to_its_price_and_expires_the_rest(trader):
    order = futures_order_place(
        user=trader, symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.1", price="100030", time_in_force="IOC"
    )
    assert (order.status, order.executed_qty) == ("EXPIRED", D("0.038"))  # the levels at 100,010 and 100,030
    assert max(FuturesTrade.objects.filter(order=order).values_list("price", flat=True)) == D("100030")
    assert_ledger_clean()


def test_limit_fok_fills_all_or_nothing(trader):
    refused = futures_order_place(
        user=trader, symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.039", price="100030", time_in_force="FOK"
    )
    assert (refused.status, refused.executed_qty) == ("EXPIRED", 0)
    assert not FuturesTrade.objects.exists()

    filled = futures_order_place(
        user=trader, symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.038", price="100030", time_in_force="FOK"
    )
    assert (filled.status, filled.executed_qty) == ("FILLED", D("0.038"))
    assert_ledger_clean()


def test_a_gtc_limit_takes_the_book_then_rests_and_fills_as_maker_when_the_market_reaches_it(trader):
    order = futures_order_place(
        user=trader, symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.05", price="100010"
    )
    assert (order.status, order.executed_qty) == ("PARTIALLY_FILLED", D("0.019"))

    # The rest rests above the mark: the market trades through it at the next match, a maker fill at its price.
    assert futures_orders_match() == 1
    order.refresh_from_db()
    assert (order.status, order.executed_qty) == ("FILLED", D("0.05"))
    assert FuturesTrade.objects.filter(order=order, maker=True).get().qty == D("0.031")
    assert_ledger_clean()


def test_a_triggered_stop_market_walks_the_book(trader, set_prices):
    futures_order_place(user=trader, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.04")
    stop = futures_order_place(
        user=trader,
        symbol="BTCUSDT",
        side="SELL",
        type="STOP_MARKET",
        stop_price="99000",
        quantity="0.04",
        reduce_only=True,
        working_type="MARK_PRICE",
    )
    set_prices(BTCUSDT=99000)
    bids = [(lv.price, lv.quantity) for lv in _side(is_buy=False)]
    assert futures_orders_match() == 1
    stop.refresh_from_db()
    trades = list(FuturesTrade.objects.filter(order=stop).order_by("id").values_list("price", "qty"))
    # Bids at 99,000 less 1 bp, 3 bps, ...: 0.020 BTC each, so 0.04 takes two levels.
    assert stop.status == "FILLED" and trades == bids[:2] == [(D("98990.1"), D("0.02")), (D("98970.3"), D("0.02"))]
    assert_ledger_clean()


SIZES = st.lists(st.integers(min_value=1, max_value=300), min_size=2, max_size=4, unique=True)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=SIZES, is_buy=st.booleans(), isolated=st.booleans())
def test_the_average_price_grows_with_size_and_never_fills_beyond_the_depth(trader, sizes, is_buy, isolated):
    """Each size placed alone (rolled back after): a larger order fills at an average no better, never more
    than the book's depth, and the ledger stays exact with every fill."""
    depth = depth_of(is_buy=is_buy)
    averages = []
    for size in sorted(sizes):
        quantity = D(size) / 1000
        with transaction.atomic():
            if isolated:
                futures_margin_type_set(user=trader, symbol="BTCUSDT", margin_type="ISOLATED")
            side = "BUY" if is_buy else "SELL"
            order = futures_order_place(user=trader, symbol="BTCUSDT", side=side, type="MARKET", quantity=str(quantity))
            assert order.executed_qty == min(quantity, depth) <= depth
            assert order.status == ("FILLED" if quantity <= depth else "EXPIRED")
            trades = FuturesTrade.objects.filter(order=order)
            assert sum(t.qty for t in trades) == order.executed_qty
            free, locked = usdt(trader)
            position = selectors.state_for_user(user=trader)
            margins = sum((r.position.isolated_margin for r in position.isolated), D(0))
            assert free >= 0 and locked == margins and (margins > 0) == isolated
            assert_ledger_clean()
            averages.append(sum(t.qty * t.price for t in trades) / order.executed_qty)
            transaction.set_rollback(True)
    ordered = averages if is_buy else [-a for a in averages]
    assert ordered == sorted(ordered)


def test_a_plan_never_fills_more_than_the_depth_within_its_limit(book):
    info = selectors.symbol_get(market=selectors.market_get(), symbol="BTCUSDT")
    ctx = FillContext(settings=book)
    side = selectors.book_side(info, is_buy=True, now=ctx.now, params={})
    plan = taker_fills(ctx, info, is_buy=True, quantity=D(5), limit=D("100050"))
    assert plan.quantity == sum(lv.quantity for lv in side if lv.price <= D("100050")) == D("0.057")
    assert plan.fills == walk(side, is_buy=True, step=D("0.001"), quantity=D(5), limit=D("100050")).fills


# --- liquidation into the book ---------------------------------------------------------------------------


def _liquidate_long(user, set_prices, *, book_fields) -> FuturesLiquidation:
    """alice's isolated 0.1 BTC long (20x), opened in a deep book; then the book becomes ``book_fields`` and
    the price falls until the sweep liquidates it."""
    fund(user, 1000)
    shape(**DEEP)
    futures_margin_type_set(user=user, symbol="BTCUSDT", margin_type="ISOLATED")
    futures_order_place(user=user, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    shape(**book_fields)
    for price in range(96000, 90000, -20):
        set_prices(BTCUSDT=price)
        liquidations = futures_sweep().liquidations
        if liquidations:
            return liquidations[0]
    raise AssertionError("never liquidated")


def _fund() -> Balance:
    return Balance.objects.get(account__system_code=SystemAccount.INSURANCE_FUND, asset__code="USDT")


def test_a_liquidation_in_a_deep_book_closes_near_the_mark_and_feeds_the_fund(alice, book, set_prices):
    before = _fund().free
    liquidation = _liquidate_long(alice, set_prices, book_fields=DEEP)
    assert liquidation.shortfall == 0 and liquidation.to_insurance > 0
    assert _fund().free - before == liquidation.to_insurance
    assert_ledger_clean()


def test_a_liquidation_into_a_thin_book_moves_down_it_and_the_fund_pays_the_shortfall(alice, book, set_prices):
    thin = THIN | {"level_spacing_bps": D(50), "level_notional": D(1000)}  # 0.01 BTC a level, 0.5 % apart
    before = _fund().free
    liquidation = _liquidate_long(alice, set_prices, book_fields=thin)
    mark = selectors.symbol_get(market=selectors.market_get(), symbol="BTCUSDT").mark

    autoclose = FuturesOrder.objects.get(client_order_id__startswith="autoclose-")
    trades = list(FuturesTrade.objects.filter(order=autoclose).order_by("id"))
    assert len(trades) == 10 and trades[0].price < mark and trades[-1].price < trades[0].price
    assert autoclose.avg_price < mark and autoclose.executed_qty == D("0.1")
    assert sum(t.realized_pnl for t in trades) == liquidation.realized_pnl
    # The close lost more than the margin: the insurance fund paid the shortfall, and it is on record.
    assert liquidation.shortfall > 0 and liquidation.to_insurance == 0 and liquidation.uncovered == 0
    assert before - _fund().free == liquidation.shortfall
    clear = Income.objects.get(account=liquidation.account, income_type=Income.Type.INSURANCE_CLEAR)
    assert clear.income == liquidation.shortfall
    assert usdt(alice) == (D("499.95"), D(0))  # 1,000 less the 500.05 of isolated margin, which is gone
    assert_ledger_clean()


def test_a_liquidation_into_a_book_deeper_than_the_position_sweeps_the_rest_at_its_last_price(alice, book, set_prices):
    tiny = THIN | {"levels": 2, "level_notional": D(1000)}  # 0.02 BTC on the bids for a 0.1 BTC position
    _liquidate_long(alice, set_prices, book_fields=tiny)
    autoclose = FuturesOrder.objects.get(client_order_id__startswith="autoclose-")
    trades = list(FuturesTrade.objects.filter(order=autoclose).order_by("id").values_list("price", "qty"))
    assert len(trades) == 2 and sum(q for _, q in trades) == D("0.1") and trades[1][1] > trades[0][1]
    assert FuturesPosition.objects.get(account__user=alice, symbol__symbol="BTCUSDT").position_amt == 0
    assert_ledger_clean()


# --- the futures page's book ------------------------------------------------------------------------------


def test_the_futures_page_polls_the_book_its_orders_fill_against(client, trader):
    client.force_login(trader)
    page = client.get("/futures/BTCUSDT/").content.decode()
    assert 'id="depth"' in page and 'hx-get="/futures/BTCUSDT/depth"' in page

    html = client.get("/futures/BTCUSDT/depth", HTTP_HX_REQUEST="true").content.decode()
    order = [html.index(t) for t in ("100150", "100010", "mark 100000", "99990", "99850")]
    assert order == sorted(order)  # asks worst first, the mark, then the bids
    assert "fixed slippage" not in html
    order = futures_order_place(user=trader, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001")
    assert order.avg_price == D("100010")  # the best ask shown


def test_the_futures_book_fragment_under_fixed_an_unknown_symbol_and_sign_in(client, trader):
    PlatformSettings.objects.filter(pk=1).update(fill_model=FillModel.FIXED)
    client.force_login(trader)
    assert "fixed slippage" in client.get("/futures/BTCUSDT/depth").content.decode()
    assert client.get("/futures/DOGEUSDT/depth").status_code == 404
    client.logout()
    assert client.get("/futures/BTCUSDT/depth").status_code == 302


def test_random_futures_operations_keep_the_books_when_orders_walk_a_thin_book(book, alice, bob):
    """tests/futures/test_invariants.py's machine under the BOOK model, BTC's and ETH's books thin enough for
    its orders and liquidations to walk several levels (and beyond the depth): the ledger balances, no
    balance goes negative, and every liquidation that lost more than its margin has its fund record."""
    from hypothesis.stateful import run_state_machine_as_test

    from tests.futures.test_invariants import SETTINGS, FuturesBooks

    PairBook.objects.filter(pair__symbol__in=["BTCUSDT", "ETHUSDT"]).update(**THIN)
    machine = type("BookBooks", (FuturesBooks,), {"users": {"alice": alice, "bob": bob}})
    run_state_machine_as_test(machine, settings=settings(SETTINGS, max_examples=10))
