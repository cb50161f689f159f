"""accounts/apis.py: API tokens (obtain, list, create, revoke), `me`, and the two ways to authenticate."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.selectors import token_hash
from accounts.services import MAX_TOKENS_PER_USER, token_create
from tests.api.api_helpers import API, assert_error, ok, results
from tests.helpers import PASSWORD


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- POST auth/token -----------------------------------------------------------------------------------


def test_token_for_good_credentials_works_and_only_its_hash_is_kept(alice, anon):
    body = ok(anon.post(f"{API}/auth/token", {"username": "alice", "password": PASSWORD, "name": "bot"}), 201)

    key = body["token"]
    stored = ApiToken.objects.get(pk=body["id"])
    assert (stored.user, stored.name, stored.prefix, body["prefix"]) == (alice, "bot", key[:8], key[:8])
    assert stored.key_hash == token_hash(key) != key
    assert ok(with_token(key).get(f"{API}/me"))["username"] == "alice"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "alice"}, "password"),
        ({"password": PASSWORD}, "username"),
        ({"username": ["alice"], "password": PASSWORD}, "username"),
        ({"username": "alice", "password": {"p": 1}}, "password"),
        ({"username": "alice", "password": PASSWORD, "name": "x" * 65}, "name"),
    ],
)
def test_token_bad_input_is_400(alice, anon, data, field):
    assert_error(anon.post(f"{API}/auth/token", data), 400, "invalid", field)


def test_token_for_wrong_credentials_is_401(alice, anon):
    assert_error(
        anon.post(f"{API}/auth/token", {"username": "alice", "password": "wrong"}), 401, "authentication_failed"
    )
    assert_error(anon.post(f"{API}/auth/token", {"username": "nobody", "password": "x"}), 401, "authentication_failed")
    assert not ApiToken.objects.exists()


def test_token_for_an_inactive_user_is_401(alice, anon):
    alice.is_active = False
    alice.save()

    assert_error(anon.post(f"{API}/auth/token", {"username": "alice", "password": PASSWORD}), 401)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_out_even_the_right_password_with_429_in_the_error_shape(alice, anon):
    for _ in range(2):
        assert_error(anon.post(f"{API}/auth/token", {"username": "alice", "password": "wrong"}), 401)
    # The failure that reaches the limit is already answered as a lockout (django-axes).
    assert_error(anon.post(f"{API}/auth/token", {"username": "alice", "password": "wrong"}), 429, "locked_out")

    response = anon.post(f"{API}/auth/token", {"username": "alice", "password": PASSWORD})

    assert_error(response, 429, "locked_out")
    assert not ApiToken.objects.exists()


# --- GET me and authentication -------------------------------------------------------------------------


def test_me_shows_the_caller(alice_api, charlie_api):
    assert ok(alice_api.get(f"{API}/me"))["is_staff"] is False
    me = ok(charlie_api.get(f"{API}/me"))
    assert (me["username"], me["is_staff"]) == ("charlie", True)


@pytest.mark.parametrize(
    "header",
    [None, "Token", "Token not-a-key", "Token a b", "Bearer x", "Token " + "k" * 5000],
)
def test_no_or_bad_credentials_are_401(alice, header):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(f"{API}/me")

    if header and header.startswith("Bearer"):
        # Not our scheme: as good as no credentials.
        assert_error(response, 401, "not_authenticated")
    else:
        assert_error(response, 401)
    assert response["WWW-Authenticate"] == "Token"


def test_a_deactivated_users_token_stops_working(alice_api, alice):
    alice.is_active = False
    alice.save()

    assert_error(alice_api.get(f"{API}/me"), 401, "authentication_failed")


def test_the_session_works_for_the_web_page_and_needs_csrf_to_write(alice):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)

    assert ok(client.get(f"{API}/me"))["username"] == "alice"
    assert_error(client.post(f"{API}/tokens", {"name": "x"}), 403, "permission_denied")


def test_using_a_token_records_when(alice_api, alice):
    token = ApiToken.objects.get(user=alice)
    assert token.last_used_at is None

    ok(alice_api.get(f"{API}/me"))

    token.refresh_from_db()
    assert token.last_used_at is not None


# --- tokens --------------------------------------------------------------------------------------------


def test_tokens_are_listed_by_prefix_never_by_key(alice_api, alice, bob):
    _, key = token_create(user=alice, name="second")
    token_create(user=bob, name="bob's")

    rows = results(alice_api.get(f"{API}/tokens"))

    assert [row["name"] for row in rows] == ["second", "tests"]
    assert rows[0]["prefix"] == key[:8]
    assert all("token" not in row and key not in str(row) for row in rows)


def test_token_create_shows_the_key_once(alice_api):
    body = ok(alice_api.post(f"{API}/tokens", {"name": "ci"}), 201)

    assert ok(with_token(body["token"]).get(f"{API}/me"))["username"] == "alice"
    assert all("token" not in row for row in results(alice_api.get(f"{API}/tokens")))


@pytest.mark.parametrize("data", [{"name": "n" * 65}, {"name": ["x"]}, ["name"]])
def test_token_create_bad_input_is_400(alice_api, data):
    assert_error(alice_api.post(f"{API}/tokens", data, format="json"), 400, "invalid")


def test_token_create_has_a_limit(alice_api, alice):
    for _ in range(MAX_TOKENS_PER_USER - 1):
        token_create(user=alice, name="many")

    assert_error(alice_api.post(f"{API}/tokens", {"name": "one too many"}), 400, "token_limit")


def test_revoking_a_token_stops_it(alice_api, alice):
    token, key = token_create(user=alice, name="old")
    client = with_token(key)
    ok(client.get(f"{API}/me"))

    assert alice_api.delete(f"{API}/tokens/{token.pk}").status_code == 204

    assert_error(client.get(f"{API}/me"), 401, "authentication_failed")
    assert_error(alice_api.delete(f"{API}/tokens/{token.pk}"), 404)


def test_another_users_token_is_404_and_keeps_working(alice_api, bob):
    token, key = token_create(user=bob, name="bob's")

    assert_error(alice_api.delete(f"{API}/tokens/{token.pk}"), 404, "not_found")
    assert ok(with_token(key).get(f"{API}/me"))["username"] == "bob"


def test_revoking_an_unknown_token_is_404(alice_api):
    assert_error(alice_api.delete(f"{API}/tokens/999999"), 404)
    assert_error(alice_api.delete(f"{API}/tokens/1234567890123456789012"), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "me"), ("get", "tokens"), ("post", "tokens"), ("delete", "tokens/1")],
)
def test_unauthenticated_is_401(alice, anon, method, path):
    assert_error(getattr(anon, method)(f"{API}/{path}"), 401, "not_authenticated")
