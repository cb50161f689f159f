"""The acceptance test: the worked example of shared/seeds/margin-cross-vs-isolated-accounts.txt.

Fees, slippage and interest at zero, profile `classic`. A trades 5 ETH + 5 BCH in the cross account,
B the same in two isolated accounts; every margin level of the spec's table to the last digit.
"""

from decimal import Decimal as D

import pytest

from core.errors import MarginRuleViolation
from tests.helpers import amounts, assert_ledger_clean, bal, cross, spot
from trading import margin
from trading.margin import Status
from trading.models import MarkPrice
from trading.selectors import account_summary_get
from trading.services.accounts import account_leverage_set, isolated_account_open
from trading.services.loans import loan_borrow, max_borrowable_get
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


def level_and_status(account):
    summary = account_summary_get(account=account)
    return summary.margin_level, summary.status


def pnl(account, asset):
    b = bal(account, asset)
    mark = MarkPrice.objects.get(pair__base__code=asset).price
    return (mark - b.entry_price) * b.net


def test_day_n(seed):
    a, b_eth, b_bch = seed
    assert amounts(a, "ETH") == (D(5), 0, 0, 0)
    assert amounts(a, "BCH") == (D(5), 0, 0, 0)
    assert amounts(a, "USDT") == (0, 0, D(1600), 0)
    assert amounts(b_eth, "USDT") == (0, 0, D(800), 0)
    assert level_and_status(a) == (D("1.25"), Status.NORMAL)
    assert level_and_status(b_eth) == (D("1.25"), Status.NORMAL)
    assert level_and_status(b_bch) == (D("1.25"), Status.NORMAL)
    assert_ledger_clean()


def test_day_n_plus_2(seed, set_prices):
    a, b_eth, b_bch = seed
    set_prices(ETHUSDT=230, BCHUSDT=170)
    assert level_and_status(a) == (D("1.25"), Status.NORMAL)
    assert level_and_status(b_eth) == (D("1.4375"), Status.NORMAL)
    assert pnl(b_eth, "ETH") == D(150)
    assert level_and_status(b_bch) == (D("1.0625"), Status.MARGIN_CALL)


def test_day_n_plus_5(seed, set_prices):
    a, b_eth, b_bch = seed
    set_prices(ETHUSDT=230, BCHUSDT=170)
    set_prices(ETHUSDT=220, BCHUSDT=120)
    assert level_and_status(a) == (D("1.0625"), Status.MARGIN_CALL)
    assert level_and_status(b_eth) == (D("1.375"), Status.NORMAL)
    assert pnl(b_eth, "ETH") == D(100)
    # 5 * 120 / 800 = 0.75 < 1.05: the liquidation is due (carrying it out is the risk engine's work).
    assert level_and_status(b_bch) == (D("0.75"), Status.LIQUIDATION)


def test_cross_through_margin_buy_gives_the_same_levels(zero_costs, alice, set_prices):
    set_prices(ETHUSDT=200, BCHUSDT=200)
    a = cross(alice)
    account_leverage_set(user=alice, account_id=a.pk, leverage=5)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=a.pk, asset="USDT", amount="400")
    first = order_place(
        user=alice, account_id=a.pk, symbol="ETHUSDT", side="BUY", quantity="5", side_effect="MARGIN_BUY"
    )
    second = order_place(
        user=alice, account_id=a.pk, symbol="BCHUSDT", side="BUY", quantity="5", side_effect="MARGIN_BUY"
    )
    assert (first.borrowed_amount, second.borrowed_amount) == (D(600), D(1000))
    assert level_and_status(a) == (D("1.25"), Status.NORMAL)
    set_prices(ETHUSDT=220, BCHUSDT=120)
    assert level_and_status(a) == (D("1.0625"), Status.MARGIN_CALL)
    assert_ledger_clean()


def test_borrowing_exactly_the_maximum_is_allowed_one_cent_more_is_not(zero_costs, alice, set_prices):
    set_prices(ETHUSDT=200)
    a = cross(alice)
    account_leverage_set(user=alice, account_id=a.pk, leverage=5)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=a.pk, asset="USDT", amount="400")
    with pytest.raises(MarginRuleViolation, match="initial ratio 1.25"):
        loan_borrow(user=alice, account_id=a.pk, asset="USDT", amount="1600.01")
    assert amounts(a, "USDT") == (D(400), 0, 0, 0)
    loan_borrow(user=alice, account_id=a.pk, asset="USDT", amount="1600")
    assert amounts(a, "USDT") == (D(2000), 0, D(1600), 0)
    assert margin.margin_level(D(2000), D(1600)) == D("1.25")
    assert_ledger_clean()


def test_b_isolated_maximum_is_800(zero_costs, bob, set_prices):
    set_prices(ETHUSDT=200)
    b_eth = isolated_account_open(user=bob, symbol="ETHUSDT", leverage=5)
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=b_eth.pk, asset="USDT", amount="200")
    assert max_borrowable_get(user=bob, account_id=b_eth.pk, asset="USDT") == D(800)
    with pytest.raises(MarginRuleViolation):
        loan_borrow(user=bob, account_id=b_eth.pk, asset="USDT", amount="800.01")
    loan_borrow(user=bob, account_id=b_eth.pk, asset="USDT", amount="800")
