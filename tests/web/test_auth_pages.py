"""Sign-in, sign-out and sign-up pages."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from trading.models import Account, AccountKind
from trading.services.accounts import user_signup

pytestmark = pytest.mark.django_db

TRADER_PASSWORD = "plum-orbit-lantern-42"


@pytest.fixture
def trader(platform):
    """A user whose password the test knows, for the tests that sign in through the login form."""
    return user_signup(username="dana", password=TRADER_PASSWORD)


@pytest.fixture
def csrf_client() -> Client:
    """A browser-like client: unlike the default test client, it enforces CSRF tokens."""
    return Client(enforce_csrf_checks=True)


def test_login_page_renders_a_form_with_a_csrf_token(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "/static/marginlab/app.css" in html


def test_login_with_the_right_password_signs_in_and_lands_on_the_dashboard(client, trader):
    response = client.post(reverse("login"), {"username": "dana", "password": TRADER_PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_login_with_a_wrong_password_shows_an_error_and_signs_nobody_in(client, trader):
    response = client.post(reverse("login"), {"username": "dana", "password": "not-it"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_form_rejects_a_post_without_csrf_token(csrf_client, trader):
    response = csrf_client.post(reverse("login"), {"username": "dana", "password": TRADER_PASSWORD})

    assert response.status_code == 403
    assert "_auth_user_id" not in csrf_client.session


def test_login_form_accepts_the_csrf_token_it_handed_out(csrf_client, trader):
    csrf_client.get(reverse("login"))
    token = csrf_client.cookies["csrftoken"].value

    response = csrf_client.post(
        reverse("login"), {"username": "dana", "password": TRADER_PASSWORD, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert csrf_client.session["_auth_user_id"] == str(trader.pk)


def test_repeated_failed_logins_are_throttled_even_with_the_right_password(client, trader, settings):
    # Through the login form: the test client's login() passes no request, which axes needs.
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("login"), {"username": "dana", "password": "guess"}).status_code == 200
    client.post(reverse("login"), {"username": "dana", "password": "guess"})

    response = client.post(reverse("login"), {"username": "dana", "password": TRADER_PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_logout_refuses_get(client, trader):
    client.force_login(trader)

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(trader.pk)


def test_logout_by_post_signs_out(client, trader):
    client.force_login(trader)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("dashboard")).status_code == 302


def test_signup_creates_the_user_with_spot_wallet_and_cross_account_and_signs_in(client, platform):
    response = client.post(reverse("signup"), {"username": "erin", "password": "violet-harbor-engine-7"})

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    user = get_user_model().objects.get(username="erin")
    assert user.check_password("violet-harbor-engine-7")
    kinds = sorted(Account.objects.filter(user=user).values_list("kind", flat=True))
    assert kinds == sorted([AccountKind.SPOT, AccountKind.CROSS])
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password", "This password is too common."),
        ("84721", "This password is too short."),
        (" " * 12, "The password cannot be only spaces."),
        ("x" * 4097, "at most 4096 characters"),
    ],
)
def test_signup_rejects_a_weak_password_and_creates_nothing(client, platform, password, message):
    users, accounts = get_user_model().objects.count(), Account.objects.count()

    response = client.post(reverse("signup"), {"username": "erin", "password": password})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert get_user_model().objects.count() == users
    assert Account.objects.count() == accounts
    assert "_auth_user_id" not in client.session


def test_signup_with_a_taken_username_says_so(client, alice):
    response = client.post(reverse("signup"), {"username": "alice", "password": "violet-harbor-engine-7"})

    assert response.status_code == 200
    assert "That username is taken." in response.content.decode()
    assert get_user_model().objects.filter(username="alice").count() == 1


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("ALICE", "That username is taken."),
        ("\uff41lice", "That username is taken."),  # a full-width a: NFKC makes it alice
        ("alic\u0435", "ASCII letters, digits and @ . + - _ only"),  # a Cyrillic е
    ],
)
def test_signup_refuses_a_username_differing_only_by_case_width_or_script(client, alice, username, message):
    response = client.post(reverse("signup"), {"username": username, "password": "violet-harbor-engine-7"})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert get_user_model().objects.count() == 1


def test_login_ignores_the_case_of_the_username(client, trader):
    response = client.post(reverse("login"), {"username": "DANA", "password": TRADER_PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(trader.pk)


def test_signup_is_throttled_per_address_with_the_api_auth_rate(client, platform, settings):
    # DEFAULT_THROTTLE_RATES["auth"] (20/minute): the 21st sign-up of a minute from one address is refused.
    for n in range(20):
        response = client.post(reverse("signup"), {"username": f"erin{n}", "password": "violet-harbor-engine-7"})
        assert response.status_code == 302
        client.logout()

    response = client.post(reverse("signup"), {"username": "erin20", "password": "violet-harbor-engine-7"})

    assert response.status_code == 429
    assert "Too many sign-ups from your address: try again in" in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 60
    assert not get_user_model().objects.filter(username="erin20").exists()
    # Another address still may; the same address through the API may not (one budget for both doors).
    assert (
        Client(REMOTE_ADDR="192.0.2.9")
        .post(reverse("signup"), {"username": "finn", "password": "violet-harbor-engine-7"})
        .status_code
        == 302
    )
    api = Client().post(
        "/api/v1/auth/register",
        {"username": "gus", "password": "violet-harbor-engine-7"},
        content_type="application/json",
    )
    assert api.status_code == 429
