"""trading/management/commands/order_cost_benchmark.py: its requests go through Django's WSGI handler as
gunicorn hands them over, and an order's captured SQL, run again, writes one more order of the same kind
(the floor: nothing but those writes). The run itself needs PostgreSQL and Redis: see README."""

import json

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import CommandError
from django.db import close_old_connections, connection

from accounts.services import token_create
from tests.helpers import assert_ledger_clean, cross, require_postgres
from trading.management.commands import order_cost_benchmark as bench
from trading.management.commands.http_benchmark import limit_resting, market_margin_buy
from trading.models import JournalEntry, Order, Trade
from trading.services.accounts import paper_funds_credit


@pytest.fixture(autouse=True)
def _test_connection_kept():
    """As Django's test client does: a request's start and end must not close the test's connection (the
    test's transaction holds it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def trader(alice, set_prices):
    set_prices(ETHUSDT=3500, BTCUSDT=95000)
    account = cross(alice)
    paper_funds_credit(account_id=account.pk, asset="BTC", amount="10")
    _, token = token_create(user=alice, name="cost")
    return {"token": token, "account": account.pk}


def test_a_request_goes_through_the_wsgi_handler_with_its_method_headers_and_body(trader):
    (method, path, headers, body), *_ = market_margin_buy([trader])
    env = bench.environ(method, path, headers, body)
    assert (env["REQUEST_METHOD"], env["PATH_INFO"], env["CONTENT_TYPE"]) == (
        "POST",
        "/api/v1/orders",
        "application/json",
    )
    assert env["HTTP_AUTHORIZATION"] == f"Token {trader['token']}" and env["wsgi.input"].read() == body.encode()
    answer = json.loads(bench.request(WSGIHandler(), (method, path, headers, body)))
    assert answer["status"] == "FILLED" and answer["side_effect"] == "MARGIN_BUY"


def test_an_answer_other_than_2xx_stops_the_benchmark(trader):
    method, path, headers, body = market_margin_buy([trader])[0]
    with pytest.raises(CommandError, match="400"):
        bench.request(WSGIHandler(), (method, path, headers, body.replace("ETHUSDT", "NOSUCHPAIR")))


@pytest.mark.parametrize("orders", [market_margin_buy, limit_resting])
def test_an_orders_captured_sql_run_again_writes_one_more_order_of_its_kind(trader, orders):
    require_postgres()  # the statements are PostgreSQL's (SQLite writes an entry statement by statement)
    handler = WSGIHandler()
    req = orders([trader])[0]
    bench.request(handler, req)  # the account's first order makes its balances; the next one is captured
    statements = bench._captured(handler, connection, req)
    assert not any("accounts_apitoken" in sql for sql, _ in statements)  # the bare request's own look-up
    before = Order.objects.count(), Trade.objects.count(), JournalEntry.objects.count()
    bench._replay(connection, statements)
    bench._replay(connection, statements)  # each time with a client order id of its own
    after = Order.objects.count(), Trade.objects.count(), JournalEntry.objects.count()
    trades = 2 if req[3].count("MARKET") else 0
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (2, trades, 2)
    ids = list(Order.objects.order_by("-id").values_list("client_order_id", flat=True)[:3])
    assert len(set(ids)) == 3
    assert_ledger_clean()
