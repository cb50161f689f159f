"""The classes API is in the OpenAPI schema (and so in the bad-input and schema-fuzz tables of tests/api,
which run over every operation of it)."""

from tests.api.api_helpers import schema_operations

CLASS_OPERATIONS = {
    ("GET", "/api/v1/classes"), ("POST", "/api/v1/classes"), ("POST", "/api/v1/classes/join"),
    ("GET", "/api/v1/classes/scenarios"), ("GET", "/api/v1/classes/{classroom_id}"),
    ("GET", "/api/v1/classes/{classroom_id}/board"), ("GET", "/api/v1/classes/{classroom_id}/scenario"),
    ("POST", "/api/v1/classes/{classroom_id}/scenario/start"), ("POST", "/api/v1/classes/{classroom_id}/scenario/pause"),
    ("POST", "/api/v1/classes/{classroom_id}/scenario/resume"), ("POST", "/api/v1/classes/{classroom_id}/scenario/stop"),
    ("POST", "/api/v1/classes/{classroom_id}/prices"), ("GET", "/api/v1/classes/{classroom_id}/accounts"),
    ("POST", "/api/v1/classes/{classroom_id}/accounts/isolated"), ("POST", "/api/v1/classes/{classroom_id}/orders"),
    ("DELETE", "/api/v1/classes/{classroom_id}/orders/{order_id}"),
    ("POST", "/api/v1/classes/{classroom_id}/transfers"), ("POST", "/api/v1/classes/{classroom_id}/loans"),
    ("POST", "/api/v1/classes/{classroom_id}/repayments"),
    ("GET", "/api/v1/classes/{classroom_id}/api-keys"), ("POST", "/api/v1/classes/{classroom_id}/api-keys"),
    ("DELETE", "/api/v1/classes/{classroom_id}/api-keys/{api_key_id}"),
}  # fmt: skip


def test_every_class_operation_is_in_the_schema(db):
    operations = {(method.upper(), path) for method, path, _ in schema_operations()}
    assert CLASS_OPERATIONS <= operations
    assert {op for op in operations if "/classes" in op[1]} == CLASS_OPERATIONS
