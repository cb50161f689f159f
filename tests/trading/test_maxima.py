"""Every maximum shown beside a form (max borrowable, max transferable, max repay) is what the service then
accepts: the maximum goes through, one unit (0.00000001) more is refused."""

from decimal import Decimal as D

import pytest

from core.errors import ApplicationError, InsufficientBalance, MarginRuleViolation
from tests.helpers import UNIT, amounts, assert_ledger_clean, cross, cross_owing, spot
from trading import selectors
from trading.services.loans import loan_borrow, loan_repay, max_borrowable_get, max_repayable_get
from trading.services.transfers import transfer_create


def test_max_borrowable_counts_the_due_hours_and_is_accepted(alice):
    account = cross_owing(alice)
    most = max_borrowable_get(user=alice, account_id=account.pk, asset="USDT")
    # (1500 + b) / (500 + interest + b) >= 1.5 with the due hours of the 500 counted: a little under 1500.
    assert D(1499) < most < D(1500)

    with pytest.raises(MarginRuleViolation, match=f"the most you can borrow is {most}"):
        loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount=most + UNIT)
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount=most)
    assert amounts(account, "USDT")[2] == D(500) + most
    assert max_borrowable_get(user=alice, account_id=account.pk, asset="USDT") == 0
    assert_ledger_clean()


def test_max_repay_counts_the_due_hours_and_is_accepted(alice):
    account = cross_owing(alice)
    most = max_repayable_get(account=account, asset="USDT")
    _, _, borrowed, interest = amounts(account, "USDT")
    assert most > borrowed + interest  # the three due hours of interest are owed too

    with pytest.raises(ApplicationError, match="more than the"):
        loan_repay(user=alice, account_id=account.pk, asset="USDT", amount=most + UNIT)
    loan_repay(user=alice, account_id=account.pk, asset="USDT", amount=most)
    assert amounts(account, "USDT")[2:] == (0, 0)
    assert max_repayable_get(account=account, asset="USDT") == 0
    assert_ledger_clean()


def test_max_repay_is_the_free_balance_when_that_is_less_than_the_debt(alice, set_prices):
    set_prices(ETHUSDT=2000)
    account = cross_owing(alice)
    loan_borrow(user=alice, account_id=account.pk, asset="ETH", amount="0.1")
    assert max_repayable_get(account=account, asset="ETH") == D("0.1")  # the borrowed 0.1 is all there is
    with pytest.raises(ApplicationError):
        loan_repay(user=alice, account_id=account.pk, asset="ETH", amount=D("0.1") + UNIT)
    loan_repay(user=alice, account_id=account.pk, asset="ETH", amount="0.1")


def test_transfer_out_reaches_the_transfer_out_ratio_exactly_and_no_further(alice, zero_costs):
    # Binance: out while the level is above 2, at most A - 2 x D, which leaves it at exactly 2 (the rule and
    # its source: trading.margin.keeps_level). Here A = 1500 and D = 500: 500 may leave.
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="500")
    most = selectors.max_transferable_get(account=account, asset="USDT")
    assert most == D(500)

    move = {"user": alice, "from_account_id": account.pk, "to_account_id": spot(alice).pk, "asset": "USDT"}
    with pytest.raises(MarginRuleViolation, match="below the transfer-out ratio 2"):
        transfer_create(**move, amount=most + UNIT)
    transfer_create(**move, amount=most)
    assert selectors.account_summary_get(account=account).margin_level == D(2)

    # At exactly 2 nothing more can leave.
    assert selectors.max_transferable_get(account=account, asset="USDT") == 0
    with pytest.raises(MarginRuleViolation):
        transfer_create(**move, amount=UNIT)
    assert_ledger_clean()


def test_max_transferable_is_the_free_balance_when_the_ratio_allows_more(alice, zero_costs):
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    most = selectors.max_transferable_get(account=account, asset="USDT")
    assert most == D(1000)
    move = {"user": alice, "from_account_id": account.pk, "to_account_id": spot(alice).pk, "asset": "USDT"}
    with pytest.raises(InsufficientBalance):
        transfer_create(**move, amount=most + UNIT)
    transfer_create(**move, amount=most)
