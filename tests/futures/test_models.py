"""The perpetuals' data: Binance's brackets exactly as the FAQ tabulates them, each tier consistent."""

from decimal import Decimal as D

import pytest

from futures import formulas as f
from futures.models import FuturesSymbol


@pytest.mark.django_db
@pytest.mark.parametrize("symbol", ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"])
def test_brackets_are_contiguous_and_their_cum_follows_the_faq(symbol):
    perpetual = FuturesSymbol.objects.get(symbol=symbol)
    brackets = list(perpetual.brackets.order_by("bracket"))
    assert brackets[0].notional_floor == 0
    for previous, bracket in zip(brackets, brackets[1:], strict=False):
        assert bracket.notional_floor == previous.notional_cap
        assert bracket.max_leverage < previous.max_leverage
        assert bracket.cum == f.cum_amount(
            floor=bracket.notional_floor,
            mmr=bracket.maint_margin_ratio,
            previous_mmr=previous.maint_margin_ratio,
            previous_cum=previous.cum,
        )
    for bracket in brackets:
        assert 1 / D(bracket.max_leverage) > bracket.maint_margin_ratio  # initial above maintenance


@pytest.mark.django_db
def test_the_four_perpetuals_and_the_faqs_examples():
    assert list(FuturesSymbol.objects.values_list("symbol", flat=True)) == ["BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT"]
    btc = FuturesSymbol.objects.get(symbol="BTCUSDT")
    assert btc.pair.symbol == "BTCUSDT"
    # "264,000 USDT ... the maintenance margin rate would be 1%"; "500,000 USDT ... 1,300 USDT"
    assert btc.brackets.get(notional_floor__lte=264000, notional_cap__gt=264000).maint_margin_ratio == D("0.01")
    assert btc.brackets.get(notional_floor__lte=500000, notional_cap__gt=500000).cum == D(1300)
    eth = FuturesSymbol.objects.get(symbol="ETHUSDT")
    # The worked example's ETHUSDT tier (4,918,775 USDT): MMR 10 %, cum 135,365.
    tier = eth.brackets.get(notional_floor__lte=D("4918775.081"), notional_cap__gt=D("4918775.081"))
    assert (tier.maint_margin_ratio, tier.cum) == (D("0.10"), D(135365))
