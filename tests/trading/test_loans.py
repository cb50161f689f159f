"""Borrowing, repaying and hourly interest through the services."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from core.errors import ApplicationError
from tests.helpers import amounts, assert_ledger_clean, bal, cross, spot
from trading.models import Asset, LoanEvent, SystemAccount
from trading.services.ledger import system_balance
from trading.services.loans import interest_accrue_due, loan_borrow, loan_repay, max_borrowable_get
from trading.services.transfers import transfer_create

T_13_55 = datetime(2026, 11, 21, 13, 55, tzinfo=UTC)
T_14_30 = datetime(2026, 11, 21, 14, 30, tzinfo=UTC)
T_16_05 = datetime(2026, 11, 21, 16, 5, tzinfo=UTC)


@pytest.fixture
def funded_cross(alice):
    Asset.objects.filter(code="USDT").update(daily_interest_rate=D("0.0002"))
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    return account


def test_the_spec_interest_example(alice, funded_cross):
    # 1,000 USDT at 0.02 %/day borrowed 13:55, looked at 14:30.
    loan_borrow(user=alice, account_id=funded_cross.pk, asset="USDT", amount="1000", now=T_13_55)
    assert amounts(funded_cross, "USDT")[3] == D("0.00833333")
    assert interest_accrue_due(now=T_14_30) == 1
    assert amounts(funded_cross, "USDT") == (D(2000), 0, D(1000), D("0.01666667"))
    assert_ledger_clean()


def test_accrual_charges_each_hour_once(alice, funded_cross):
    loan_borrow(user=alice, account_id=funded_cross.pk, asset="USDT", amount="1000", now=T_13_55)
    assert interest_accrue_due(now=T_13_55) == 0  # the borrow already paid for this hour
    assert interest_accrue_due(now=T_14_30) == 1
    assert interest_accrue_due(now=T_14_30) == 0  # a second run in the same hour charges nothing
    # Missed hours (the worker was down) are all charged at the next run: 15:00 and 16:00.
    assert interest_accrue_due(now=T_16_05) == 1
    assert bal(funded_cross, "USDT").interest == D("0.03333333")
    assert LoanEvent.objects.filter(kind=LoanEvent.Kind.INTEREST).count() == 2
    assert system_balance(SystemAccount.INTEREST_INCOME, Asset.objects.get(code="USDT")).interest == D("-0.03333333")
    assert_ledger_clean()


def test_repayment_pays_interest_first(alice, funded_cross):
    loan_borrow(user=alice, account_id=funded_cross.pk, asset="USDT", amount="1000", now=T_13_55)
    event = loan_repay(user=alice, account_id=funded_cross.pk, asset="USDT", amount="100", now=T_13_55)
    assert (event.interest, event.principal) == (D("0.00833333"), D("99.99166667"))
    assert amounts(funded_cross, "USDT") == (D(1900), 0, D("900.00833333"), 0)
    assert_ledger_clean()


def test_full_repayment_stops_interest(alice, funded_cross):
    loan_borrow(user=alice, account_id=funded_cross.pk, asset="USDT", amount="1000", now=T_13_55)
    loan_repay(user=alice, account_id=funded_cross.pk, asset="USDT", amount="1000.00833333", now=T_13_55)
    assert amounts(funded_cross, "USDT") == (D("999.99166667"), 0, 0, 0)
    assert interest_accrue_due(now=T_16_05) == 0
    with pytest.raises(ApplicationError, match="no USDT debt"):
        loan_repay(user=alice, account_id=funded_cross.pk, asset="USDT", amount="1", now=T_16_05)
    assert_ledger_clean()


def test_borrow_takes_from_the_lending_pool_and_respects_its_size(alice, funded_cross):
    usdt = Asset.objects.get(code="USDT")
    pool = system_balance(SystemAccount.LENDING_POOL, usdt)
    before = pool.free
    loan_borrow(user=alice, account_id=funded_cross.pk, asset="USDT", amount="500", now=T_13_55)
    pool.refresh_from_db()
    assert pool.free == before - 500
    assert pool.borrowed == D(-500)  # the pool's claim on the borrower

    Asset.objects.filter(code="USDT").update(borrow_limit=D(600))
    assert max_borrowable_get(user=alice, account_id=funded_cross.pk, asset="USDT") == D(100)
    with pytest.raises(ApplicationError, match="limit of 600"):
        loan_borrow(user=alice, account_id=funded_cross.pk, asset="USDT", amount="100.01", now=T_13_55)


def test_borrowing_a_base_asset_for_a_short(alice, funded_cross, set_prices):
    set_prices(ETHUSDT=200)
    # 3x cross, 1000 USDT: (1000 - 0) / 0.5 = 2000 USDT of ETH at most = 10 ETH.
    assert max_borrowable_get(user=alice, account_id=funded_cross.pk, asset="ETH") == D(10)
    loan_borrow(user=alice, account_id=funded_cross.pk, asset="ETH", amount="10", now=T_13_55)
    eth = bal(funded_cross, "ETH")
    assert (eth.free, eth.borrowed) == (D(10), D(10))
    assert eth.interest == D("0.00004167")  # 10 * 0.0001 / 24, rounded half up
    assert_ledger_clean()
