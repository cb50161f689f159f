"""The fixed cast and the platform every test stands on.

alice is the owner, bob another user, charlie staff (healthchecks' alice/bob/charlie). The default
listing, risk profiles and settings come from the migrations; `platform` adds the system accounts and
lending pools.
"""

import os
from decimal import Decimal

import pytest

from core import cache as core_cache
from tests.helpers import PASSWORD, cross, spot
from trading import lookup_cache
from trading.lookup_cache import lookups_forget
from trading.models import Asset, FillModel, InterestRate, PlatformSettings, RiskProfile
from trading.services.accounts import account_leverage_set, isolated_account_open, user_signup
from trading.services.loans import loan_borrow, max_borrowable_get
from trading.services.markets import mark_price_set, platform_bootstrap
from trading.services.orders import order_place
from trading.services.transfers import transfer_create
from trading.templatetags.marginlab import precision_forget


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for attackers, not for the hundreds of sign-ups in the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_precision():
    # The web's amount precision is kept per process for a minute: each test reads its own pairs.
    precision_forget()


XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(autouse=True)
def _fresh_lookups(settings, monkeypatch):
    # Settings, tiers and pairs are kept per process (trading.lookup_cache), with Redis or without (one
    # test process shares its local cache with itself): the same queries everywhere, each test's own rows.
    settings.MARGINLAB_LOOKUP_CACHE = True
    # One generation token per test process: under xdist the processes share Redis, and another
    # process's writes would retire this one's copies in the middle of a pinned query count.
    shared = lookup_cache.GENERATION_KEY
    own = f"{shared}:{XDIST_WORKER}"
    monkeypatch.setattr(lookup_cache, "GENERATION_KEY", own)
    # ... the one every request fetches with its first cache read (core.cache.request_key_add).
    monkeypatch.setattr(
        core_cache, "_REQUEST_KEYS", [own if key == shared else key for key in core_cache._REQUEST_KEYS]
    )
    lookups_forget()


@pytest.fixture
def platform(db):
    """The platform as migrated, but filling with the FIXED model: the suite's expected prices (mark +/- the
    slippage) were written for it. Tests of the order book ask for ``book_fills``."""
    platform_bootstrap()
    PlatformSettings.objects.filter(pk=1).update(fill_model=FillModel.FIXED)
    return PlatformSettings.objects.get(pk=1)


@pytest.fixture
def book_fills(platform):
    """Orders fill against each pair's simulated book (the platform's default fill model)."""
    platform.fill_model = FillModel.BOOK
    platform.save()
    return platform


@pytest.fixture
def zero_costs(platform):
    """Fees, slippage and interest at zero, as the seed example assumes."""
    platform.maker_fee = platform.taker_fee = platform.slippage_bps = Decimal(0)
    platform.save()
    Asset.objects.update(daily_interest_rate=Decimal(0))
    InterestRate.objects.update(daily_rate=Decimal(0))  # the schedule is what each hour is charged at
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


@pytest.fixture
def seed(zero_costs, alice, bob, set_prices):
    """Day N: ETH = BCH = 200; A and B each put 400 USDT to work at 5x."""
    set_prices(ETHUSDT=200, BCHUSDT=200)
    a = cross(alice)
    account_leverage_set(user=alice, account_id=a.pk, leverage=5)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=a.pk, asset="USDT", amount="400")
    assert max_borrowable_get(user=alice, account_id=a.pk, asset="USDT") == Decimal("1600")
    loan_borrow(user=alice, account_id=a.pk, asset="USDT", amount="1600")
    order_place(user=alice, account_id=a.pk, symbol="ETHUSDT", side="BUY", type="MARKET", quantity="5")
    order_place(user=alice, account_id=a.pk, symbol="BCHUSDT", side="BUY", type="MARKET", quantity="5")

    b_eth = isolated_account_open(user=bob, symbol="ETHUSDT", leverage=5)
    b_bch = isolated_account_open(user=bob, symbol="BCHUSDT", leverage=5)
    for account, symbol in ((b_eth, "ETHUSDT"), (b_bch, "BCHUSDT")):
        transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=account.pk, asset="USDT", amount="200")
        order_place(
            user=bob,
            account_id=account.pk,
            symbol=symbol,
            side="BUY",
            type="MARKET",
            quantity="5",
            side_effect="MARGIN_BUY",
        )
    return a, b_eth, b_bch


@pytest.fixture
def eth_long(alice, set_prices):
    """alice: 1000 USDT in cross, an isolated ETHUSDT 5x account given 1000 USDT that bought 1 ETH at 3500
    with MARGIN_BUY (so it owes about 2500 USDT)."""
    set_prices(ETHUSDT=3500, BTCUSDT=95000)
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="1000"
    )
    isolated = isolated_account_open(user=alice, symbol="ETHUSDT", leverage=5)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=isolated.pk, asset="USDT", amount="1000")
    order_place(
        user=alice,
        account_id=isolated.pk,
        symbol="ETHUSDT",
        side="BUY",
        type="MARKET",
        quantity="1",
        side_effect="MARGIN_BUY",
    )
    return isolated
