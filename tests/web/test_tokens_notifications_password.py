"""Personal API tokens from the page, the notifications page, password change, the markets page."""

import pytest
from django.urls import reverse

from accounts.models import ApiToken, Notification
from accounts.selectors import token_get_by_key

pytestmark = pytest.mark.django_db


def test_a_token_is_created_shown_once_and_works(alice_client, alice):
    response = alice_client.post(reverse("tokens"), {"name": "my bot"})

    assert response.status_code == 200
    key = response.context["created"]["key"]
    assert key in response.content.decode()
    assert token_get_by_key(key=key).user == alice
    again = alice_client.get(reverse("tokens")).content.decode()
    assert key not in again and "my bot" in again
    api = alice_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {key}")
    assert api.status_code == 200


def test_a_bad_token_name_is_shown_beside_the_field(alice_client, alice):
    response = alice_client.post(reverse("tokens"), {"name": "x" * 65})

    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.filter(user=alice).exists()


def test_a_token_is_revoked_from_the_page(alice_client, alice):
    from accounts.services import token_create

    token, key = token_create(user=alice, name="old")

    response = alice_client.post(reverse("token-revoke", args=[token.pk]))

    assert response.status_code == 302
    assert token_get_by_key(key=key) is None


def test_notifications_page_lists_and_marks_read(alice_client, alice):
    note = Notification.objects.create(user=alice, kind="liquidation", title="Your cross margin account was liquidated")

    page = alice_client.get(reverse("notifications"))
    marked = alice_client.post(reverse("notification-read", args=[note.pk]), {"next": reverse("notifications")})
    evil = alice_client.post(reverse("notifications-read-all"), {"next": "https://evil.example/"})

    assert "Your cross margin account was liquidated" in page.content.decode()
    assert marked.status_code == 302 and marked.url == reverse("notifications")
    assert evil.url == reverse("notifications")  # no open redirect
    note.refresh_from_db()
    assert note.read_at is not None


def test_password_change_keeps_the_session_and_checks_the_old_password(client, platform):
    from trading.services.accounts import user_signup

    user = user_signup(username="dana", password="plum-orbit-lantern-42")
    client.force_login(user)

    wrong = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "quartz-meadow-91", "new_password2": "quartz-meadow-91"},
    )
    right = client.post(
        reverse("password_change"),
        {
            "old_password": "plum-orbit-lantern-42",
            "new_password1": "quartz-meadow-91",
            "new_password2": "quartz-meadow-91",
        },
    )

    assert wrong.status_code == 200
    assert wrong.context["form"].errors["old_password"]
    assert right.status_code == 302
    user.refresh_from_db()
    assert user.check_password("quartz-meadow-91")
    assert client.get(reverse("dashboard")).status_code == 200  # still signed in


def test_markets_page_draws_the_chosen_pair(alice_client, set_prices):
    set_prices(ETHUSDT=3500)

    response = alice_client.get(reverse("markets"), {"symbol": "ethusdt"})
    fallback = alice_client.get(reverse("markets"), {"symbol": "<script>"})

    assert response.context["chart_symbol"] == "ETHUSDT"
    assert 'data-candles-url="/markets/ETHUSDT/candles.json"' in response.content.decode()
    assert fallback.context["chart_symbol"] == "BTCUSDT"
