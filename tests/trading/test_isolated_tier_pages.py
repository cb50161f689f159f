"""Where isolated tiered leverage is shown besides Binance's API (tests/binance/test_isolated_margin_tier.py):
the /api/v1 account detail, the account page and the admin. The tiers and their ratios: "Tiered Leverage
Function on Isolated Margin" (https://www.binance.com/en/support/faq/7fbadf3c75914efc90e8b831709b644f).
"""

from decimal import Decimal as D

import pytest

from tests.api.api_helpers import API, ok
from tests.api.conftest import client_for
from tests.helpers import spot
from trading.models import Pair
from trading.services.accounts import isolated_account_open, paper_funds_credit
from trading.services.loans import loan_borrow
from trading.services.transfers import transfer_create


@pytest.fixture
def borrowing(alice, zero_costs, set_prices):
    """alice's isolated ETHUSDT 5x account with 20,000 USDT that borrowed 60,000 USDT: tier 2 of the default
    5x table (50,000 USDT a tier)."""
    set_prices(ETHUSDT=3500)
    account = isolated_account_open(user=alice, symbol="ETHUSDT", leverage=5)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="10000")
    paper_funds_credit(account_id=account.pk, asset="USDT", amount="10000")
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="60000")
    return account


def test_the_api_account_detail_gives_the_tier_in_force_and_the_table(alice, bob, borrowing):
    body = ok(client_for(alice).get(f"{API}/accounts/{borrowing.pk}"))
    assert body["tier"] == 2 and body["rules"] == "classic · Isolated Margin 5x · tier 2"
    assert [t["tier"] for t in body["tiers"]] == [1, 2, 3, 4, 5]
    assert body["tiers"][1] == {
        "tier": 2,
        "effective_multiple": "4.2",
        "initial": "1.3125",
        "margin_call": "1.1",
        "liquidation": "1.05",
        "base_max_borrowable": body["tiers"][1]["base_max_borrowable"],
        "quote_max_borrowable": "100000.00000000",
    }
    assert D(body["tiers"][1]["base_max_borrowable"]) == 2 * D(body["tiers"][0]["base_max_borrowable"])
    listed = ok(client_for(alice).get(f"{API}/accounts"))["results"]
    assert {r["id"]: r["tier"] for r in listed}[borrowing.pk] == 2
    assert ok(client_for(alice).get(f"{API}/accounts/{spot(alice).pk}"))["tiers"] is None
    assert client_for(bob).get(f"{API}/accounts/{borrowing.pk}").status_code == 404


def test_the_account_page_names_the_tier_in_force(client, alice, borrowing):
    client.force_login(alice)
    for url in ("/", f"/accounts/{borrowing.pk}/", f"/accounts/{borrowing.pk}/live"):
        page = client.get(url).content.decode()
        assert 'Rules in force: <b class="risk-rules">classic · Isolated Margin 5x · tier 2</b>' in page, url


def test_staff_edit_the_tiers_on_the_pairs_admin_page(client, charlie):
    charlie.is_superuser = True
    charlie.save(update_fields=["is_superuser"])
    client.force_login(charlie)
    pair = Pair.objects.get(symbol="BCHUSDT")
    page = client.get(f"/admin/trading/pair/{pair.pk}/change/").content.decode()
    assert "isolated tiered leverage" in page.lower() and "1.3125" in page
    assert client.get("/admin/trading/isolatedmargintier/").status_code == 200
