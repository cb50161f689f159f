"""Each order type's life: placed, resting, triggered, partly and fully filled, cancelled, expired."""

from decimal import Decimal as D

import pytest

from core.errors import ApplicationError, InsufficientBalance
from tests.helpers import amounts, assert_ledger_clean, bal, cross, spot
from trading.models import JournalEntry, Order, OrderList, Pair
from trading.selectors import account_summary_get
from trading.services.markets import mark_price_set
from trading.services.matching import orders_match
from trading.services.orders import oco_place, order_cancel, order_place, orders_cancel_all
from trading.services.transfers import transfer_create

ETH = "ETHUSDT"


@pytest.fixture
def acct(alice, set_prices, zero_costs):
    set_prices(ETHUSDT=200)
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    return account


@pytest.fixture
def holding(alice, acct):
    order_place(user=alice, account_id=acct.pk, symbol=ETH, side="BUY", quantity="2")
    return acct


def move(price):
    mark_price_set(symbol=ETH, price=D(str(price)))
    return orders_match(pair=Pair.objects.get(symbol=ETH))


def place(user, account, **kwargs):
    return order_place(user=user, account_id=account.pk, symbol=ETH, **kwargs)


def reload(order):
    order.refresh_from_db()
    return order


def test_limit_buy_rests_locked_then_fills_as_maker_at_its_price(alice, acct, zero_costs):
    zero_costs.maker_fee = D("0.001")
    zero_costs.save()
    order = place(alice, acct, side="BUY", type="LIMIT", quantity="2", price="190")
    assert (order.status, order.locked_amount, order.is_working) == ("NEW", D(380), True)
    assert amounts(acct, "USDT") == (D(620), D(380), 0, 0)
    assert account_summary_get(account=acct).total_asset_value == D(1000)  # locked still counts
    assert move(195).filled == 0
    assert move("190.00").filled == 1
    order = reload(order)
    assert (order.status, order.executed_qty, order.cummulative_quote_qty, order.locked_amount) == (
        "FILLED",
        D(2),
        D(380),
        0,
    )
    trade = order.trades.get()
    assert (trade.price, trade.is_maker, trade.fee) == (D(190), True, D("0.002"))
    assert amounts(acct, "USDT") == (D(620), 0, 0, 0)
    assert amounts(acct, "ETH") == (D("1.998"), 0, 0, 0)
    assert_ledger_clean()


def test_marketable_limit_fills_at_once_as_taker_and_releases_the_rest(alice, acct, zero_costs):
    zero_costs.slippage_bps = D(5)
    zero_costs.save()
    order = place(alice, acct, side="BUY", type="LIMIT", quantity="2", price="210")
    assert (order.status, order.cummulative_quote_qty, order.locked_amount) == ("FILLED", D("400.20"), 0)
    assert order.trades.get().price == D("200.10")
    assert amounts(acct, "USDT") == (D("599.80"), 0, 0, 0)
    # The lock and the fill are one journal entry.
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.TRADE, account=acct).count() == 1
    assert_ledger_clean()


def test_limit_maker_that_would_take_is_rejected_and_changes_nothing(alice, acct):
    with pytest.raises(ApplicationError, match="immediately match and take"):
        place(alice, acct, side="BUY", type="LIMIT_MAKER", quantity="1", price="200")
    assert amounts(acct, "USDT") == (D(1000), 0, 0, 0)
    assert not Order.objects.exists()
    maker = place(alice, acct, side="BUY", type="LIMIT_MAKER", quantity="1", price="199.99")
    assert maker.status == "NEW"
    move("199.99")
    assert reload(maker).status == "FILLED"


def test_stop_loss_limit_triggers_and_fills(alice, holding):
    order = place(alice, holding, side="SELL", type="STOP_LOSS_LIMIT", quantity="2", price="179", stop_price="180")
    assert (order.status, order.is_working, order.locked_amount) == ("NEW", False, D(2))
    assert amounts(holding, "ETH") == (0, D(2), 0, 0)
    assert move(185).triggered == 0
    result = move(180)
    assert (result.triggered, result.filled) == (1, 1)
    order = reload(order)
    assert (order.status, order.is_working) == ("FILLED", True)
    assert order.trades.get().price == D(180)  # slippage 0; never below the 179 limit
    assert amounts(holding, "USDT") == (D(960), 0, 0, 0)
    assert_ledger_clean()


def test_a_stop_that_would_trigger_at_once_is_rejected(alice, holding):
    with pytest.raises(ApplicationError, match="immediately trigger"):
        place(alice, holding, side="SELL", type="STOP_LOSS_LIMIT", quantity="1", price="200", stop_price="201")
    assert amounts(holding, "ETH") == (D(2), 0, 0, 0)


def test_take_profit_triggers_then_rests_until_its_limit(alice, holding):
    order = place(alice, holding, side="SELL", type="TAKE_PROFIT_LIMIT", quantity="2", price="221", stop_price="220")
    result = move(220)
    assert (result.triggered, result.filled) == (1, 0)
    assert (reload(order).status, reload(order).is_working) == ("NEW", True)
    assert move(221).filled == 1
    assert reload(order).trades.get().is_maker is True


def test_partial_fills_under_limited_depth(alice, acct, zero_costs):
    zero_costs.max_fill_notional = D(200)
    zero_costs.save()
    order = place(alice, acct, side="BUY", type="LIMIT", quantity="2", price="190")
    move(190)
    order = reload(order)
    # 200 / 190 = 1.0526..., down to the 0.0001 step.
    assert (order.status, order.executed_qty, order.locked_amount) == ("PARTIALLY_FILLED", D("1.0526"), D("180.006"))
    assert amounts(acct, "USDT") == (D(620), D("180.006"), 0, 0)
    move(190)
    order = reload(order)
    assert (order.status, order.executed_qty, order.locked_amount) == ("FILLED", D(2), 0)
    assert order.trades.count() == 2
    assert amounts(acct, "ETH") == (D(2), 0, 0, 0)
    assert_ledger_clean()


def test_ioc_fills_what_it_can_and_expires_the_rest(alice, acct, zero_costs):
    zero_costs.max_fill_notional = D(200)
    zero_costs.save()
    order = place(alice, acct, side="BUY", type="LIMIT", quantity="2", price="210", time_in_force="IOC")
    assert (order.status, order.executed_qty, order.locked_amount) == ("EXPIRED", D(1), 0)
    assert amounts(acct, "USDT") == (D(800), 0, 0, 0)
    not_marketable = place(alice, acct, side="BUY", type="LIMIT", quantity="1", price="150", time_in_force="IOC")
    assert (not_marketable.status, not_marketable.executed_qty) == ("EXPIRED", 0)
    assert amounts(acct, "USDT") == (D(800), 0, 0, 0)
    assert_ledger_clean()


def test_fok_fills_in_full_or_expires_whole(alice, acct, zero_costs):
    zero_costs.max_fill_notional = D(200)
    zero_costs.save()
    too_big = place(alice, acct, side="BUY", type="LIMIT", quantity="2", price="210", time_in_force="FOK")
    assert (too_big.status, too_big.executed_qty, too_big.locked_amount) == ("EXPIRED", 0, 0)
    assert amounts(acct, "USDT") == (D(1000), 0, 0, 0)
    fits = place(alice, acct, side="BUY", type="LIMIT", quantity="0.5", price="210", time_in_force="FOK")
    assert (fits.status, fits.executed_qty) == ("FILLED", D("0.5"))


def test_market_order_beyond_depth_expires_after_a_partial_fill(alice, acct, zero_costs):
    zero_costs.max_fill_notional = D(200)
    zero_costs.save()
    order = place(alice, acct, side="BUY", type="MARKET", quantity="2")
    assert (order.status, order.executed_qty) == ("EXPIRED", D(1))


def test_oco_limit_leg_fills_and_cancels_the_stop_leg(alice, holding):
    oco = oco_place(
        user=alice,
        account_id=holding.pk,
        symbol=ETH,
        side="SELL",
        quantity="2",
        price="220",
        stop_price="180",
        stop_limit_price="179",
    )
    limit_leg, stop_leg = oco.orders.order_by("id")
    assert (limit_leg.type, stop_leg.type) == ("LIMIT_MAKER", "STOP_LOSS_LIMIT")
    assert amounts(holding, "ETH") == (0, D(2), 0, 0)  # one lock for both legs
    move(220)
    assert (reload(limit_leg).status, reload(stop_leg).status) == ("FILLED", "CANCELED")
    assert OrderList.objects.get().status == "ALL_DONE"
    assert amounts(holding, "ETH") == (0, 0, 0, 0)
    assert amounts(holding, "USDT") == (D(1040), 0, 0, 0)
    assert_ledger_clean()


def test_oco_stop_leg_triggers_and_cancels_the_limit_leg(alice, holding):
    oco = oco_place(
        user=alice,
        account_id=holding.pk,
        symbol=ETH,
        side="SELL",
        quantity="2",
        price="220",
        stop_price="180",
        stop_limit_price="179",
    )
    limit_leg, stop_leg = oco.orders.order_by("id")
    move(180)
    assert (reload(limit_leg).status, reload(stop_leg).status) == ("CANCELED", "FILLED")
    assert amounts(holding, "ETH") == (0, 0, 0, 0)
    assert_ledger_clean()


def test_oco_prices_must_straddle_the_mark(alice, holding):
    with pytest.raises(ApplicationError, match="limit price > mark price > stop price"):
        oco_place(
            user=alice,
            account_id=holding.pk,
            symbol=ETH,
            side="SELL",
            quantity="2",
            price="190",
            stop_price="180",
            stop_limit_price="179",
        )
    assert not Order.objects.filter(type="LIMIT_MAKER").exists()


def test_cancel_releases_the_lock_and_repays_the_borrow(alice, acct):
    order = place(alice, acct, side="BUY", type="LIMIT", quantity="6", price="190", side_effect="MARGIN_BUY")
    assert (order.borrowed_amount, order.locked_amount) == (D(140), D(1140))
    assert amounts(acct, "USDT") == (0, D(1140), D(140), 0)
    cancelled = order_cancel(user=alice, order_id=order.pk)
    assert (cancelled.status, cancelled.locked_amount) == ("CANCELED", 0)
    assert amounts(acct, "USDT") == (D(1000), 0, 0, 0)
    with pytest.raises(ApplicationError, match="not open"):
        order_cancel(user=alice, order_id=order.pk)
    assert_ledger_clean()


def test_cancel_all_and_other_users_orders(alice, bob, acct):
    first = place(alice, acct, side="BUY", type="LIMIT", quantity="1", price="150")
    second = place(alice, acct, side="BUY", type="LIMIT", quantity="1", price="160")
    with pytest.raises(ApplicationError) as info:
        order_cancel(user=bob, order_id=first.pk)
    assert info.value.status == 404
    cancelled = orders_cancel_all(user=alice, account_id=acct.pk, symbol=ETH)
    assert {o.pk for o in cancelled} == {first.pk, second.pk}
    assert amounts(acct, "USDT") == (D(1000), 0, 0, 0)


def test_an_order_without_funds_changes_nothing(alice, acct):
    with pytest.raises(InsufficientBalance):
        place(alice, acct, side="BUY", type="LIMIT", quantity="10", price="190")
    assert amounts(acct, "USDT") == (D(1000), 0, 0, 0)
    assert not Order.objects.exists()
    assert_ledger_clean()


def test_auto_repay_limit_sell_repays_at_fill(alice, acct):
    order_place(user=alice, account_id=acct.pk, symbol=ETH, side="BUY", quantity="6", side_effect="MARGIN_BUY")
    assert amounts(acct, "USDT") == (0, 0, D(200), 0)
    order = place(alice, acct, side="SELL", type="LIMIT", quantity="2", price="210", side_effect="AUTO_REPAY")
    move(210)
    assert reload(order).status == "FILLED"
    assert amounts(acct, "USDT") == (D(220), 0, 0, 0)
    assert bal(acct, "ETH").free == D(4)
    assert_ledger_clean()


def test_the_matcher_fills_all_of_an_accounts_reached_orders_in_one_entry(alice, bob, acct, set_prices):
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=cross(bob).pk, asset="USDT", amount="1000")
    mine = [place(alice, acct, side="BUY", type="LIMIT", quantity="1", price=p) for p in ("195", "190", "185")]
    theirs = place(bob, cross(bob), side="BUY", type="LIMIT", quantity="1", price="190")
    entries = JournalEntry.objects.filter(kind=JournalEntry.Kind.TRADE).count()
    result = move(189)
    assert (result.filled, result.failed) == (3, 0)
    assert [reload(o).status for o in mine] == ["FILLED", "FILLED", "NEW"]
    assert reload(theirs).status == "FILLED"
    # One journal entry per account, whatever number of its orders the move reached.
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.TRADE).count() == entries + 2
    assert amounts(acct, "ETH") == (D(2), 0, 0, 0)
    assert_ledger_clean()


def test_orders_of_a_frozen_account_are_not_matched(alice, acct):
    order = place(alice, acct, side="BUY", type="LIMIT", quantity="1", price="190")
    type(acct).objects.filter(pk=acct.pk).update(is_frozen=True)
    assert move(180).filled == 0
    assert reload(order).status == "NEW"
