"""The web UI's cast: alice with an isolated ETHUSDT account holding a MARGIN_BUY long, and clients."""

from decimal import Decimal

import pytest
from django.test import Client

from tests.helpers import cross, spot
from trading.services.accounts import isolated_account_open
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def csrf_client() -> Client:
    """A browser-like client: unlike the default test client, it enforces CSRF tokens."""
    return Client(enforce_csrf_checks=True)


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


def margin_call_price(account) -> Decimal:
    """An ETH price that puts the isolated account just under its margin-call line (classic: 1.1)."""
    from trading.selectors import account_summary_get

    summary = account_summary_get(account=account)
    eth = next(b for b in summary.balances if b.asset.code == "ETH")
    usdt = next(b for b in summary.balances if b.asset.code == "USDT")
    price = (Decimal("1.08") * (usdt.borrowed + usdt.interest) - usdt.free) / (eth.free + eth.locked)
    return price.quantize(Decimal("0.01"))
