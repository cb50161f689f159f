"""What every endpoint shares: the one error shape for whatever goes wrong, and never a 500 for input."""

import json

import pytest
from rest_framework.throttling import UserRateThrottle

from tests.api.api_helpers import API, assert_error, ok
from tests.helpers import cross, spot
from trading.models import Transfer


def test_an_oversized_body_is_413(alice_api, alice, settings):
    data = {"from_account": spot(alice).pk, "to_account": cross(alice).pk, "asset": "USDT", "amount": "1"}
    padded = json.dumps(data | {"padding": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})

    response = alice_api.post(f"{API}/transfers", padded, content_type="application/json")

    assert_error(response, 413, "payload_too_large")
    assert not Transfer.objects.exists()


def test_malformed_json_is_400(alice_api):
    assert_error(alice_api.post(f"{API}/transfers", "{nope", content_type="application/json"), 400, "parse_error")


@pytest.mark.parametrize("body", [[], "a string", 5, None])
def test_a_body_that_is_not_an_object_is_400(alice_api, body):
    response = alice_api.post(f"{API}/transfers", json.dumps(body), content_type="application/json")
    assert_error(response, 400, "invalid")


def test_a_form_post_is_415(alice_api):
    response = alice_api.post(f"{API}/transfers", "asset=USDT", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")


def test_asking_for_html_is_406(alice_api):
    assert_error(alice_api.get(f"{API}/accounts", HTTP_ACCEPT="text/html"), 406, "not_acceptable")


def test_a_method_the_endpoint_lacks_is_405(alice_api):
    assert_error(alice_api.put(f"{API}/orders", {}), 405, "method_not_allowed")


@pytest.mark.parametrize("path", ["nothing", "orders/abc", "orders/1/2", "accounts/123456789012345678901234567890"])
def test_an_unknown_api_path_is_404_in_the_error_shape(alice_api, path):
    assert_error(alice_api.get(f"{API}/{path}"), 404, "not_found")


def test_an_unknown_page_outside_the_api_stays_html(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_throttled_is_429_with_retry_after(alice_api, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "3/minute"})

    for _ in range(3):
        ok(alice_api.get(f"{API}/me"))
    response = alice_api.get(f"{API}/me")

    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_sign_up_and_token_requests_share_a_tighter_throttle(platform, anon):
    for _ in range(20):
        assert_error(anon.post(f"{API}/auth/register", {"username": "x"}), 400)

    assert_error(anon.post(f"{API}/auth/token", {"username": "x", "password": "y"}), 429, "throttled")


def test_a_nul_character_in_a_filter_is_400(alice_api):
    assert_error(alice_api.get(f"{API}/orders?symbol=BTC%00USDT"), 400, "invalid", "symbol")


def test_too_many_query_parameters_are_400(alice_api, settings):
    query = "&".join(f"p{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    assert_error(alice_api.get(f"{API}/orders?{query}"), 400)
