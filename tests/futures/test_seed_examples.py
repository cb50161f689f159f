"""The examples of shared/seeds/futures-cross-vs-isolated-margin.txt, exactly, on USDⓈ-M futures.

A 1,000 USDT futures wallet. Cross: a BTC long survives a 500 USDT unrealized loss and is liquidated only
when the whole balance is gone (down to the maintenance margin). Isolated: a BTC long with 200 USDT of
margin is liquidated after a loss near 200; the other 800 and an ETH position are untouched. A long and
a short in cross offset each other's margin. No fees, slippage or basis (the ``fx`` fixture).
"""

from decimal import Decimal as D

from futures.models import FuturesLiquidation, FuturesPosition, Income
from futures.services.liquidation import futures_sweep
from futures.services.orders import futures_order_place
from futures.services.symbol_settings import futures_leverage_set, futures_margin_type_set
from tests.futures.helpers import fund, state, usdt, wallet
from tests.helpers import assert_ledger_clean
from trading.models import Balance, SystemAccount


def insurance_fund() -> D:
    return Balance.objects.get(account__system_code=SystemAccount.INSURANCE_FUND, asset__code="USDT").free


def amt(user, symbol):
    return FuturesPosition.objects.get(account=wallet(user), symbol__symbol=symbol).position_amt


def test_cross_survives_a_500_loss_and_is_liquidated_only_when_the_balance_is_gone(thousand, set_prices):
    user = thousand
    fund(user, 1000)
    # 0.1 BTC at 100,000 at 20x: 10,000 of notional on 500 of initial margin; the whole 1,000 backs it.
    futures_order_place(user=user, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")

    set_prices(BTCUSDT=95000)  # an unrealized loss of 500
    s = state(user)
    assert (s.cross_pnl, s.cross_margin_balance, s.cross_maintenance) == (D(-500), D(500), D(38))
    assert futures_sweep().liquidations == []  # the remaining 500 holds the position
    # Binance's estimate: (1000 - 0.1 x 100,000) / (0.1 x 0.4 % - 0.1) = 90,361.44...
    assert s.position("BTCUSDT").liquidation_price == D("90361.4")  # on the 0.1 tick

    set_prices(BTCUSDT="90400")  # 960 lost: 40 left against 36.16 of maintenance
    assert futures_sweep().liquidations == []
    assert amt(user, "BTCUSDT") == D("0.1")

    fund_before = insurance_fund()
    set_prices(BTCUSDT="90360")  # 964 lost: 36 left, the maintenance is 36.144
    (liquidation,) = futures_sweep().liquidations
    assert (liquidation.margin_type, liquidation.realized_pnl, liquidation.to_insurance) == ("CROSSED", D(-964), D(36))
    assert amt(user, "BTCUSDT") == 0
    assert usdt(user) == (0, 0)  # the whole account is gone
    assert insurance_fund() == fund_before + 36
    assert futures_sweep().liquidations == []  # never twice
    assert_ledger_clean()


def test_isolated_200_is_liquidated_near_a_200_loss_and_the_rest_stays(thousand, set_prices):
    user = thousand
    fund(user, 1000)
    futures_margin_type_set(user=user, symbol="BTCUSDT", margin_type="ISOLATED")
    futures_leverage_set(user=user, symbol="BTCUSDT", leverage=5)
    # 0.01 BTC at 100,000 at 5x: exactly 200 USDT of isolated margin.
    futures_order_place(user=user, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    futures_order_place(user=user, symbol="ETHUSDT", side="BUY", type="MARKET", quantity="1")  # cross, 125 IM
    assert usdt(user) == (D(800), D(200))
    assert state(user).position("BTCUSDT").liquidation_price == D("80321.2")  # 800 / (0.01 - 0.00004)

    set_prices(BTCUSDT=90000)  # a 100 loss: half the margin
    assert futures_sweep().liquidations == []
    set_prices(BTCUSDT="80330")  # 196.70 lost: 3.30 left against 3.2132 of maintenance
    assert futures_sweep().liquidations == []

    set_prices(BTCUSDT="80320")  # 196.80 lost: 3.20 left, the maintenance is 3.2128
    (liquidation,) = futures_sweep().liquidations
    assert (liquidation.margin_type, liquidation.symbol.symbol) == ("ISOLATED", "BTCUSDT")
    assert (liquidation.realized_pnl, liquidation.to_insurance, liquidation.shortfall) == (D("-196.8"), D("3.2"), 0)
    assert amt(user, "BTCUSDT") == 0
    assert usdt(user) == (D(800), 0)  # the other 800 stay intact
    assert amt(user, "ETHUSDT") == D(1)  # and the ETH position is unaffected
    set_prices(BTCUSDT=50000)  # even a crash now touches nothing
    assert futures_sweep().liquidations == []
    assert usdt(user) == (D(800), 0)
    assert_ledger_clean()


def test_a_long_and_a_short_in_cross_offset_each_others_margin(thousand, set_prices):
    """BTC long and ETH short, 10,000 each at 20x: both fall 12 %, the short's profit carries the long."""
    user = thousand
    fund(user, 1000)
    futures_order_place(user=user, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    futures_order_place(user=user, symbol="ETHUSDT", side="SELL", type="MARKET", quantity="4")
    set_prices(BTCUSDT=88000, ETHUSDT=2200)  # BTC -1,200, ETH +1,200
    s = state(user)
    assert (s.cross_pnl, s.cross_margin_balance) == (0, D(1000))
    assert futures_sweep().liquidations == []  # alone, the BTC long would be gone below 90,361.44
    assert (amt(user, "BTCUSDT"), amt(user, "ETHUSDT")) == (D("0.1"), D(-4))
    assert_ledger_clean()


def test_the_same_hedge_in_isolated_margin_does_not_offset(thousand, set_prices):
    user = thousand
    fund(user, 1000)
    for symbol in ("BTCUSDT", "ETHUSDT"):
        futures_margin_type_set(user=user, symbol=symbol, margin_type="ISOLATED")
    futures_order_place(user=user, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")  # 500 isolated
    futures_order_place(user=user, symbol="ETHUSDT", side="SELL", type="MARKET", quantity="4")  # 500 isolated
    set_prices(BTCUSDT=88000, ETHUSDT=2200)
    (liquidation,) = futures_sweep().liquidations
    assert liquidation.symbol.symbol == "BTCUSDT"
    # The loss (1,200) was beyond the 500 of margin: the insurance fund paid the 700 of shortfall.
    assert (liquidation.realized_pnl, liquidation.shortfall, liquidation.to_insurance) == (D(-1200), D(700), 0)
    assert Income.objects.get(income_type="INSURANCE_CLEAR").income == D(700)
    assert amt(user, "ETHUSDT") == D(-4)
    assert usdt(user) == (0, D(500))  # the ETH short keeps its own margin
    assert FuturesLiquidation.objects.count() == 1
    assert_ledger_clean()
