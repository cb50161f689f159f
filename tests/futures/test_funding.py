from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from futures.models import FundingRate, FuturesSymbol, Income
from futures.selectors import market_get
from futures.services.funding import funding_rate_estimate, futures_funding_apply
from futures.services.orders import futures_order_place
from futures.services.symbol_settings import futures_margin_type_set
from tests.futures.helpers import fund, usdt
from tests.helpers import assert_ledger_clean

NOON = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def test_rate_follows_the_basis(fx):
    FuturesSymbol.objects.filter(symbol="BTCUSDT").update(basis_rate=D("0.002"))
    FuturesSymbol.objects.filter(symbol="ETHUSDT").update(basis_rate=D("-0.001"))
    market = market_get()
    assert market["BTCUSDT"].mark_price == D("100200.00")
    assert funding_rate_estimate(market["BTCUSDT"]) == D("0.0015")  # 0.2 % + clamp(0.01 % - 0.2 %) = 0.2 - 0.05
    assert funding_rate_estimate(market["ETHUSDT"]) == D("-0.0005")  # -0.1 % + clamp(0.11 %) = -0.1 + 0.05
    assert funding_rate_estimate(market["SOLUSDT"]) == D("0.0001")  # no premium: the interest rate


def test_longs_pay_shorts_through_the_ledger_once_per_interval(fx, alice, bob):
    FuturesSymbol.objects.filter(symbol="BTCUSDT").update(basis_rate=D("0.0001"))  # mark 100,010: rate 0.01 %
    fund(alice, 1000)
    fund(bob, 1000)
    futures_order_place(user=alice, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    futures_margin_type_set(user=bob, symbol="BTCUSDT", margin_type="ISOLATED")
    futures_order_place(user=bob, symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.1")
    bob_isolated = usdt(bob)[1]
    applied = futures_funding_apply(now=NOON)
    btc = next(r for r in applied if r.symbol.symbol == "BTCUSDT")
    assert (btc.funding_time, btc.funding_rate, btc.mark_price) == (
        datetime(2026, 3, 1, 8, tzinfo=UTC),
        D("0.0001"),
        D("100010.00"),
    )
    # 0.1 x 100,010 x 0.01 % = 1.0001
    assert usdt(alice)[0] == D(1000) - D("1.0001")
    assert usdt(bob)[1] == bob_isolated + D("1.0001")  # an isolated short receives into its margin
    fees = Income.objects.filter(income_type="FUNDING_FEE").order_by("income").values_list("income", flat=True)
    assert list(fees) == [D("-1.0001"), D("1.0001")]
    assert futures_funding_apply(now=NOON + timedelta(hours=3)) == []  # the same interval: nothing again
    assert Income.objects.filter(income_type="FUNDING_FEE").count() == 2
    futures_funding_apply(now=NOON + timedelta(hours=4))  # 16:00: the next one
    assert Income.objects.filter(income_type="FUNDING_FEE").count() == 4
    assert FundingRate.objects.filter(symbol__symbol="BTCUSDT").count() == 2
    assert_ledger_clean()
