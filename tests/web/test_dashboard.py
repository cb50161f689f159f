"""The dashboard: the signed-in user's accounts, and nobody else's."""

import pytest
from django.urls import reverse

from trading.models import Account

pytestmark = pytest.mark.django_db


def test_dashboard_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={reverse('dashboard')}"


def test_dashboard_lists_own_accounts_only(client, alice, bob):
    client.force_login(alice)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    html = response.content.decode()
    own = list(Account.objects.filter(user=alice).values_list("pk", flat=True))
    others = list(Account.objects.filter(user=bob).values_list("pk", flat=True))
    assert [s.account.pk for s in response.context["summaries"]] == own
    for pk in own:
        assert f'data-account-id="{pk}"' in html
    for pk in others:
        assert f'data-account-id="{pk}"' not in html


def test_dashboard_shows_kind_leverage_status_margin_level_and_balances(client, alice):
    client.force_login(alice)

    html = client.get(reverse("dashboard")).content.decode()

    assert "Spot wallet" in html
    assert "Cross margin" in html
    assert "3x" in html  # the cross account's default leverage class
    assert "no debt" in html  # the new cross account owes nothing
    assert "NORMAL" in html
    assert "USDT" in html
    assert "10,000.00" in html  # the starting balance in the spot wallet


def test_a_new_users_empty_cross_card_says_the_first_step_and_the_menu_tells_the_two_kinds_of_keys_apart(client, alice):
    client.force_login(alice)
    html = client.get(reverse("dashboard")).content.decode()
    page = client.get(reverse("account", args=[Account.objects.get(user=alice, kind="cross").pk])).content.decode()

    assert html.count('data-first-step="transfer"') == 1  # the cross card; the funded spot wallet needs none
    assert "transfer USDT in from your spot wallet" in html
    assert "First step: move USDT in from your spot wallet" in page and 'href="#transfer"' in page
    assert ">App API tokens</a>" in html and ">Binance API keys</a>" in html
    assert "MarginLab's own REST API (/api/v1)" in html and "ccxt, python-binance" in html
