"""An order or a borrow that lands exactly at the initial ratio is allowed; one unit more is refused; and the
refusal never shows a level rounded up to the ratio.

The rule (principal counted, the operation's own first hour of interest not) and its Binance sources:
``trading.services.loans.initial_check_valuation``. Interest is left ON here (0.02 %/day for USDT), so that
counting the first hour would refuse the edge.
"""

from decimal import Decimal as D

import pytest

from core.errors import MarginRuleViolation
from tests.helpers import UNIT, amounts, assert_ledger_clean, cross, spot
from trading import margin, selectors
from trading.models import Order, PlatformSettings
from trading.services.loans import loan_borrow, max_borrowable_get
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


@pytest.fixture
def funded(alice, platform):
    """alice's cross account (3x, initial 1.5) with 1000 USDT, fees and slippage zero, interest on."""
    PlatformSettings.objects.filter(pk=1).update(maker_fee=0, taker_fee=0, slippage_bps=0)
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    return account


def test_borrowing_the_shown_maximum_lands_on_the_initial_ratio_and_is_accepted(alice, funded):
    # (1000 + b) / b >= 1.5  =>  b <= 2000: the maximum is exactly 2000, its first hour's interest not counted.
    most = max_borrowable_get(user=alice, account_id=funded.pk, asset="USDT")
    assert most == D(2000)
    loan_borrow(user=alice, account_id=funded.pk, asset="USDT", amount=most)
    _, _, borrowed, interest = amounts(funded, "USDT")
    assert borrowed == D(2000)
    assert interest == margin.round_half_up(D(2000) * D("0.0002") / 24)  # the first hour is still charged
    assert_ledger_clean()


def test_one_unit_past_the_maximum_is_refused_with_a_level_shown_below_the_ratio(alice, funded):
    with pytest.raises(MarginRuleViolation) as refused:
        loan_borrow(user=alice, account_id=funded.pk, asset="USDT", amount=D(2000) + UNIT)
    # 3000.00000001 / 2000.00000001 = 1.499999999...: rounded to nearest it would read "1.5000".
    assert "would leave the margin level at 1.4999, below the initial ratio 1.5;" in refused.value.message
    assert "the most you can borrow is 2000" in refused.value.message
    assert amounts(funded, "USDT") == (D(1000), 0, 0, 0)


def test_a_margin_buy_that_lands_exactly_on_the_initial_ratio_is_accepted(alice, funded, set_prices):
    # Buying q ETH at 2000 with 1000 USDT borrows 2000q - 1000: 2000q / (2000q - 1000) >= 1.5  =>  q <= 1.5.
    set_prices(ETHUSDT=2000)
    buy = {
        "user": alice,
        "account_id": funded.pk,
        "symbol": "ETHUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "price": "2000",
        "time_in_force": "GTC",
        "side_effect": Order.SideEffect.MARGIN_BUY,
    }
    with pytest.raises(MarginRuleViolation, match=r"at 1\.4999, below the initial ratio 1\.5"):
        order_place(**buy, quantity="1.5001")  # one step (0.0001 ETH) more
    order = order_place(**buy, quantity="1.5")
    assert order.status == Order.Status.FILLED
    assert order.borrowed_amount == D(2000)
    summary = selectors.account_summary_get(account=funded)
    assert summary.margin_level < D("1.5")  # the first hour now counts, as debt does
    assert_ledger_clean()


@pytest.mark.parametrize(
    ("level", "shown"),
    [
        (D("1.49999999"), "1.4999"),
        (D("1.5"), "1.5000"),
        (D("1.11099999"), "1.1109"),
        (D("0.99995"), "0.9999"),
        (None, "no debt"),
    ],
)
def test_a_refused_level_is_shown_rounded_down(level, shown):
    assert margin.shown_below(level) == shown
