"""/api/v1/futures/...: the wallet, settings, orders, positions, margin and history through the API, the
bad inputs of the issue as a clear 4xx that changes nothing, another user's order as 404, the schema."""

from decimal import Decimal as D

import pytest

from futures.models import FuturesOrder, FuturesPosition, FuturesSymbol, Income
from tests.api.api_helpers import API, assert_error, ok, results
from tests.helpers import assert_ledger_clean
from trading.models import LedgerLine

F = f"{API}/futures"

FUTURES_OPERATIONS = {
    ("get", "/api/v1/futures/wallet"), ("post", "/api/v1/futures/transfers"), ("get", "/api/v1/futures/symbols"),
    ("post", "/api/v1/futures/leverage"), ("post", "/api/v1/futures/margin-type"),
    ("post", "/api/v1/futures/position-mode"), ("get", "/api/v1/futures/orders"), ("post", "/api/v1/futures/orders"),
    ("get", "/api/v1/futures/orders/{order_id}"), ("delete", "/api/v1/futures/orders/{order_id}"),
    ("get", "/api/v1/futures/positions"), ("post", "/api/v1/futures/positions/margin"),
    ("get", "/api/v1/futures/income"), ("get", "/api/v1/futures/funding-rates"),
    ("post", "/api/v1/futures/orders/preview"), ("get", "/api/v1/futures/liquidations/{liquidation_id}/replay"),
}  # fmt: skip


@pytest.fixture
def funded(alice_api, zero_costs, set_prices):
    FuturesSymbol.objects.update(basis_rate=D(0))
    set_prices(BTCUSDT=100000, ETHUSDT=2500)
    ok(alice_api.post(f"{F}/transfers", {"type": "MAIN_UMFUTURE", "amount": "1000"}, format="json"), 201)
    return alice_api


def test_a_session(funded):
    api = funded
    wallet = ok(api.get(f"{F}/wallet"))
    assert (wallet["exists"], wallet["wallet_balance"], wallet["available_balance"]) == (
        True,
        "1000.00000000",
        "1000.00000000",
    )
    symbols = results(api.get(f"{F}/symbols"))
    btc = next(s for s in symbols if s["symbol"] == "BTCUSDT")
    assert (btc["brackets"][0]["initial_leverage"], btc["brackets"][0]["maint_margin_ratio"]) == (125, "0.004")
    assert btc["estimated_funding_rate"] == "0.0001"
    ok(api.post(f"{F}/margin-type", {"symbol": "BTCUSDT", "margin_type": "ISOLATED"}, format="json"))
    setting = ok(api.post(f"{F}/leverage", {"symbol": "BTCUSDT", "leverage": 5}, format="json"))
    assert setting == {"symbol": "BTCUSDT", "leverage": 5, "margin_type": "ISOLATED"}
    order = ok(api.post(f"{F}/orders", {"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.01"}, format="json"), 201)
    assert (order["status"], order["avg_price"]) == ("FILLED", "100000.00000000")
    (position,) = results(api.get(f"{F}/positions"))
    assert (position["position_amt"], position["isolated_margin"], position["liquidation_price"]) == (
        "0.01000000",
        "200.00000000",
        "80321.20000000",
    )
    ok(api.post(f"{F}/positions/margin", {"symbol": "BTCUSDT", "amount": "50", "type": "ADD"}, format="json"))
    types = [i["income_type"] for i in results(api.get(f"{F}/income"))]
    assert types == ["TRANSFER"]
    resting = ok(
        api.post(
            f"{F}/orders",
            {"symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "quantity": "1", "price": "2000"},
            format="json",
        ),
        201,
    )
    assert ok(api.delete(f"{F}/orders/{resting['id']}"))["status"] == "CANCELED"
    assert [o["id"] for o in results(api.get(f"{F}/orders?status=CANCELED"))] == [resting["id"]]
    assert results(api.get(f"{F}/funding-rates")) == []
    assert_ledger_clean()


def test_no_wallet_yet_reads_as_zero(alice_api, platform):
    wallet = ok(alice_api.get(f"{F}/wallet"))
    assert (wallet["exists"], wallet["wallet_balance"]) == (False, "0.00000000")
    assert results(alice_api.get(f"{F}/positions")) == []
    assert results(alice_api.get(f"{F}/orders")) == []


def _open_btc_long(api):
    ok(api.post(f"{F}/orders", {"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.01"}, format="json"), 201)


BAD = [
    # (set-up, path, body, status, code)
    (None, "orders", {"symbol": "NOPEUSDT", "side": "BUY", "quantity": "0.01"}, 400, "invalid_symbol"),
    (None, "leverage", {"symbol": "BTCUSDT", "leverage": 0}, 400, "invalid_leverage"),
    (None, "leverage", {"symbol": "BTCUSDT", "leverage": 126}, 400, "invalid_leverage"),
    (None, "leverage", {"symbol": "NOPE", "leverage": 5}, 400, "invalid_symbol"),
    (_open_btc_long, "margin-type", {"symbol": "BTCUSDT", "margin_type": "ISOLATED"}, 409, "margin_type_position"),
    (None, "margin-type", {"symbol": "BTCUSDT", "margin_type": "HEDGED"}, 400, "invalid"),
    (None, "orders", {"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.01", "reduce_only": True}, 400,
     "reduce_only_rejected"),
    (_open_btc_long, "orders", {"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.01", "reduce_only": True}, 400,
     "reduce_only_rejected"),
    (None, "orders", {"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.0105"}, 400, "filter_failure"),
    (None, "orders", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01", "price": "99999.99"},
     400, "filter_failure"),
    (None, "orders", {"symbol": "BTCUSDT", "side": "BUY", "quantity": 0.01}, 400, "invalid"),
    (None, "orders", {"symbol": "BTCUSDT", "side": "BUY", "quantity": "5"}, 400, "insufficient_margin"),
    (None, "orders", {"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.01", "position_side": "LONG"}, 400,
     "hedge_mode_unsupported"),
    (None, "position-mode", {"dual_side_position": True}, 400, "hedge_mode_unsupported"),
    (None, "positions/margin", {"symbol": "BTCUSDT", "amount": "1", "type": "REDUCE"}, 409, "no_position"),
    (None, "transfers", {"type": "UMFUTURE_MAIN", "amount": "1000.01"}, 400, "insufficient_balance"),
    (None, "transfers", {"type": "SIDEWAYS", "amount": "1"}, 400, "invalid"),
    (None, "orders/preview", {"symbol": "NOPEUSDT", "side": "BUY", "quantity": "0.01"}, 400, "invalid_symbol"),
    (None, "orders/preview", {"symbol": "BTCUSDT", "side": "BUY", "quantity": 0.01}, 400, "invalid"),
    (None, "orders/preview", {"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.0001"}, 400, "filter_failure"),
    (None, "orders/preview", {"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.01", "position_side": "LONG"}, 400,
     "hedge_mode_unsupported"),
]  # fmt: skip


@pytest.mark.parametrize(("setup", "path", "body", "status", "code"), BAD)
def test_bad_input_is_a_clear_4xx_that_changes_nothing(funded, setup, path, body, status, code):
    if setup:
        setup(funded)
    lines, orders, positions = (
        LedgerLine.objects.count(),
        FuturesOrder.objects.count(),
        list(FuturesPosition.objects.values_list("position_amt", "isolated_margin", "margin_type", "leverage")),
    )
    assert_error(funded.post(f"{F}/{path}", body, format="json"), status, code)
    assert LedgerLine.objects.count() == lines
    assert FuturesOrder.objects.count() == orders
    assert (
        list(FuturesPosition.objects.values_list("position_amt", "isolated_margin", "margin_type", "leverage"))
        == positions
    )


def test_margin_reduction_beyond_the_initial_margin(funded):
    ok(funded.post(f"{F}/margin-type", {"symbol": "BTCUSDT", "margin_type": "ISOLATED"}, format="json"))
    _open_btc_long(funded)
    error = assert_error(
        funded.post(f"{F}/positions/margin", {"symbol": "BTCUSDT", "amount": "0.01", "type": "2"}, format="json"),
        400,
        "margin_reduce_too_much",
    )
    assert "Isolated balance insufficient" in error["message"]


def test_another_users_order_is_404(funded, bob_api):
    order = ok(
        funded.post(
            f"{F}/orders",
            {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01", "price": "90000"},
            format="json",
        ),
        201,
    )
    assert_error(bob_api.get(f"{F}/orders/{order['id']}"), 404)
    assert_error(bob_api.delete(f"{F}/orders/{order['id']}"), 404)
    assert_error(bob_api.get(f"{F}/liquidations/1/replay"), 404)
    assert results(bob_api.get(f"{F}/orders")) == []
    assert results(bob_api.get(f"{F}/income")) == []
    assert ok(funded.get(f"{F}/orders/{order['id']}"))["status"] == "NEW"
    assert Income.objects.filter(account__user=bob_api.user).count() == 0


def test_anonymous_is_401_for_the_wallet_but_may_read_symbols(anon, platform):
    assert_error(anon.get(f"{F}/wallet"), 401)
    assert ok(anon.get(f"{F}/symbols"))["count"] == 4


def test_futures_operations_are_in_the_schema_with_the_error_shape(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = {(method, path): op for path, item in schema["paths"].items() for method, op in item.items()}
    assert set(operations) >= FUTURES_OPERATIONS
    for key in FUTURES_OPERATIONS:
        assert operations[key]["responses"]["400"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


def test_positions_list_query_count_is_pinned(funded, django_assert_max_num_queries):
    _open_btc_long(funded)
    ok(funded.post(f"{F}/orders", {"symbol": "ETHUSDT", "side": "SELL", "quantity": "0.1"}, format="json"), 201)
    with django_assert_max_num_queries(12):
        assert len(results(funded.get(f"{F}/positions"))) == 2
