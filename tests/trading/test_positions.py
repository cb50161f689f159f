"""Positions: quantity, side, entry, mark, unrealized PnL, estimated liquidation price, margin level."""

from decimal import Decimal as D

import pytest

from risk.services.liquidation import account_liquidate
from tests.helpers import cross, spot
from trading import margin
from trading.margin import Status
from trading.selectors import account_summary_get, position_list, position_list_for_user
from trading.services.accounts import isolated_account_open
from trading.services.loans import loan_borrow
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


@pytest.fixture
def b_bch(bob, set_prices, zero_costs):
    """B's BCHUSDT isolated account from the seed example: 5 BCH against 800 USDT of debt."""
    set_prices(BCHUSDT=200)
    account = isolated_account_open(user=bob, symbol="BCHUSDT", leverage=5)
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=account.pk, asset="USDT", amount="200")
    order_place(user=bob, account_id=account.pk, symbol="BCHUSDT", side="BUY", quantity="5", side_effect="MARGIN_BUY")
    return account


def test_isolated_long_position_figures(b_bch, set_prices):
    set_prices(BCHUSDT=170)
    [position] = position_list(account=b_bch)
    assert (position.symbol, position.asset, position.side) == ("BCHUSDT", "BCH", "LONG")
    assert (position.quantity, position.entry_price, position.mark_price) == (D(5), D(200), D(170))
    assert position.unrealized_pnl == D(-150)
    # 800 * 1.05 / 5 = 168: the price at which the margin level reaches the liquidation ratio.
    assert position.liquidation_price == D(168)
    assert position.margin_level == D("1.0625")


def test_the_liquidation_price_is_where_the_engine_turns_to_liquidation(b_bch, set_prices):
    [position] = position_list(account=b_bch)
    tick = D("0.1")  # BCHUSDT's tick size
    just_above = margin.round_up(position.liquidation_price, tick) + tick
    at_or_below = margin.round_down(position.liquidation_price, tick)
    set_prices(BCHUSDT=just_above)
    assert account_summary_get(account=b_bch).status == Status.MARGIN_CALL
    assert account_liquidate(account_id=b_bch.pk) is None
    set_prices(BCHUSDT=at_or_below)
    assert account_summary_get(account=b_bch).status == Status.LIQUIDATION
    assert account_liquidate(account_id=b_bch.pk) is not None


def test_short_position_in_cross_with_other_prices_held(alice, set_prices, zero_costs):
    set_prices(ETHUSDT=200, SOLUSDT=100)
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    order_place(user=alice, account_id=account.pk, symbol="SOLUSDT", side="BUY", quantity="4")
    loan_borrow(user=alice, account_id=account.pk, asset="ETH", amount="3")
    order_place(user=alice, account_id=account.pk, symbol="ETHUSDT", side="SELL", quantity="3")
    set_prices(ETHUSDT=250)
    positions = {p.asset: p for p in position_list(account=account)}
    eth, sol = positions["ETH"], positions["SOL"]
    assert (eth.side, eth.quantity, eth.entry_price, eth.unrealized_pnl) == ("SHORT", D(-3), D(200), D(-150))
    assert (sol.side, sol.quantity, sol.entry_price, sol.unrealized_pnl) == ("LONG", D(4), D(100), D(0))
    # Assets: 600 + 600 USDT + 4 SOL * 100 = 1600; debt 3 ETH. ETH's price with SOL held at 100:
    # 1600 = 1.05 * 3 * p  ->  p = 507.93650794 (3x cross, liquidation ratio 1.05).
    assert eth.liquidation_price == D("507.93650794")
    # SOL's, with ETH held at 250: 1200 + 4p = 1.05 * 750 -> negative: no liquidation price.
    assert sol.liquidation_price is None
    assert eth.margin_level == margin.margin_level(D(1600), D(750))


def test_positions_across_a_users_accounts(alice, set_prices, zero_costs):
    set_prices(ETHUSDT=200, BTCUSDT=50000)
    iso = isolated_account_open(user=alice, symbol="BTCUSDT", leverage=5)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=iso.pk, asset="USDT", amount="200")
    order_place(user=alice, account_id=iso.pk, symbol="BTCUSDT", side="BUY", quantity="0.02", side_effect="MARGIN_BUY")
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="500"
    )
    order_place(user=alice, account_id=cross(alice).pk, symbol="ETHUSDT", side="BUY", quantity="1")
    positions = position_list_for_user(user=alice)
    assert sorted((p.account.kind, p.symbol) for p in positions) == [("cross", "ETHUSDT"), ("isolated", "BTCUSDT")]
    # The spot wallet's holdings are not margin positions.
    order_place(user=alice, account_id=spot(alice).pk, symbol="ETHUSDT", side="BUY", quantity="1")
    assert len(position_list_for_user(user=alice)) == 2
