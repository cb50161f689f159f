"""Staff oversee every trading model in the admin; nobody else gets in."""

import pytest
from django.urls import reverse

from tests.helpers import cross, spot
from trading.services.orders import order_place
from trading.services.transfers import transfer_create

MODELS = [
    "asset",
    "pair",
    "riskprofile",
    "platformsettings",
    "account",
    "balance",
    "journalentry",
    "order",
    "trade",
    "transfer",
    "loanevent",
]


@pytest.fixture
def busy(alice, set_prices):
    set_prices(ETHUSDT=200)
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="500"
    )
    order_place(
        user=alice, account_id=cross(alice).pk, symbol="ETHUSDT", side="BUY", quantity="3", side_effect="MARGIN_BUY"
    )


@pytest.mark.parametrize("model", MODELS)
def test_staff_see_every_changelist(client, charlie, busy, model):
    charlie.is_superuser = True
    charlie.save()
    client.force_login(charlie)
    response = client.get(reverse(f"admin:trading_{model}_changelist"))
    assert response.status_code == 200


def test_the_ledger_is_read_only_in_the_admin(client, charlie, busy):
    charlie.is_superuser = True
    charlie.save()
    client.force_login(charlie)
    assert client.get(reverse("admin:trading_balance_add")).status_code == 403
    assert client.get(reverse("admin:trading_journalentry_add")).status_code == 403


def test_users_are_kept_out_of_the_admin(client, alice):
    client.force_login(alice)
    response = client.get(reverse("admin:trading_balance_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
