"""Liquidation of one account: all or nothing, cross takes everything, isolated only its pair."""

from decimal import Decimal as D

import pytest

from risk.models import Liquidation
from risk.services.liquidation import account_liquidate
from tests.helpers import amounts, assert_ledger_clean, cross, spot
from trading.models import Asset, Order, SystemAccount, Trade
from trading.services.accounts import isolated_account_open
from trading.services.ledger import system_balance
from trading.services.loans import loan_borrow
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


def fund(code="USDT"):
    return system_balance(SystemAccount.INSURANCE_FUND, Asset.objects.get(code=code)).free


@pytest.fixture
def cross_book(alice, set_prices, zero_costs):
    """A cross account long ETH and SOL, short BTC, with a resting order."""
    set_prices(ETHUSDT=200, SOLUSDT=100, BTCUSDT=50000)
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    order_place(user=alice, account_id=account.pk, symbol="ETHUSDT", side="BUY", quantity="5", side_effect="MARGIN_BUY")
    order_place(user=alice, account_id=account.pk, symbol="SOLUSDT", side="BUY", quantity="5", side_effect="MARGIN_BUY")
    loan_borrow(user=alice, account_id=account.pk, asset="BTC", amount="0.01")
    order_place(user=alice, account_id=account.pk, symbol="BTCUSDT", side="SELL", quantity="0.01")
    order_place(
        user=alice, account_id=account.pk, symbol="ETHUSDT", side="SELL", type="LIMIT", quantity="1", price="300"
    )
    return account


def test_a_healthy_account_is_left_alone(cross_book):
    assert account_liquidate(account_id=cross_book.pk) is None
    assert not Liquidation.objects.exists()


def test_cross_liquidation_closes_every_position(cross_book, set_prices, zero_costs):
    zero_costs.slippage_bps = D(10)
    zero_costs.save()
    # Assets: 5 ETH + 5 SOL + 500 USDT; debt: 500 USDT + 0.01 BTC. At ETH 120, SOL 60, BTC 60000:
    # assets 600 + 300 + 500 = 1400, debt 500 + 600 = 1100, level 1.2727 -> not yet.
    set_prices(ETHUSDT=120, SOLUSDT=60, BTCUSDT=60000)
    assert account_liquidate(account_id=cross_book.pk) is None
    set_prices(ETHUSDT=100, SOLUSDT=50, BTCUSDT=70000)  # 500 + 250 + 500 = 1250 / (500 + 700) = 1.0417
    fund_before = fund()
    record = account_liquidate(account_id=cross_book.pk)
    assert record.account_kind == "cross"
    for asset in ("ETH", "SOL", "BTC"):
        assert amounts(cross_book, asset) == (0, 0, 0, 0)
    # Sold 5 ETH at 99.90 and 5 SOL at 49.95 (10 bps), bought 0.01 BTC back at 70070.
    assert record.value_liquidated == D("499.50") + D("249.75") + D("700.70")
    assert record.fee_nominal == D("28.999")  # 2 %
    equity = D(500) + D("499.50") + D("249.75") - D("700.70") - D(500)
    assert record.fee == D("28.999") and record.shortfall == 0
    assert amounts(cross_book, "USDT") == (equity - D("28.999"), 0, 0, 0)
    assert fund() == fund_before + D("28.999")
    # The resting sell was cancelled, its lock released; the fills are trades of autoclose orders.
    assert Order.objects.get(type="LIMIT").status == "CANCELED"
    assert Trade.objects.filter(order__client_order_id__startswith="autoclose-").count() == 3
    assert_ledger_clean()


def test_isolated_liquidation_touches_only_its_pair(alice, set_prices, zero_costs):
    set_prices(ETHUSDT=200, BTCUSDT=50000)
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="1000"
    )
    order_place(
        user=alice, account_id=cross(alice).pk, symbol="BTCUSDT", side="BUY", quantity="0.02", side_effect="MARGIN_BUY"
    )
    iso = isolated_account_open(user=alice, symbol="ETHUSDT", leverage=5)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=iso.pk, asset="USDT", amount="200")
    order_place(user=alice, account_id=iso.pk, symbol="ETHUSDT", side="BUY", quantity="5", side_effect="MARGIN_BUY")
    cross_before = [amounts(cross(alice), a) for a in ("USDT", "BTC", "ETH")]
    set_prices(ETHUSDT=162)  # 810 / 800 = 1.0125
    record = account_liquidate(account_id=iso.pk)
    # 2 % of 810 would be 16.20, but only 10 of equity is left: the fee never digs into the fund.
    assert (record.value_liquidated, record.shortfall, record.fee_nominal, record.fee) == (D(810), 0, D("16.2"), D(10))
    assert amounts(iso, "ETH") == (0, 0, 0, 0)
    assert amounts(iso, "USDT") == (0, 0, 0, 0)
    assert [amounts(cross(alice), a) for a in ("USDT", "BTC", "ETH")] == cross_before
    assert amounts(spot(alice), "USDT") == (D(8800), 0, 0, 0)
    assert_ledger_clean()


def test_a_short_whose_debt_outgrew_the_assets_is_covered_by_the_insurance_fund(bob, set_prices, zero_costs):
    set_prices(ETHUSDT=200)
    iso = isolated_account_open(user=bob, symbol="ETHUSDT", leverage=3)
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=iso.pk, asset="USDT", amount="200")
    loan_borrow(user=bob, account_id=iso.pk, asset="ETH", amount="2")
    order_place(user=bob, account_id=iso.pk, symbol="ETHUSDT", side="SELL", quantity="2")
    fund_before = fund()
    set_prices(ETHUSDT=400)  # assets 600 USDT, debt 2 ETH = 800: level 0.75
    record = account_liquidate(account_id=iso.pk)
    assert (record.value_liquidated, record.shortfall, record.fee) == (D(800), D(200), 0)
    assert amounts(iso, "ETH") == (0, 0, 0, 0)
    assert amounts(iso, "USDT") == (0, 0, 0, 0)
    assert fund() == fund_before - 200
    assert_ledger_clean()
