"""The futures floor's cast: alice and bob (from the root conftest), prices, and no basis, fees or slippage
unless a test asks for them, so every expectation is exact."""

from decimal import Decimal

import pytest

from futures.models import FuturesSymbol


@pytest.fixture(autouse=True)
def bands_at_once(settings):
    """The sweep's bands are written even for wallets written a moment ago (no grace for transactions in
    flight: the tests run one at a time), so that every sweep here goes through the band logic."""
    settings.MARGINLAB_LEDGER_GRACE_SECONDS = 0


@pytest.fixture
def fx(zero_costs, set_prices):
    """BTC at 100,000, ETH at 2,500, BNB at 600, SOL at 150; the perpetuals' mark equals the index."""
    FuturesSymbol.objects.update(basis_rate=Decimal(0))
    set_prices(BTCUSDT=100000, ETHUSDT=2500, BNBUSDT=600, SOLUSDT=150)
    return zero_costs


@pytest.fixture
def thousand(fx):
    """A user whose spot wallet starts with exactly 1,000 USDT (the seed's account)."""
    from tests.helpers import PASSWORD
    from trading.services.accounts import user_signup

    fx.starting_balance = Decimal(1000)
    fx.save()
    return user_signup(username="dana", password=PASSWORD)
