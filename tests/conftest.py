"""The fixed cast and the platform every test stands on.

alice is the owner, bob another user, charlie staff (healthchecks' alice/bob/charlie). The default
listing, risk profiles and settings come from the migrations; `platform` adds the system accounts and
lending pools.
"""

from decimal import Decimal

import pytest

from tests.helpers import PASSWORD
from trading.models import Asset, PlatformSettings, RiskProfile
from trading.services.accounts import user_signup
from trading.services.markets import mark_price_set, platform_bootstrap


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for attackers, not for the hundreds of sign-ups in the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def platform(db):
    platform_bootstrap()
    return PlatformSettings.objects.get(pk=1)


@pytest.fixture
def zero_costs(platform):
    """Fees, slippage and interest at zero, as the seed example assumes."""
    platform.maker_fee = platform.taker_fee = platform.slippage_bps = Decimal(0)
    platform.save()
    Asset.objects.update(daily_interest_rate=Decimal(0))
    return platform


@pytest.fixture
def binance_profile(platform):
    platform.risk_profile = RiskProfile.objects.get(name="binance-2025")
    platform.save()
    return platform


@pytest.fixture
def alice(platform):
    return user_signup(username="alice", password=PASSWORD)


@pytest.fixture
def bob(platform):
    return user_signup(username="bob", password=PASSWORD)


@pytest.fixture
def charlie(platform):
    user = user_signup(username="charlie", password=PASSWORD)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def set_prices(platform):
    def _set(**prices):
        for symbol, price in prices.items():
            mark_price_set(symbol=symbol, price=Decimal(str(price)))

    return _set
