"""Liquidation sells into (and buys back from) the order book: a large one moves down it.

ETHUSDT's book: 2 bps spread, levels 10 bps apart, 1000 USDT a level, no noise (fill model BOOK).
"""

from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ApplicationError
from risk.models import Liquidation
from risk.services.liquidation import account_liquidate
from tests.helpers import amounts, assert_ledger_clean, spot
from trading import selectors
from trading.models import Asset, Balance, FillModel, IsolatedMarginTier, LedgerLine, PairBook, SystemAccount, Trade
from trading.services.accounts import isolated_account_open
from trading.services.ledger import system_balance
from trading.services.loans import loan_borrow
from trading.services.markets import mark_price_set
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


@pytest.fixture
def thin_book(zero_costs, set_prices):
    zero_costs.fill_model = FillModel.BOOK
    zero_costs.save()
    PairBook.objects.filter(pair__symbol="ETHUSDT").update(
        spread_bps=D(2), levels=3, level_spacing_bps=D(10), level_notional=D(1000), noise=D(0)
    )
    set_prices(ETHUSDT=200)


def fund() -> D:
    return system_balance(SystemAccount.INSURANCE_FUND, Asset.objects.get(code="USDT")).free


def test_a_large_liquidation_moves_down_the_book(alice, thin_book, set_prices):
    iso = isolated_account_open(user=alice, symbol="ETHUSDT", leverage=5)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=iso.pk, asset="USDT", amount="1000")
    # A deep book for the buy (12 ETH, 1400 USDT borrowed), the thin one for the liquidation.
    PairBook.objects.filter(pair__symbol="ETHUSDT").update(level_notional=D(100000))
    order_place(user=alice, account_id=iso.pk, symbol="ETHUSDT", side="BUY", quantity="12", side_effect="MARGIN_BUY")
    PairBook.objects.filter(pair__symbol="ETHUSDT").update(level_notional=D(1000))
    set_prices(ETHUSDT="120")  # 12 x 120 = 1440 against 1400 owed: level 1.03, below 1.05

    record = account_liquidate(account_id=iso.pk)

    sells = list(Trade.objects.filter(order__status_reason="Liquidation", side="SELL").order_by("id"))
    # At 120 the bids are 119.98 x 8.3347, 119.86 x 8.3430, 119.74 x 8.3514: 12 ETH takes two of them.
    assert [(t.price, t.quantity) for t in sells] == [(D("119.98"), D("8.3347")), (D("119.86"), D("3.6653"))]
    assert record.value_liquidated == D("999.997306") + D("439.322858")
    assert record.value_liquidated < D(12) * D("119.98")  # worse than the best bid: the book's depth costs
    assert amounts(iso, "ETH") == (0, 0, 0, 0)
    assert_ledger_clean()


def test_a_liquidation_larger_than_the_book_still_closes_whole(bob, thin_book, set_prices):
    # One tier (the profile's): the default tiers' ETH caps (14 ETH a tier at 3x) were sized at 3500 a coin,
    # and 20 ETH here would be tier 2, whose 1.875 this short at 120 does not meet. Tiers: test_isolated_tiers.
    IsolatedMarginTier.objects.filter(pair__symbol="ETHUSDT").delete()
    iso = isolated_account_open(user=bob, symbol="ETHUSDT", leverage=3)
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=iso.pk, asset="USDT", amount="3000")
    loan_borrow(user=bob, account_id=iso.pk, asset="ETH", amount="20")
    PairBook.objects.filter(pair__symbol="ETHUSDT").update(level_notional=D(100000))
    order_place(user=bob, account_id=iso.pk, symbol="ETHUSDT", side="SELL", quantity="20")
    PairBook.objects.filter(pair__symbol="ETHUSDT").update(level_notional=D(1000))
    fund_before = fund()
    set_prices(ETHUSDT="400")  # 20 ETH owed = 8000 against about 7000: the buy-back needs the fund

    record = account_liquidate(account_id=iso.pk)

    buys = list(Trade.objects.filter(order__status_reason="Liquidation", side="BUY").order_by("id"))
    # Three asks of about 2.5 ETH each, then the rest at the last ask's price.
    assert [t.price for t in buys] == [D("400.04"), D("400.44"), D("400.84")]
    assert sum(t.quantity for t in buys) >= D(20)
    assert record.shortfall > 0 and fund() == fund_before - record.shortfall
    assert amounts(iso, "ETH")[2:] == (0, 0)
    assert_ledger_clean()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    notional=st.sampled_from([D(50), D(500), D(5000)]),
    levels=st.integers(min_value=1, max_value=4),
    short=st.booleans(),
    crash=st.sampled_from([D("1.3"), D("1.6"), D("2.5"), D("4")]),
)
def test_a_liquidation_into_the_book_never_leaves_a_negative_balance_unfunded(
    alice, thin_book, notional, levels, short, crash
):
    with transaction.atomic():
        iso = isolated_account_open(user=alice, symbol="ETHUSDT", leverage=5)
        transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=iso.pk, asset="USDT", amount="1000")
        PairBook.objects.filter(pair__symbol="ETHUSDT").update(level_notional=D(1000000), levels=levels)
        try:
            if short:
                loan_borrow(user=alice, account_id=iso.pk, asset="ETH", amount="15")
                order_place(user=alice, account_id=iso.pk, symbol="ETHUSDT", side="SELL", quantity="15")
                price = D(200) * crash
            else:
                order_place(
                    user=alice, account_id=iso.pk, symbol="ETHUSDT", side="BUY", quantity="20", side_effect="MARGIN_BUY"
                )
                price = (D(200) / crash).quantize(D("0.01"))
        except ApplicationError:  # a margin rule refused the position: nothing to liquidate
            transaction.set_rollback(True)
            return
        PairBook.objects.filter(pair__symbol="ETHUSDT").update(level_notional=notional)
        fund_lines_before = LedgerLine.objects.filter(
            balance__account__system_code=SystemAccount.INSURANCE_FUND
        ).count()
        fund_before = fund()
        mark_price_set(symbol="ETHUSDT", price=price)

        record = account_liquidate(account_id=iso.pk)

        assert record is not None
        for balance in Balance.objects.filter(is_system=False):
            assert min(balance.free, balance.locked, balance.borrowed, balance.interest) >= 0, balance
        assert amounts(iso, "ETH") == (0, 0, 0, 0) and amounts(iso, "USDT")[2:] == (0, 0)
        if record.shortfall:
            # The fund paid what was missing, and its ledger says so.
            assert fund() == fund_before - record.shortfall + record.fee
            assert (
                LedgerLine.objects.filter(balance__account__system_code=SystemAccount.INSURANCE_FUND).count()
                > fund_lines_before
            )
        assert Liquidation.objects.filter(account=iso).count() == 1
        assert selectors.ledger_differences() == []
        transaction.set_rollback(True)
