"""Borrowing, repaying and hourly interest through the services."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from accounts.services import token_create
from core.errors import ApplicationError
from tests.helpers import amounts, assert_ledger_clean, bal, cross, spot
from trading.models import Asset, JournalEntry, LoanEvent, Order, SystemAccount
from trading.services.ledger import PoolExhausted, Posting, ledger_post, system_balance
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


def _pool_shrink_to(asset: Asset, left: D) -> None:
    """The pool lends what it holds: move all but ``left`` of it to paper funding, through the ledger."""
    pool = system_balance(SystemAccount.LENDING_POOL, asset)
    with transaction.atomic():
        posting = Posting()
        posting.move(pool, system_balance(SystemAccount.PAPER_FUNDING, asset), pool.free - left)
        ledger_post(kind=JournalEntry.Kind.FUNDING, posting=posting, memo="test: shrink the lending pool")


def test_the_pool_lends_all_it_has_and_not_a_unit_more(alice, funded_cross):
    """The pool's amount is checked on what the borrow's UPDATE stores (no read of it first): its last
    0.5 USDT can be borrowed, 0.50000001 cannot, and a refused borrow changes nothing."""
    usdt = Asset.objects.get(code="USDT")
    _pool_shrink_to(usdt, D("0.5"))
    before = amounts(funded_cross, "USDT")
    with pytest.raises(PoolExhausted, match="only 0.50000000 USDT left"):
        loan_borrow(user=alice, account_id=funded_cross.pk, asset="USDT", amount="0.50000001", now=T_13_55)
    assert amounts(funded_cross, "USDT") == before and system_balance(SystemAccount.LENDING_POOL, usdt).free == D("0.5")
    assert not LoanEvent.objects.filter(account=funded_cross).exists()
    loan_borrow(user=alice, account_id=funded_cross.pk, asset="USDT", amount="0.5", now=T_13_55)
    assert system_balance(SystemAccount.LENDING_POOL, usdt).free == 0
    assert bal(funded_cross, "USDT").borrowed == D("0.5")
    assert_ledger_clean()


def test_an_order_that_would_empty_the_pool_past_zero_is_refused_whole(alice, funded_cross, set_prices):
    """MARGIN_BUY through the API: the order, its trade and its loan are written in the statement that finds
    the pool short, and none of them stays (Binance's -3045 on /sapi is the same error)."""
    set_prices(ETHUSDT=3500)
    usdt = Asset.objects.get(code="USDT")
    _pool_shrink_to(usdt, D(1))
    _, token = token_create(user=alice, name="pool")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    order = {"account": funded_cross.pk, "symbol": "ETHUSDT", "side": "BUY", "type": "MARKET",
             "quote_quantity": "1100", "side_effect": "MARGIN_BUY"}  # fmt: skip
    before = amounts(funded_cross, "USDT")
    response = client.post("/api/v1/orders", order, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "pool_exhausted"
    assert amounts(funded_cross, "USDT") == before and not Order.objects.filter(account=funded_cross).exists()
    assert system_balance(SystemAccount.LENDING_POOL, usdt).free == 1
    assert_ledger_clean()


def test_borrowing_a_base_asset_for_a_short(alice, funded_cross, set_prices):
    set_prices(ETHUSDT=200)
    # 3x cross, 1000 USDT: (1000 - 0) / 0.5 = 2000 USDT of ETH at most = 10 ETH.
    assert max_borrowable_get(user=alice, account_id=funded_cross.pk, asset="ETH") == D(10)
    loan_borrow(user=alice, account_id=funded_cross.pk, asset="ETH", amount="10", now=T_13_55)
    eth = bal(funded_cross, "ETH")
    assert (eth.free, eth.borrowed) == (D(10), D(10))
    assert eth.interest == D("0.00004167")  # 10 * 0.0001 / 24, rounded half up
    assert_ledger_clean()
