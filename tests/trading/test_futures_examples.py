"""The two examples of shared/seeds/futures-cross-vs-isolated-margin.txt, done with margin accounts.

A user with 1,000 USDT goes long BTC with leverage. In the cross account the whole 1,000 backs the
position; in an isolated account given 200 USDT only those 200 do, and the other 800 stay untouched.
"""

from decimal import Decimal as D

import pytest

from tests.helpers import PASSWORD, amounts, assert_ledger_clean, cross, spot
from trading.margin import Status
from trading.selectors import account_summary_get
from trading.services.accounts import isolated_account_open, user_signup
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


@pytest.fixture
def thousand(zero_costs, set_prices):
    """A user whose spot wallet starts with exactly 1,000 USDT; BTC is at 100,000."""
    zero_costs.starting_balance = D(1000)
    zero_costs.save()
    set_prices(BTCUSDT=100000)
    user = user_signup(username="dana", password=PASSWORD)
    assert amounts(spot(user), "USDT") == (D(1000), 0, 0, 0)
    return user


def status(account):
    return account_summary_get(account=account).status


def test_cross_survives_a_500_loss_and_can_lose_the_whole_1000(thousand, set_prices):
    user = thousand
    account = cross(user)
    transfer_create(user=user, from_account_id=spot(user).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    # 3x: 1,000 own + 2,000 borrowed buy 0.03 BTC (3,000 USDT).
    order_place(
        user=user, account_id=account.pk, symbol="BTCUSDT", side="BUY", quantity="0.03", side_effect="MARGIN_BUY"
    )
    assert account_summary_get(account=account).margin_level == D("1.5")

    set_prices(BTCUSDT="83333.34")  # 0.03 BTC lost 500 (to the cent)
    summary = account_summary_get(account=account)
    assert summary.valuation.equity == D("500.0002")
    assert summary.status == Status.NORMAL  # the rest of the balance holds the position

    set_prices(BTCUSDT=70000)  # 2,100 of assets against 2,000 of debt: level 1.05
    summary = account_summary_get(account=account)
    assert (summary.margin_level, summary.status) == (D("1.05"), Status.LIQUIDATION)
    assert summary.valuation.equity == D(100)  # 900 of the 1,000 are gone; liquidation takes the rest
    assert_ledger_clean()


def test_isolated_200_is_liquidated_near_a_200_loss_and_800_stay(thousand, set_prices):
    user = thousand
    account = isolated_account_open(user=user, symbol="BTCUSDT", leverage=5)
    transfer_create(user=user, from_account_id=spot(user).pk, to_account_id=account.pk, asset="USDT", amount="200")
    # 5x: 200 own + 800 borrowed buy 0.01 BTC (1,000 USDT).
    order_place(
        user=user, account_id=account.pk, symbol="BTCUSDT", side="BUY", quantity="0.01", side_effect="MARGIN_BUY"
    )
    cross_before = amounts(cross(user), "USDT")

    set_prices(BTCUSDT=90000)  # a 100 loss
    assert status(account) == Status.NORMAL
    set_prices(BTCUSDT=84000)  # a 160 loss: 840 / 800 = 1.05
    assert status(account) == Status.LIQUIDATION
    set_prices(BTCUSDT=50000)  # even a crash touches nothing outside the isolated account
    assert status(account) == Status.LIQUIDATION
    assert amounts(spot(user), "USDT") == (D(800), 0, 0, 0)
    assert amounts(cross(user), "USDT") == cross_before
    assert_ledger_clean()
