"""Small helpers for the API tests."""

API = "/api/v1"


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response.json() if response.content else {}


def assert_error(response, status: int, code: str | None = None, field: str | None = None) -> dict:
    """The one error shape, with the expected status (and code, and a problem named for ``field``)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code, error
    if field is not None:
        assert field in error["fields"], error
    return error


def results(response) -> list:
    return ok(response)["results"]


def schema_operations() -> list[tuple[str, str, dict]]:
    """(METHOD, path, operation) of every operation in the OpenAPI schema: the lists of operations that the
    bad-input tests run over, so that an endpoint added later joins them by being in the schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method.upper(), path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    )


def query_parameters(operation: dict) -> list[str]:
    return [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
