"""The OpenAPI schema: generated without a warning, valid OpenAPI 3, and honest about errors."""

import pytest
from django.core.management import call_command

from config.schema import ERROR_RESPONSES

# The operations of accounts/, trading/ and risk/apis.py (others may add more beside them).
API_OPERATIONS = {
    ("post", "/api/v1/auth/register"), ("post", "/api/v1/auth/token"), ("get", "/api/v1/me"),
    ("get", "/api/v1/tokens"), ("post", "/api/v1/tokens"), ("delete", "/api/v1/tokens/{token_id}"),
    ("get", "/api/v1/markets"), ("get", "/api/v1/assets"), ("get", "/api/v1/prices"),
    ("get", "/api/v1/prices/{symbol}/history"), ("get", "/api/v1/markets/{symbol}/depth"),
    ("get", "/api/v1/accounts"), ("get", "/api/v1/accounts/{account_id}"), ("patch", "/api/v1/accounts/{account_id}"),
    ("post", "/api/v1/accounts/isolated"), ("post", "/api/v1/accounts/{account_id}/reset"),
    ("get", "/api/v1/accounts/{account_id}/positions"), ("get", "/api/v1/positions"),
    ("get", "/api/v1/accounts/{account_id}/max-borrowable"),
    ("get", "/api/v1/accounts/{account_id}/max-transferable"), ("get", "/api/v1/accounts/{account_id}/max-repayable"),
    ("get", "/api/v1/transfers"), ("post", "/api/v1/transfers"), ("get", "/api/v1/loans"), ("post", "/api/v1/loans"),
    ("post", "/api/v1/repayments"), ("get", "/api/v1/ledger"),
    ("get", "/api/v1/orders"), ("post", "/api/v1/orders"), ("get", "/api/v1/orders/{order_id}"),
    ("delete", "/api/v1/orders/{order_id}"), ("get", "/api/v1/trades"),
    ("get", "/api/v1/margin-calls"), ("get", "/api/v1/liquidations"), ("get", "/api/v1/snapshots"),
    ("get", "/api/v1/notifications"),
    ("get", "/api/v1/admin/settings"), ("patch", "/api/v1/admin/settings"), ("patch", "/api/v1/admin/assets/{code}"),
    ("post", "/api/v1/admin/prices"), ("post", "/api/v1/admin/sweeps"),
}  # fmt: skip


@pytest.fixture
def schema(client, db) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_generates_without_warnings_and_validates(tmp_path, db):
    # --fail-on-warn: an APIView drf-spectacular cannot describe (or two components with one name) fails here.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_every_operation_documents_the_error_shape(schema):
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]

    assert API_OPERATIONS <= {(method, path) for path, method, _ in operations}
    for path, method, operation in operations:
        for code in ERROR_RESPONSES:
            content = operation["responses"][code]["content"]["application/json"]["schema"]
            assert content == {"$ref": "#/components/schemas/Error"}, (method, path, code)


def test_amounts_are_decimal_strings_and_tokens_are_described(schema):
    balance = schema["components"]["schemas"]["BalanceOutput"]["properties"]
    assert balance["free"]["type"] == "string" and balance["free"]["format"] == "decimal"
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["in"] == "header" and schemes["tokenAuth"]["name"] == "Authorization"
    assert "cookieAuth" in schemes


def test_swagger_ui_is_served(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
