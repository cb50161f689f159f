"""Key pairs for the Binance-compatible API, made and revoked from the web page."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.api_keys import api_key_create, api_key_secret
from accounts.models import ApiKey

pytestmark = pytest.mark.django_db


def test_a_key_pair_is_created_with_its_secret_shown_once(alice_client, alice):
    response = alice_client.post(reverse("api-keys"), {"label": "ccxt bot", "can_trade": "on"})

    assert response.status_code == 200
    key, secret = response.context["created"]["key"], response.context["created"]["secret"]
    page = response.content.decode()
    assert key.api_key in page and secret in page
    assert (key.user, key.label, key.can_trade) == (alice, "ccxt bot", True)
    assert api_key_secret(api_key=key) == secret
    again = alice_client.get(reverse("api-keys")).content.decode()
    assert secret not in again and "ccxt bot" in again and "enabled" in again


def test_a_key_is_read_only_unless_trading_is_ticked(alice_client, alice):
    alice_client.post(reverse("api-keys"), {"label": "watcher"})
    assert ApiKey.objects.get(user=alice).can_trade is False


def test_a_bad_label_is_shown_beside_the_field_and_nothing_is_made(alice_client, alice):
    response = alice_client.post(reverse("api-keys"), {"label": "x" * 65})

    assert response.status_code == 400
    assert response.context["form"].errors["label"]
    assert not ApiKey.objects.exists()


def test_a_key_is_revoked_from_the_page_and_another_users_is_404(alice_client, alice, bob):
    mine, _ = api_key_create(user=alice, label="old")
    theirs, _ = api_key_create(user=bob, label="bob's")

    assert alice_client.post(reverse("api-key-revoke", args=[theirs.pk])).status_code == 404
    assert alice_client.post(reverse("api-key-revoke", args=[mine.pk])).status_code == 302
    assert list(ApiKey.objects.values_list("label", flat=True)) == ["bob's"]


def test_the_form_needs_its_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(reverse("api-keys"), {"label": "x"}).status_code == 403
    assert not ApiKey.objects.exists()
