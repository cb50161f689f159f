"""The OpenAPI schema: generated without a warning, valid OpenAPI 3, and honest about errors."""

import pytest
from django.core.management import call_command

from config.schema import ERROR_RESPONSES

API_OPERATIONS = 38


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

    assert len(operations) == API_OPERATIONS
    assert all(path.startswith("/api/v1/") for path, _, _ in operations)
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
