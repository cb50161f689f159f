"""MARKET orders with the four side effects, fees and slippage."""

from decimal import Decimal as D

import pytest

from core.errors import InsufficientBalance, MarginRuleViolation
from tests.helpers import amounts, assert_ledger_clean, bal, cross, spot
from trading.models import Asset, JournalEntry, LoanEvent, Order, SystemAccount, Trade
from trading.services.accounts import isolated_account_open
from trading.services.ledger import system_balance
from trading.services.loans import loan_borrow
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


@pytest.fixture
def funded(alice, set_prices):
    set_prices(ETHUSDT=200)
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    return account


def test_market_buy_with_fee_and_slippage(alice, funded):
    # Defaults: taker fee 0.1 % in the asset received, slippage 5 bps against the taker.
    order = order_place(user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", quantity="2")
    assert (order.status, order.executed_qty, order.cummulative_quote_qty) == ("FILLED", D(2), D("400.20"))
    trade = order.trades.get()
    assert (trade.price, trade.fee, trade.fee_asset.code, trade.is_maker) == (D("200.10"), D("0.002"), "ETH", False)
    assert amounts(funded, "USDT") == (D("599.80"), 0, 0, 0)
    assert amounts(funded, "ETH") == (D("1.998"), 0, 0, 0)
    assert system_balance(SystemAccount.FEES, Asset.objects.get(code="ETH")).free == D("0.002")
    assert bal(funded, "ETH").entry_price == D("200.10")
    assert_ledger_clean()


def test_market_sell_by_quote_quantity(alice, funded, zero_costs):
    order_place(user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", quantity="2")
    order = order_place(user=alice, account_id=funded.pk, symbol="ETHUSDT", side="SELL", quote_quantity="150")
    assert (order.executed_qty, order.cummulative_quote_qty) == (D("0.75"), D(150))
    assert amounts(funded, "ETH") == (D("1.25"), 0, 0, 0)
    assert amounts(funded, "USDT") == (D(750), 0, 0, 0)


def test_margin_buy_borrows_only_what_is_missing(alice, funded, zero_costs):
    order = order_place(
        user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", quantity="7", side_effect="MARGIN_BUY"
    )
    assert (order.borrowed_amount, order.borrowed_asset.code) == (D(400), "USDT")
    assert amounts(funded, "USDT") == (0, 0, D(400), 0)
    assert amounts(funded, "ETH") == (D(7), 0, 0, 0)
    event = LoanEvent.objects.get(kind=LoanEvent.Kind.BORROW)
    assert (event.order_id, event.principal) == (order.pk, D(400))
    # The borrow, the trade and its fee are one journal entry.
    assert Trade.objects.get().entry_id == event.entry_id
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.TRADE).count() == 1
    assert_ledger_clean()


def test_margin_buy_without_need_borrows_nothing(alice, funded, zero_costs):
    order = order_place(
        user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", quantity="1", side_effect="MARGIN_BUY"
    )
    assert order.borrowed_amount == 0
    assert not LoanEvent.objects.exists()


def test_margin_buy_beyond_the_initial_ratio_is_rejected_and_changes_nothing(alice, funded, zero_costs):
    # 3x cross, 1000 USDT: at most 2000 borrowed -> 3000 USDT of ETH = 15 ETH.
    order_place(user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", quantity="15", side_effect="MARGIN_BUY")
    lines = JournalEntry.objects.count()
    with pytest.raises(MarginRuleViolation, match="below the initial ratio 1.5"):
        order_place(
            user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", quantity="0.1", side_effect="MARGIN_BUY"
        )
    assert JournalEntry.objects.count() == lines
    assert Order.objects.count() == 1
    assert amounts(funded, "USDT") == (0, 0, D(2000), 0)


def test_no_side_effect_needs_the_funds(alice, funded, zero_costs):
    with pytest.raises(InsufficientBalance):
        order_place(user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", quantity="5.1")
    assert amounts(funded, "USDT") == (D(1000), 0, 0, 0)
    assert not Order.objects.exists()


def test_auto_repay_sell_pays_debt_with_the_proceeds(alice, funded, zero_costs):
    order_place(user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", quantity="10", side_effect="MARGIN_BUY")
    assert amounts(funded, "USDT") == (0, 0, D(1000), 0)
    order_place(user=alice, account_id=funded.pk, symbol="ETHUSDT", side="SELL", quantity="6", side_effect="AUTO_REPAY")
    assert amounts(funded, "USDT") == (D(200), 0, 0, 0)
    assert amounts(funded, "ETH") == (D(4), 0, 0, 0)
    assert_ledger_clean()


def test_short_round_trip_with_auto_repay(alice, funded, set_prices, zero_costs):
    """Borrow base, sell it, buy it back with AUTO_REPAY: sign, entry, PnL and debt cleared."""
    loan_borrow(user=alice, account_id=funded.pk, asset="ETH", amount="2")
    order_place(user=alice, account_id=funded.pk, symbol="ETHUSDT", side="SELL", quantity="2")
    eth = bal(funded, "ETH")
    assert (eth.net, eth.entry_price) == (D(-2), D(200))
    set_prices(ETHUSDT=150)
    assert (D(150) - eth.entry_price) * eth.net == D(100)  # a short gains when the price falls
    order_place(user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", quantity="2", side_effect="AUTO_REPAY")
    assert amounts(funded, "ETH") == (0, 0, 0, 0)
    assert bal(funded, "ETH").entry_price is None
    assert amounts(funded, "USDT") == (D(1100), 0, 0, 0)
    assert_ledger_clean()


def test_auto_borrow_repay_does_both(alice, funded, zero_costs):
    loan_borrow(user=alice, account_id=funded.pk, asset="ETH", amount="1")
    order_place(
        user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", quantity="6", side_effect="AUTO_BORROW_REPAY"
    )
    # 1200 USDT needed, 1000 free: 200 borrowed; 6 ETH received repay the 1 ETH owed.
    assert amounts(funded, "USDT") == (0, 0, D(200), 0)
    assert amounts(funded, "ETH") == (D(6), 0, 0, 0)


def test_client_order_id_is_idempotent(alice, funded, zero_costs):
    first = order_place(
        user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", quantity="1", client_order_id="bot-1"
    )
    again = order_place(
        user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", quantity="1", client_order_id="bot-1"
    )
    assert again.pk == first.pk
    assert amounts(funded, "ETH") == (D(1), 0, 0, 0)


def test_isolated_account_trades_its_pair(bob, set_prices, zero_costs):
    set_prices(ETHUSDT=200)
    account = isolated_account_open(user=bob, symbol="ETHUSDT")
    assert account.leverage == 10  # ETHUSDT's maximum
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=account.pk, asset="USDT", amount="100")
    order_place(user=bob, account_id=account.pk, symbol="ETHUSDT", side="BUY", quantity="4", side_effect="MARGIN_BUY")
    assert amounts(account, "USDT") == (0, 0, D(700), 0)
    assert_ledger_clean()


def test_spot_wallet_trades_without_side_effects(alice, set_prices, zero_costs):
    set_prices(ETHUSDT=200)
    order_place(user=alice, account_id=spot(alice).pk, symbol="ETHUSDT", side="BUY", quantity="1")
    assert amounts(spot(alice), "ETH") == (D(1), 0, 0, 0)
    assert amounts(spot(alice), "USDT") == (D(9800), 0, 0, 0)
