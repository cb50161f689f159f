"""GET /sapi/v1/margin/interestRateHistory: the rate schedule in Binance's shape
(https://developers.binance.com/docs/margin_trading/borrow-and-repay/Query-Margin-Interest-Rate-History)."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from tests.binance.conftest import signed
from trading.models import Asset, InterestRate
from trading.services.interest_rates import clock_hour


def usdt() -> Asset:
    return Asset.objects.get(code="USDT")


def test_binance_interest_rate_history_has_binances_shape(client, alice_keys, platform):
    now = timezone.now()
    InterestRate.objects.create(
        asset=usdt(), effective_from=clock_hour(now) - timedelta(hours=5), daily_rate=D("0.00025")
    )
    response = signed(client, "get", "/sapi/v1/margin/interestRateHistory", alice_keys, {"asset": "USDT"})
    assert response.status_code == 200, response.content
    rows = response.json()
    assert rows[0] == {
        "asset": "USDT",
        "dailyInterestRate": "0.00025000",
        "timestamp": int((clock_hour(now) - timedelta(hours=5)).timestamp() * 1000),
        "vipLevel": 0,
    }
    assert rows[1]["dailyInterestRate"] == "0.00020000"  # the rate in force when the 7-day window began


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, -1102),
        ({"asset": "USDT", "startTime": "2000", "endTime": "1000"}, -1130),
        ({"asset": "USDT", "startTime": "0", "endTime": str(40 * 86400 * 1000)}, -1127),
        ({"asset": "USDT", "vipLevel": "x"}, -1100),
    ],
)
def test_binance_interest_rate_history_refuses_bad_parameters(client, alice_keys, platform, params, code):
    response = signed(client, "get", "/sapi/v1/margin/interestRateHistory", alice_keys, params)
    assert response.status_code == 400 and response.json()["code"] == code, response.content
