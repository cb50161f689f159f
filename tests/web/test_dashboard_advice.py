"""The dashboard's figures and the seed's advice: an isolated account over 20 % of the user's funds, a cross
account under 30 % idle. Exact thresholds: 20 % held and 30 % idle are fine, a hair beyond is a warning."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.helpers import cross, spot
from trading.advice import AccountFigures, advice_for, cross_idle, isolated_share
from trading.services.accounts import isolated_account_open
from trading.services.loans import loan_borrow
from trading.services.transfers import transfer_create


def isolated(equity: str, account_id: int = 2) -> AccountFigures:
    return AccountFigures(account_id, "isolated", "isolated X", Decimal(equity), Decimal(0), Decimal("1.25"))


def spot_figures(equity: str) -> AccountFigures:
    return AccountFigures(1, "spot", "spot wallet", Decimal(equity), Decimal(0), None)


def cross_figures(assets: str, debt: str, initial: str = "1.5") -> AccountFigures:
    return AccountFigures(3, "cross", "cross margin account", Decimal(assets), Decimal(debt), Decimal(initial))


@pytest.mark.parametrize(("held", "warned"), [("2000", False), ("1999.99", False), ("2000.01", True), ("5000", True)])
def test_isolated_share_warns_strictly_above_20_percent(held, warned):
    rest = Decimal(10000) - Decimal(held)

    found = advice_for([spot_figures(str(rest)), isolated(held)])

    assert [a.kind for a in found] == (["isolated_share"] if warned else [])


def test_isolated_share_is_of_all_funds_net_of_debt():
    # 1000 in, 4000 borrowed: its equity is 1000 of 10000, 10 %, though it holds 5000 of assets.
    levered = AccountFigures(2, "isolated", "isolated X", Decimal(5000), Decimal(4000), Decimal("1.25"))

    assert isolated_share(equity=levered.equity, total_equity=Decimal(10000)) == Decimal("0.1")
    assert advice_for([spot_figures("9000"), levered]) == []


@pytest.mark.parametrize(
    ("assets", "debt", "idle", "warned"),
    [
        # idle = (assets - 1.5 * debt) / (assets - debt)
        ("1000", "0", Decimal(1), False),
        ("2400", "1400", Decimal("0.3"), False),  # exactly 30 % idle
        ("2400.01", "1400.01", None, True),  # a hair under 30 %
        ("3000", "2000", Decimal(0), True),  # nothing more could be borrowed
    ],
)
def test_cross_idle_warns_strictly_under_30_percent(assets, debt, idle, warned):
    computed = cross_idle(assets=Decimal(assets), debt=Decimal(debt), initial=Decimal("1.5"))

    found = advice_for([spot_figures("5000"), cross_figures(assets, debt)])

    if idle is not None:
        assert computed == idle
    else:
        assert computed < Decimal("0.3")
    assert [a.kind for a in found] == (["cross_idle"] if warned else [])


def test_an_empty_cross_account_needs_no_advice():
    assert cross_idle(assets=Decimal(0), debt=Decimal(0), initial=Decimal("1.5")) is None
    assert advice_for([spot_figures("10000"), cross_figures("0", "0")]) == []


@pytest.mark.django_db
def test_dashboard_shows_total_equity_and_both_warnings(client, alice, set_prices):
    set_prices(ETHUSDT=3500)
    account = isolated_account_open(user=alice, symbol="ETHUSDT", leverage=5)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="2500")
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="1000"
    )
    loan_borrow(user=alice, account_id=cross(alice).pk, asset="USDT", amount="1900")  # 5 % idle at 3x
    client.force_login(alice)

    response = client.get(reverse("dashboard"))

    html = response.content.decode()
    # 10000 less the first hour of interest on 1900 USDT at 0.02 %/day (0.01583333).
    assert response.context["total_equity"] == Decimal("9999.98416667")
    assert f'data-advice="isolated_share" data-account-id="{account.pk}"' in html
    assert f'data-advice="cross_idle" data-account-id="{cross(alice).pk}"' in html
    assert "holds 25.0% of your funds" in html


@pytest.mark.django_db
def test_dashboard_without_risky_accounts_gives_no_advice(client, alice, set_prices):
    set_prices(ETHUSDT=3500)
    account = isolated_account_open(user=alice, symbol="ETHUSDT", leverage=5)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="2000")
    client.force_login(alice)

    html = client.get(reverse("dashboard")).content.decode()

    assert "data-advice=" not in html
    assert f'data-account-id="{account.pk}"' in html
    assert "10,000.00" in html  # total equity: nothing borrowed, nothing lost
