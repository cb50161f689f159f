"""Transfers between a user's own accounts, and the transfer-out rule."""

from decimal import Decimal as D

import pytest

from core.errors import MarginRuleViolation
from tests.helpers import amounts, assert_ledger_clean, bal, cross, spot
from trading.models import Transfer
from trading.services.accounts import isolated_account_open
from trading.services.loans import loan_borrow
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


def test_spot_cross_isolated_round_trip(alice, set_prices):
    set_prices(ETHUSDT=200)
    iso = isolated_account_open(user=alice, symbol="ETHUSDT")
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="300"
    )
    transfer_create(user=alice, from_account_id=cross(alice).pk, to_account_id=iso.pk, asset="USDT", amount="100")
    transfer_create(user=alice, from_account_id=iso.pk, to_account_id=spot(alice).pk, asset="USDT", amount="40")
    assert amounts(spot(alice), "USDT")[0] == D(9740)
    assert amounts(cross(alice), "USDT")[0] == D(200)
    assert amounts(iso, "USDT")[0] == D(60)
    assert Transfer.objects.filter(user=alice).count() == 3
    assert_ledger_clean()


def test_isolated_to_isolated_is_a_route(alice):
    # Binance's ISOLATEDMARGIN_ISOLATEDMARGIN (the edges: tests/trading/test_isolated_to_isolated.py).
    eth = isolated_account_open(user=alice, symbol="ETHUSDT")
    btc = isolated_account_open(user=alice, symbol="BTCUSDT")
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=eth.pk, asset="USDT", amount="10")
    transfer_create(user=alice, from_account_id=eth.pk, to_account_id=btc.pk, asset="USDT", amount="5")
    assert amounts(btc, "USDT")[0] == 5


def test_transfer_out_keeps_level_at_or_above_2(alice, set_prices, zero_costs):
    set_prices(ETHUSDT=200)
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="1000")
    # Assets 2000, debt 1000: level 2.0 exactly; any transfer out would take it below.
    with pytest.raises(MarginRuleViolation, match="transfer-out ratio 2"):
        transfer_create(
            user=alice, from_account_id=account.pk, to_account_id=spot(alice).pk, asset="USDT", amount="0.01"
        )
    assert amounts(account, "USDT") == (D(2000), 0, D(1000), 0)
    # Move the ETH price up with ETH held: assets 2500 -> 500 may leave, not a cent more.
    order_place(user=alice, account_id=account.pk, symbol="ETHUSDT", side="BUY", quantity="5")
    set_prices(ETHUSDT=300)
    with pytest.raises(MarginRuleViolation):
        transfer_create(
            user=alice, from_account_id=account.pk, to_account_id=spot(alice).pk, asset="USDT", amount="500.01"
        )
    transfer_create(user=alice, from_account_id=account.pk, to_account_id=spot(alice).pk, asset="USDT", amount="500")
    assert_ledger_clean()


def test_nothing_moves_on_its_own(bob, set_prices, zero_costs):
    """An isolated account near liquidation is not topped up from the cross account or spot."""
    set_prices(BCHUSDT=200)
    iso = isolated_account_open(user=bob, symbol="BCHUSDT", leverage=5)
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=iso.pk, asset="USDT", amount="200")
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=cross(bob).pk, asset="USDT", amount="5000")
    order_place(user=bob, account_id=iso.pk, symbol="BCHUSDT", side="BUY", quantity="5", side_effect="MARGIN_BUY")
    set_prices(BCHUSDT=120)
    assert amounts(cross(bob), "USDT") == (D(5000), 0, 0, 0)
    assert amounts(spot(bob), "USDT") == (D(4800), 0, 0, 0)


def test_a_base_asset_transferred_in_gets_the_mark_as_entry(alice, set_prices, zero_costs):
    set_prices(ETHUSDT=200)
    order_place(user=alice, account_id=spot(alice).pk, symbol="ETHUSDT", side="BUY", quantity="2")
    set_prices(ETHUSDT=250)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="ETH", amount="2")
    assert bal(cross(alice), "ETH").entry_price == D(250)
