"""schemathesis against the live OpenAPI schema: no server error, no response that breaks the schema.

Every operation of /api/schema/ is called through the WSGI application, in this test's database, by a
normal user with an API token (staff operations answer that user 403), with inputs both valid and
invalid for the schema: a bounded number per operation (the fuzzing phase only, a fixed seed), so that
the whole run takes a minute or two on two cores and fails the same way twice.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.config import SchemathesisConfig

from accounts.services import token_create
from config.wsgi import application
from tests.helpers import cross, spot
from trading.services.orders import order_place
from trading.services.transfers import transfer_create

MAX_EXAMPLES = 15
STATEFUL_EXAMPLES = 20

CONFIG_DICT = {
    "seed": 20261121,
    "generation": {"max-examples": MAX_EXAMPLES, "mode": "all", "database": "none"},
    # Every check runs. A request the schema allows may still break a rule the schema cannot say (an
    # unknown asset, not enough funds, a username taken, quantity with quote_quantity): the API refuses
    # it with 400 in the one error shape, so for schema-valid data 400 is an accepted answer too.
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"],
        },
    },
    "phases": {
        "examples": {"enabled": False},
        "coverage": {"enabled": False},
        "stateful": {"enabled": True},
        "fuzzing": {"enabled": True},
    },
}
CONFIG = SchemathesisConfig.from_dict(CONFIG_DICT)


schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)


@pytest.fixture
def keep_the_test_connection():
    """Called as a real WSGI application, Django would close the database connection after each request,
    and with it the test's transaction (on PostgreSQL). Django's own test client avoids it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def trader_token(alice, monkeypatch, keep_the_test_connection):
    """alice with something to show: a funded cross account, a position, a resting order."""
    # Throttling is tested elsewhere; here it would only turn the later cases of an operation into 429s.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None, "auth": None})
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="500"
    )
    order_place(
        user=alice, account_id=cross(alice).pk, symbol="ETHUSDT", side="BUY", quantity="0.01", side_effect="MARGIN_BUY"
    )
    order_place(
        user=alice,
        account_id=cross(alice).pk,
        symbol="BTCUSDT",
        side="BUY",
        type="LIMIT",
        quantity="0.001",
        price="90000",
    )
    _, key = token_create(user=alice, name="fuzz")
    return key


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_api_conforms_to_its_schema(case, trader_token):
    case.call_and_validate(headers={"Authorization": f"Token {trader_token}"})


def test_api_conforms_to_its_schema_across_calls(trader_token):
    """The stateful phase: sequences of calls linked by the ids one returns and the next takes (links that
    schemathesis infers from the schema: POST /orders then GET or DELETE /orders/{order_id}, ...), every
    check on every response. The token goes in as the configured header, so that the checks know it is
    real and probe the calls without it."""
    config = SchemathesisConfig.from_dict(CONFIG_DICT | {"headers": {"Authorization": f"Token {trader_token}"}})
    workflow = schemathesis.openapi.from_wsgi("/api/schema/", application, config=config).as_state_machine()
    workflow.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
    )
