"""The replay and preview operations are in the OpenAPI schema (so the bad-input, error-shape and schema-fuzz
tests, which run over the schema's operations, include them), and answer junk ids with a 404."""

import pytest

from tests.api.api_helpers import API, assert_error, schema_operations

OPERATIONS = {
    ("GET", "/api/v1/liquidations/{liquidation_id}/replay"),
    ("GET", "/api/v1/margin-calls/{margin_call_id}/replay"),
    ("POST", "/api/v1/orders/preview"),
    ("GET", "/api/v1/futures/liquidations/{liquidation_id}/replay"),
    ("POST", "/api/v1/futures/orders/preview"),
}


def test_the_operations_are_in_the_schema(db):
    assert OPERATIONS <= {(method, path) for method, path, _ in schema_operations()}


@pytest.mark.parametrize("path", ["liquidations", "margin-calls", "futures/liquidations"])
@pytest.mark.parametrize("junk", ["0", "1", "12345678901234567890", "-1", "x"])
def test_a_replay_of_nothing_of_yours_is_404(alice_api, path, junk):
    assert_error(alice_api.get(f"{API}/{path}/{junk}/replay"), 404)


def test_a_replay_needs_a_sign_in(anon, db):
    assert anon.get(f"{API}/liquidations/1/replay").status_code == 401
    assert anon.get(f"{API}/futures/liquidations/1/replay").status_code == 401
    assert anon.post(f"{API}/futures/orders/preview", {}).status_code == 401
