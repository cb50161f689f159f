"""What every endpoint shares: the one error shape for whatever goes wrong, and never a 500 for input."""

import json

import pytest
from rest_framework.throttling import UserRateThrottle

from core.parsers import MAX_JSON_DEPTH
from tests.api.api_helpers import API, assert_error, ok, query_parameters, schema_operations
from tests.classrooms.helpers import class_joined_by
from tests.helpers import DOOR_NUMBERS, cross, spot
from trading.models import Order, Transfer

# Every operation of the schema, and the ones that take a JSON body or a page size: the bad-input tests
# below run over each, so that an endpoint added to the API joins them.
OPERATIONS = schema_operations()
BODY_OPERATIONS = [(method, path) for method, path, operation in OPERATIONS if "requestBody" in operation]
ANONYMOUS_OPERATIONS = {(method, path) for method, path, operation in OPERATIONS if not operation.get("security")}
LIST_OPERATIONS = [path for method, path, operation in OPERATIONS if "page_size" in query_parameters(operation)]
QUERY_PARAMETERS = [
    (path, name) for method, path, operation in OPERATIONS if method == "GET" for name in query_parameters(operation)
]


def _concrete(path: str, user) -> str:
    """A schema path with the user's own ids in it, so that the request gets past the lookup."""
    if "{classroom_id}" in path:
        path = path.replace("{classroom_id}", str(class_joined_by(user).pk))
    return path.replace("{account_id}", str(cross(user).pk)).replace("{code}", "USDT").replace("{symbol}", "BTCUSDT")


def test_an_oversized_body_is_413(alice_api, alice, settings):
    data = {"from_account": spot(alice).pk, "to_account": cross(alice).pk, "asset": "USDT", "amount": "1"}
    padded = json.dumps(data | {"padding": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})

    response = alice_api.post(f"{API}/transfers", padded, content_type="application/json")

    assert_error(response, 413, "payload_too_large")
    assert not Transfer.objects.exists()


def test_malformed_json_is_400(alice_api):
    assert_error(alice_api.post(f"{API}/transfers", "{nope", content_type="application/json"), 400, "parse_error")


@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS)
def test_json_nested_too_deep_is_400_on_every_json_endpoint(anon, charlie_api, charlie, method, path):
    # Python's json parses nesting by recursion: 1,000 brackets were a RecursionError (a 500), even for
    # sign-up before any login. Staff (charlie) gets past every permission; anonymous operations are
    # called anonymously.
    client = anon if (method, path) in ANONYMOUS_OPERATIONS else charlie_api
    body = "[" * 1000 + "]" * 1000
    response = client.generic(method, _concrete(path, charlie), body, content_type="application/json")
    error = assert_error(response, 400, "parse_error")
    assert f"deeper than {MAX_JSON_DEPTH}" in error["message"]


def test_json_nested_to_the_limit_is_parsed(alice_api):
    body = {"asset": "USDT", "amount": "1", "from_account": 0, "to_account": 0, "x": [[[1]]]}
    nested = json.dumps(body | {"x": json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1))})
    response = alice_api.post(f"{API}/transfers", nested, content_type="application/json")
    assert response.json()["error"]["code"] != "parse_error"


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


@pytest.mark.parametrize(("path", "name"), QUERY_PARAMETERS)
def test_a_nul_character_in_any_query_parameter_is_refused(alice_api, alice, path, name):
    # PostgreSQL refuses a NUL in any text (a DataError, a 500) where SQLite takes it: run with DATABASE_URL.
    response = alice_api.get(f"{_concrete(path, alice)}?{name}=BTC%00USDT")
    if name in ("page", "cursor"):
        assert_error(response, 404, "not_found")  # DRF's "Invalid page." / "Invalid cursor"
    else:
        assert_error(response, 400, "invalid", name)


@pytest.mark.parametrize("value", ["abc", "-1", "null", "201"])
@pytest.mark.parametrize("path", LIST_OPERATIONS)
def test_an_invalid_page_size_is_400_on_every_list(alice_api, alice, path, value):
    response = alice_api.get(_concrete(path, alice), {"page_size": value})
    error = assert_error(response, 400, "invalid", "page_size")
    assert error["fields"]["page_size"] == ["Must be a whole number from 1 to 200."]


@pytest.mark.parametrize("path", LIST_OPERATIONS)
def test_a_valid_page_size_is_used(alice_api, alice, path):
    response = ok(alice_api.get(_concrete(path, alice), {"page_size": "1"}))
    assert len(response["results"]) <= 1


@pytest.mark.parametrize(("name", "text"), DOOR_NUMBERS, ids=[name for name, _ in DOOR_NUMBERS])
@pytest.mark.parametrize(
    ("path", "field", "body"),
    [
        pytest.param("transfers", "amount", {"asset": "USDT"}, id="transfer-amount"),
        pytest.param("loans", "amount", {"asset": "USDT"}, id="loan-amount"),
        pytest.param("orders", "quantity", {"symbol": "ETHUSDT", "side": "BUY"}, id="order-quantity"),
        pytest.param(
            "orders", "price", {"symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "quantity": "1"}, id="order-price"
        ),
    ],
)
def test_a_number_that_is_not_a_plain_decimal_is_400(alice_api, alice, path, field, body, name, text):
    accounts = {"from_account": spot(alice).pk, "to_account": cross(alice).pk, "account": cross(alice).pk}
    response = alice_api.post(f"{API}/{path}", accounts | body | {field: text}, format="json")
    error = assert_error(response, 400, "invalid", field)
    assert error["fields"][field] == [f"{field.capitalize()} must be a decimal number."]
    assert not Transfer.objects.exists() and not Order.objects.exists()


def test_too_many_query_parameters_are_400(alice_api, settings):
    query = "&".join(f"p{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    assert_error(alice_api.get(f"{API}/orders?{query}"), 400)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        pytest.param("tokens", {"name": 0}, "name", id="token-name-number"),
        pytest.param("api-keys", {"label": "bot", "can_trade": 0}, "can_trade", id="api-key-can-trade-number"),
        pytest.param("api-keys", {"label": "bot", "can_trade": "true"}, "can_trade", id="api-key-can-trade-text"),
        pytest.param("api-keys", {"label": 5}, "label", id="api-key-label-number"),
        pytest.param("accounts/isolated", {"symbol": "ETHUSDT", "leverage": "5"}, "leverage", id="leverage-text"),
        pytest.param("accounts/isolated", {"symbol": ["ETHUSDT"]}, "symbol", id="symbol-list"),
        pytest.param("loans", {"account": "1", "asset": "USDT", "amount": "1"}, "account", id="account-id-text"),
        pytest.param("loans", {"account": 1, "asset": 0, "amount": "1"}, "asset", id="asset-number"),
    ],
)
def test_a_json_value_of_another_type_than_the_schema_says_is_400(alice_api, path, body, field):
    # DRF would coerce 0 into "0", "5" into 5 and 0 into False: the schema says string, integer, boolean.
    assert_error(alice_api.post(f"{API}/{path}", body, format="json"), 400, "invalid", field)


def test_patching_an_account_needs_the_leverage_the_schema_requires(alice_api, alice):
    assert_error(alice_api.patch(f"{API}/accounts/{cross(alice).pk}", {}, format="json"), 400, "invalid", "leverage")


@pytest.mark.parametrize(
    ("path", "query", "name"),
    [
        pytest.param("orders", "symbol=", "symbol", id="blank-symbol"),
        pytest.param("loans", "kind=", "kind", id="blank-kind"),
        pytest.param("orders", "status=FILLED&status=NEW", "status", id="status-twice"),
        pytest.param("loans", "account=1&account=2", "account", id="account-twice"),
    ],
)
def test_a_filter_sent_blank_or_twice_is_400(alice_api, path, query, name):
    # django-filter took a blank one as no filter and the last of two: the list a caller got was not the one asked.
    assert_error(alice_api.get(f"{API}/{path}?{query}"), 400, "invalid", name)
