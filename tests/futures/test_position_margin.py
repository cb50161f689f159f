from decimal import Decimal as D

import pytest

from core.errors import ApplicationError
from futures.services.orders import futures_order_place
from futures.services.position_margin import futures_position_margin_change
from futures.services.symbol_settings import futures_leverage_set, futures_margin_type_set
from tests.futures.helpers import fund, state, usdt
from tests.helpers import assert_ledger_clean


@pytest.fixture
def isolated_long(thousand):
    fund(thousand, 1000)
    futures_margin_type_set(user=thousand, symbol="BTCUSDT", margin_type="ISOLATED")
    futures_leverage_set(user=thousand, symbol="BTCUSDT", leverage=5)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    return thousand


def test_add_and_reduce_isolated_margin(isolated_long):
    user = isolated_long
    futures_position_margin_change(user=user, symbol="BTCUSDT", amount="50", type="1")
    assert usdt(user) == (D(750), D(250))
    liq_after_add = state(user).position("BTCUSDT").liquidation_price
    futures_position_margin_change(user=user, symbol="BTCUSDT", amount="50", type="REDUCE")
    assert usdt(user) == (D(800), D(200))
    assert state(user).position("BTCUSDT").liquidation_price > liq_after_add  # less margin, nearer
    assert_ledger_clean()


def test_reduce_only_down_to_the_initial_margin(isolated_long, set_prices):
    user = isolated_long
    with pytest.raises(ApplicationError, match="Isolated balance insufficient") as error:
        futures_position_margin_change(user=user, symbol="BTCUSDT", amount="0.01", type="2")
    assert error.value.binance_code == -4051
    set_prices(BTCUSDT=110000)  # a 100 profit; the initial margin at mark is 220: still nothing to take out
    with pytest.raises(ApplicationError, match="at most 0"):
        futures_position_margin_change(user=user, symbol="BTCUSDT", amount="1", type="2")
    futures_position_margin_change(user=user, symbol="BTCUSDT", amount="30", type="1")
    set_prices(BTCUSDT=100000)
    futures_position_margin_change(user=user, symbol="BTCUSDT", amount="30", type="2")
    assert usdt(user) == (D(800), D(200))


def test_margin_of_a_cross_or_missing_position_is_refused(thousand):
    fund(thousand, 1000)
    with pytest.raises(ApplicationError, match="No open position"):
        futures_position_margin_change(user=thousand, symbol="BTCUSDT", amount="1", type="1")
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    with pytest.raises(ApplicationError, match="isolated position"):
        futures_position_margin_change(user=thousand, symbol="BTCUSDT", amount="1", type="1")


def test_adding_more_than_available_is_refused(isolated_long):
    with pytest.raises(ApplicationError, match="available"):
        futures_position_margin_change(user=isolated_long, symbol="BTCUSDT", amount="800.01", type="1")
    assert usdt(isolated_long) == (D(800), D(200))
