import pytest

from core.errors import ApplicationError
from futures import selectors
from futures.models import FuturesPosition, FuturesSetting, FuturesSymbol
from futures.services.orders import futures_order_place
from futures.services.symbol_settings import futures_leverage_set, futures_margin_type_set, futures_position_mode_set
from tests.futures.helpers import fund, wallet


@pytest.mark.parametrize("leverage", [0, 126, "5x", True, -1])
def test_leverage_outside_the_bracket_is_refused(thousand, leverage):
    with pytest.raises(ApplicationError) as error:
        futures_leverage_set(user=thousand, symbol="BTCUSDT", leverage=leverage)
    assert error.value.code == "invalid_leverage" and error.value.binance_code == -4028
    assert not FuturesSetting.objects.filter(leverage__in=[0, 126]).exists()


def test_leverage_up_to_the_bracket_of_the_current_notional(thousand, set_prices):
    assert futures_leverage_set(user=thousand, symbol="BTCUSDT", leverage=125).leverage == 125
    assert futures_leverage_set(user=thousand, symbol="ETHUSDT", leverage=100).leverage == 100
    with pytest.raises(ApplicationError, match="1 to 75x"):
        futures_leverage_set(user=thousand, symbol="SOLUSDT", leverage=100)
    # A 60,000 USDT position is in BTCUSDT's second bracket: 100x at most.
    fund(thousand, 1000)
    futures_leverage_set(user=thousand, symbol="BTCUSDT", leverage=100)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.6")
    with pytest.raises(ApplicationError, match="1 to 100x"):
        futures_leverage_set(user=thousand, symbol="BTCUSDT", leverage=125)


def test_unknown_symbol(thousand):
    with pytest.raises(ApplicationError) as error:
        futures_leverage_set(user=thousand, symbol="DOGEUSDT", leverage=5)
    assert error.value.code == "invalid_symbol" and error.value.status == 400


def test_margin_type_change_refused_with_a_position_other_symbols_unaffected(thousand):
    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    with pytest.raises(ApplicationError, match="Margin type cannot be changed if there exists position.") as error:
        futures_margin_type_set(user=thousand, symbol="BTCUSDT", margin_type="ISOLATED")
    assert error.value.binance_code == -4048
    setting = futures_margin_type_set(user=thousand, symbol="ETHUSDT", margin_type="ISOLATED")
    assert setting.margin_type == "ISOLATED"
    btc = selectors.setting_get(wallet=wallet(thousand), symbol=FuturesSymbol.objects.get(symbol="BTCUSDT"))
    assert btc.margin_type == "CROSSED"
    assert FuturesPosition.objects.get(account=wallet(thousand), symbol__symbol="BTCUSDT").margin_type == "CROSSED"


def test_margin_type_change_refused_with_open_orders(thousand):
    fund(thousand, 1000)
    futures_order_place(
        user=thousand, symbol="ETHUSDT", side="BUY", type="LIMIT", quantity="0.1", price="2000", time_in_force="GTC"
    )
    with pytest.raises(ApplicationError, match="if there exists open orders") as error:
        futures_margin_type_set(user=thousand, symbol="ETHUSDT", margin_type="ISOLATED")
    assert error.value.binance_code == -4047


def test_margin_type_unchanged_and_bad_values(thousand):
    with pytest.raises(ApplicationError, match="No need to change margin type."):
        futures_margin_type_set(user=thousand, symbol="BTCUSDT", margin_type="CROSSED")
    with pytest.raises(ApplicationError, match="CROSSED, ISOLATED"):
        futures_margin_type_set(user=thousand, symbol="BTCUSDT", margin_type="PORTFOLIO")


def test_hedge_mode_is_a_clear_error(thousand):
    with pytest.raises(ApplicationError, match="one-way") as error:
        futures_position_mode_set(user=thousand, dual_side_position="true")
    assert error.value.binance_code == -4059
    futures_position_mode_set(user=thousand, dual_side_position="false")
