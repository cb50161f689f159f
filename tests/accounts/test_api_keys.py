"""Binance-style API keys through /api/v1/api-keys: the secret is shown once, other users see 404."""

import pytest
from rest_framework.test import APIClient

from accounts.api_keys import MAX_KEYS_PER_USER, api_key_create, api_key_secret
from accounts.models import ApiKey
from accounts.services import token_create


def client_for(user) -> APIClient:
    _, key = token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_key_pair_is_made_with_its_secret_shown_once(alice):
    api = client_for(alice)

    made = api.post("/api/v1/api-keys", {"label": "grid bot", "can_trade": True}, format="json")
    listed = api.get("/api/v1/api-keys")

    assert made.status_code == 201
    body = made.json()
    assert body["label"] == "grid bot" and body["can_trade"] is True
    assert len(body["api_key"]) == 64 and len(body["secret"]) == 64 and body["api_key"].isalnum()
    assert listed.status_code == 200
    assert listed.json()["results"] == [{k: v for k, v in body.items() if k != "secret"}]
    stored = ApiKey.objects.get(pk=body["id"])
    assert body["secret"] not in stored.secret_encrypted and api_key_secret(api_key=stored) == body["secret"]


def test_keys_are_read_only_unless_asked(alice):
    made = client_for(alice).post("/api/v1/api-keys", {}, format="json")

    assert made.status_code == 201 and made.json()["can_trade"] is False and made.json()["label"] == "API key"


def test_another_user_neither_sees_nor_revokes_a_key(alice, bob):
    key, _ = api_key_create(user=alice, label="mine")
    bob_api = client_for(bob)

    assert bob_api.get("/api/v1/api-keys").json()["results"] == []
    assert bob_api.delete(f"/api/v1/api-keys/{key.pk}").status_code == 404
    assert ApiKey.objects.filter(pk=key.pk).exists()
    assert client_for(alice).delete(f"/api/v1/api-keys/{key.pk}").status_code == 204
    assert not ApiKey.objects.filter(pk=key.pk).exists()


def test_signing_in_is_required(client, platform):
    assert client.get("/api/v1/api-keys").status_code == 401
    assert client.post("/api/v1/api-keys", {}, content_type="application/json").status_code == 401


def test_labels_and_the_number_of_keys_are_bounded(alice):
    api = client_for(alice)
    assert api.post("/api/v1/api-keys", {"label": "x" * 65}, format="json").status_code == 400
    assert api.post("/api/v1/api-keys", {"can_trade": "maybe"}, format="json").status_code == 400
    for _ in range(MAX_KEYS_PER_USER):
        api_key_create(user=alice)

    refused = api.post("/api/v1/api-keys", {}, format="json")

    assert refused.status_code == 400 and refused.json()["error"]["code"] == "api_key_limit"


@pytest.mark.django_db
def test_a_secret_survives_a_secret_key_rotation_with_a_fallback(settings, alice):
    key, secret = api_key_create(user=alice)
    old = settings.SECRET_KEY

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-" + "x" * 40, [old]
    assert api_key_secret(api_key=key) == secret
    settings.SECRET_KEY_FALLBACKS = []
    assert api_key_secret(api_key=key) is None
