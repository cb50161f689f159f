from decimal import Decimal as D

import pytest

from core.errors import ApplicationError
from futures.models import FuturesOrder, FuturesPosition, FuturesTrade, Income
from futures.services.orders import futures_order_cancel, futures_order_place, futures_orders_match
from futures.services.symbol_settings import futures_leverage_set, futures_margin_type_set
from tests.futures.helpers import fund, state, usdt, wallet
from tests.helpers import assert_ledger_clean


def place(user, **kwargs):
    kwargs.setdefault("symbol", "BTCUSDT")
    kwargs.setdefault("type", "MARKET")
    return futures_order_place(user=user, **kwargs)


def position(user, symbol="BTCUSDT"):
    return FuturesPosition.objects.get(account=wallet(user), symbol__symbol=symbol)


def test_market_long_weighted_entry_and_realized_pnl(thousand, set_prices):
    user = thousand
    fund(user, 1000)
    order = place(user, side="BUY", quantity="0.1")
    assert (order.status, order.executed_qty, order.avg_price) == ("FILLED", D("0.1"), D(100000))
    set_prices(BTCUSDT=102000)
    place(user, side="BUY", quantity="0.1")
    assert (position(user).position_amt, position(user).entry_price) == (D("0.2"), D(101000))
    risk = state(user).position("BTCUSDT")
    assert risk.unrealized_pnl == D(200)
    assert risk.roe == D(200) / (D("0.2") * D(101000) / 20)
    set_prices(BTCUSDT=103000)
    place(user, side="SELL", quantity="0.05")  # realizes 0.05 x 2,000
    assert (position(user).position_amt, position(user).entry_price) == (D("0.15"), D(101000))
    assert usdt(user) == (D(1100), 0)
    pnl = Income.objects.filter(income_type="REALIZED_PNL").values_list("income", flat=True)
    assert list(pnl) == [D(100)]
    assert_ledger_clean()


def test_fees_and_slippage_come_from_tradings_settings(thousand):
    thousand_settings = thousand  # noqa: F841
    from trading.models import PlatformSettings

    PlatformSettings.objects.update(taker_fee=D("0.0005"), slippage_bps=D(10))
    fund(thousand, 1000)
    order = place(thousand, side="BUY", quantity="0.01")
    assert order.avg_price == D(100100)  # 10 bps against the taker
    trade = FuturesTrade.objects.get(order=order)
    assert trade.commission == D("0.5005")
    assert usdt(thousand) == (D("999.4995"), 0)
    assert Income.objects.get(income_type="COMMISSION").income == D("-0.5005")
    assert_ledger_clean()


def test_flip_and_close(thousand, set_prices):
    fund(thousand, 1000)
    place(thousand, side="BUY", quantity="0.01")
    set_prices(BTCUSDT=101000)
    place(thousand, side="SELL", quantity="0.03")  # closes 0.01 (+10), opens a 0.02 short at 101,000
    assert (position(thousand).position_amt, position(thousand).entry_price) == (D("-0.02"), D(101000))
    set_prices(BTCUSDT=100000)
    place(thousand, side="BUY", quantity="0.02")
    assert (position(thousand).position_amt, position(thousand).entry_price) == (0, 0)
    assert usdt(thousand) == (D(1030), 0)
    assert_ledger_clean()


def test_order_needs_available_balance_for_margin_loss_and_fee(thousand):
    fund(thousand, 100)
    futures_leverage_set(user=thousand, symbol="BTCUSDT", leverage=10)
    with pytest.raises(ApplicationError, match="Margin is insufficient") as error:
        place(thousand, side="BUY", quantity="0.011")  # 1,100 notional needs 110 at 10x
    assert error.value.binance_code == -2019
    place(thousand, side="BUY", quantity="0.01")  # exactly 100
    with pytest.raises(ApplicationError, match="Margin is insufficient"):
        place(thousand, side="SELL", quantity="0.021")  # closing 0.01 frees 100, the 0.011 short needs 110
    assert FuturesOrder.objects.count() == 1
    assert_ledger_clean()


def test_reduce_only_never_increases(thousand):
    fund(thousand, 1000)
    with pytest.raises(ApplicationError, match="ReduceOnly Order is rejected.") as error:
        place(thousand, side="BUY", quantity="0.01", reduce_only=True)
    assert error.value.binance_code == -2022
    place(thousand, side="BUY", quantity="0.01")
    with pytest.raises(ApplicationError, match="ReduceOnly"):
        place(thousand, side="BUY", quantity="0.01", reduce_only="true")
    order = place(thousand, side="SELL", quantity="0.05", reduce_only=True)  # capped at the position
    assert order.executed_qty == D("0.01")
    assert position(thousand).position_amt == 0
    assert_ledger_clean()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quantity": "0.0001"}, "lot size"),
        ({"quantity": "0.0015"}, "lot size"),
        ({"quantity": "-1"}, "greater than zero"),
        ({"quantity": "0.001", "type": "LIMIT", "price": "100000.05"}, "tick size"),
        ({"quantity": "0.001", "type": "LIMIT", "price": "99000", "time_in_force": "DAY"}, "time_in_force"),
        ({"quantity": "0.001", "symbol": "XRPUSDT"}, "Invalid symbol"),
        ({"quantity": "0.001", "type": "STOP_LIMIT"}, "type must be"),
        ({"quantity": "0.001", "position_side": "LONG"}, "Hedge mode"),
        ({"quantity": "0.001", "close_position": True}, "closePosition"),
        ({"quantity": "0.0005", "symbol": "ETHUSDT"}, "lot size"),
        ({"quantity": "0.001", "symbol": "ETHUSDT"}, "notional"),
        ({"quantity": "0.001", "price": "1"}, "takes no price"),
    ],
)
def test_bad_orders_change_nothing(thousand, kwargs, message):
    fund(thousand, 1000)
    kwargs.setdefault("side", "BUY")
    with pytest.raises(ApplicationError, match=message) as error:
        place(thousand, **kwargs)
    assert 400 <= error.value.status < 500
    assert not FuturesOrder.objects.exists()
    assert usdt(thousand) == (D(1000), 0)


def test_limit_orders_rest_fill_as_maker_and_respect_time_in_force(thousand, set_prices):
    from trading.models import PlatformSettings

    PlatformSettings.objects.update(maker_fee=D("0.0002"))
    fund(thousand, 1000)
    resting = place(thousand, side="BUY", type="LIMIT", quantity="0.01", price="99000")
    assert resting.status == "NEW"
    assert state(thousand).open_order_margin == D(990) / 20
    ioc = place(thousand, side="BUY", type="LIMIT", quantity="0.01", price="99000", time_in_force="IOC")
    assert ioc.status == "EXPIRED"
    with pytest.raises(ApplicationError, match="Post Only"):
        place(thousand, side="BUY", type="LIMIT", quantity="0.01", price="100000", time_in_force="GTX")
    gtx = place(thousand, side="BUY", type="LIMIT", quantity="0.01", price="98000", time_in_force="GTX")
    futures_order_cancel(user=thousand, order_id=gtx.pk)
    set_prices(BTCUSDT=99500)
    assert futures_orders_match() == 0
    set_prices(BTCUSDT=98900)
    assert futures_orders_match() == 1
    resting.refresh_from_db()
    assert (resting.status, resting.avg_price) == ("FILLED", D(99000))
    assert FuturesTrade.objects.get(order=resting).maker
    assert position(thousand).entry_price == D(99000)
    assert futures_orders_match() == 0  # nothing twice
    assert_ledger_clean()


def test_an_algo_order_is_a_conditional_one_and_keeps_its_type_and_trigger_time(thousand, set_prices):
    fund(thousand, 1000)
    for kind in ("MARKET", "LIMIT"):
        with pytest.raises(ApplicationError, match="no conditional order") as refused:
            place(
                thousand, side="BUY", type=kind, quantity="0.01", price="90000" if kind == "LIMIT" else None, algo=True
            )
        assert refused.value.code == "invalid_order_type"
    stop = place(thousand, side="BUY", type="STOP", quantity="0.002", price="100500", stop_price="101000", algo=True)
    plain = place(thousand, side="BUY", type="LIMIT", quantity="0.002", price="90000", time_in_force="GTC")
    assert (stop.algo_type, stop.orig_type, stop.triggered_at) == ("CONDITIONAL", "STOP", None)
    assert (plain.algo_type, plain.orig_type) == ("", "LIMIT")
    set_prices(BTCUSDT=100900)
    futures_orders_match()
    stop.refresh_from_db()
    assert stop.triggered_at is None
    set_prices(BTCUSDT=101200)
    assert futures_orders_match() == 0  # triggered; its limit is under the mark: it rests
    stop.refresh_from_db()
    assert (stop.type, stop.orig_type, stop.status) == ("LIMIT", "STOP", "NEW") and stop.triggered_at is not None
    triggered_at = stop.triggered_at
    set_prices(BTCUSDT=100400)
    assert futures_orders_match() == 1
    stop.refresh_from_db()
    assert (stop.status, stop.triggered_at) == ("FILLED", triggered_at)  # triggered once
    assert_ledger_clean()


def test_marketable_limit_fills_at_once_never_beyond_its_price(thousand):
    fund(thousand, 1000)
    order = place(thousand, side="SELL", type="LIMIT", quantity="0.01", price="99000", time_in_force="FOK")
    assert (order.status, order.avg_price) == ("FILLED", D(100000))
    assert position(thousand).position_amt == D("-0.01")


def test_stop_market_and_close_position(thousand, set_prices):
    fund(thousand, 1000)
    place(thousand, side="BUY", quantity="0.02")
    with pytest.raises(ApplicationError, match="immediately trigger"):
        place(thousand, side="SELL", type="STOP_MARKET", stop_price="100000", close_position=True, quantity=None)
    stop = place(thousand, side="SELL", type="STOP_MARKET", stop_price="95000", close_position=True, quantity=None)
    take = place(
        thousand, side="SELL", type="TAKE_PROFIT_MARKET", stop_price="110000", quantity="0.01", reduce_only=True
    )
    assert state(thousand).open_order_margin == 0
    set_prices(BTCUSDT=96000)
    assert futures_orders_match() == 0
    set_prices(BTCUSDT=94000)
    assert futures_orders_match() == 1
    stop.refresh_from_db()
    assert (stop.status, stop.executed_qty) == ("FILLED", D("0.02"))
    assert position(thousand).position_amt == 0
    set_prices(BTCUSDT=111000)
    futures_orders_match()
    take.refresh_from_db()
    assert take.status == "EXPIRED"  # nothing left to reduce: it never opens a position
    assert position(thousand).position_amt == 0
    assert_ledger_clean()


def test_cancel_another_users_order_is_not_found(thousand, bob):
    fund(thousand, 1000)
    order = place(thousand, side="BUY", type="LIMIT", quantity="0.01", price="90000")
    with pytest.raises(ApplicationError) as error:
        futures_order_cancel(user=bob, order_id=order.pk)
    assert error.value.status == 404
    assert futures_order_cancel(user=thousand, order_id=order.pk).status == "CANCELED"


def test_isolated_position_takes_its_margin_from_the_cross_wallet(thousand, set_prices):
    fund(thousand, 1000)
    futures_margin_type_set(user=thousand, symbol="BTCUSDT", margin_type="ISOLATED")
    futures_leverage_set(user=thousand, symbol="BTCUSDT", leverage=5)
    place(thousand, side="BUY", quantity="0.01")
    assert position(thousand).isolated_margin == D(200)
    assert usdt(thousand) == (D(800), D(200))
    set_prices(BTCUSDT=101000)
    place(thousand, side="SELL", quantity="0.005")  # half the margin back, +5 realized
    assert position(thousand).isolated_margin == D(100)
    assert usdt(thousand) == (D(905), D(100))
    place(thousand, side="SELL", quantity="0.005")
    assert usdt(thousand) == (D(1010), 0)
    assert_ledger_clean()


def test_trailing_stop_follows_the_best_price_and_triggers_on_the_callback(thousand, set_prices):
    fund(thousand, 1000)
    place(thousand, side="BUY", quantity="0.01")
    with pytest.raises(ApplicationError, match="callback_rate"):
        place(thousand, side="SELL", type="TRAILING_STOP_MARKET", quantity="0.01", callback_rate="11")
    with pytest.raises(ApplicationError, match="TRAILING_STOP_MARKET orders only"):
        place(thousand, side="SELL", quantity="0.01", callback_rate="1")
    trail = place(
        thousand,
        side="SELL",
        type="TRAILING_STOP_MARKET",
        quantity="0.01",
        callback_rate="1",
        activation_price="102000",
        reduce_only=True,
    )
    set_prices(BTCUSDT=101000)
    assert futures_orders_match() == 0  # not activated yet
    set_prices(BTCUSDT=103000)
    assert futures_orders_match() == 0  # activated: trails 103,000
    set_prices(BTCUSDT=105000)
    assert futures_orders_match() == 0  # trails 105,000: triggers at or below 103,950
    trail.refresh_from_db()
    assert trail.trail_price == D(105000)
    set_prices(BTCUSDT=104000)
    assert futures_orders_match() == 0
    set_prices(BTCUSDT=103900)
    assert futures_orders_match() == 1
    trail.refresh_from_db()
    assert (trail.status, trail.avg_price) == ("FILLED", D(103900))
    assert position(thousand).position_amt == 0
    assert usdt(thousand) == (D(1039), 0)
    assert_ledger_clean()


def test_stops_trigger_on_the_contract_price_or_on_the_mark(thousand, bob, fx, set_prices):
    fund(thousand, 1000)
    fund(bob, 1000)
    place(thousand, side="BUY", quantity="0.02")  # at 100,000
    stop = dict(side="SELL", type="STOP_MARKET", stop_price="99000", quantity="0.01", reduce_only=True)
    on_contract = place(thousand, **stop)  # Binance's default workingType: CONTRACT_PRICE
    on_mark = place(thousand, **stop, working_type="MARK_PRICE")
    assert (on_contract.working_type, on_mark.working_type) == ("CONTRACT_PRICE", "MARK_PRICE")
    fx.slippage_bps = 110
    fx.save()
    place(bob, side="SELL", quantity="0.01")  # the last trade: 98,900, the mark still 100,000
    fx.slippage_bps = 0
    fx.save()
    with pytest.raises(ApplicationError, match="immediately trigger"):
        place(thousand, **stop)  # on the contract price it is reached already
    assert futures_orders_match() == 1
    on_contract.refresh_from_db()
    on_mark.refresh_from_db()
    assert (on_contract.status, on_mark.status) == ("FILLED", "NEW")
    set_prices(BTCUSDT=99100)  # the index moved: no trade since, so the contract price is the mark
    assert futures_orders_match() == 0
    set_prices(BTCUSDT=98990)
    assert futures_orders_match() == 1
    on_mark.refresh_from_db()
    assert (on_mark.status, on_mark.avg_price) == ("FILLED", D(98990))
    assert position(thousand).position_amt == 0
    assert_ledger_clean()
