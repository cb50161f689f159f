"""List endpoints keep a fixed number of queries whatever the page holds: one item or several, the same count.

Each case grows the list from one item to four and pins the count (token authentication included:
one query for the token and its user).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from accounts.services import token_create
from risk.models import Liquidation, MarginCall, MarginSnapshot
from tests.api.api_helpers import API, ok
from tests.helpers import cross, spot
from trading.models import JournalEntry
from trading.services.accounts import isolated_account_open
from trading.services.loans import loan_borrow
from trading.services.orders import order_place
from trading.services.transfers import transfer_create

SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"]


def fund(user, amount="1"):
    transfer_create(user=user, from_account_id=spot(user).pk, to_account_id=cross(user).pk, asset="USDT", amount=amount)


def resting_order(user, i):
    order_place(
        user=user, account_id=cross(user).pk, symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.0002",
        price="50000", client_order_id=f"q{i}",
    )  # fmt: skip


def market_buy(user, i):
    order_place(user=user, account_id=cross(user).pk, symbol=SYMBOLS[i], side="BUY", quote_quantity="10")


def borrow(user, i):
    loan_borrow(user=user, account_id=cross(user).pk, asset="USDT", amount="1")


def isolated_with_position(user, i):
    account = isolated_account_open(user=user, symbol=SYMBOLS[i])
    transfer_create(user=user, from_account_id=spot(user).pk, to_account_id=account.pk, asset="USDT", amount="20")
    order_place(user=user, account_id=account.pk, symbol=SYMBOLS[i], side="BUY", quote_quantity="10")


def margin_call(user, i):
    MarginCall.objects.create(
        account=cross(user), margin_level=1, margin_call_ratio=1, liquidation_ratio=1, profile="classic",
        created_at=timezone.now(),
    )  # fmt: skip


def liquidation(user, i):
    entry = JournalEntry.objects.create(kind=JournalEntry.Kind.LIQUIDATION, account=cross(user))
    Liquidation.objects.create(
        account=cross(user), account_kind="cross", margin_level=1, liquidation_ratio=1, profile="classic",
        prices={"USDT": "1"}, balances_before={}, balances_after={}, entry=entry, created_at=timezone.now(),
    )  # fmt: skip


def snapshot(user, i):
    MarginSnapshot.objects.create(account=cross(user), status="NORMAL", reason="interval", created_at=timezone.now())


def notification(user, i):
    Notification.objects.create(user=user, kind="info", title=f"n{i}", account_ref=cross(user).pk)


def api_token(user, i):
    token_create(user=user, name=f"t{i}")


CASES = [
    # path, what adds one item, queries for the page
    ("orders", resting_order, 2),
    ("trades", market_buy, 2),
    ("transfers", lambda user, i: fund(user), 2),
    ("loans", borrow, 2),
    ("ledger", lambda user, i: fund(user), 2),
    # Platform settings, risk tiers and mark prices are per-process copies (trading.lookup_cache): no query.
    ("accounts", lambda user, i: isolated_with_position(user, i), 3),
    ("positions", isolated_with_position, 3),
    ("margin-calls", margin_call, 2),
    ("liquidations", liquidation, 2),
    ("snapshots", snapshot, 2),
    ("notifications", notification, 2),
    ("tokens", api_token, 3),
]


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        ok(client.get(url))
    return len(captured)


@pytest.mark.parametrize(("path", "add", "expected"), CASES, ids=[case[0] for case in CASES])
def test_a_list_costs_the_same_for_one_item_as_for_four(
    alice_api, alice, path, add, expected, django_assert_num_queries
):
    fund(alice, "1000")
    loan_borrow(user=alice, account_id=cross(alice).pk, asset="USDT", amount="100")
    ok(alice_api.get(f"{API}/me"))  # the token's first use writes last_used_at; later ones do not
    add(alice, 0)
    one = queries_for(alice_api, f"{API}/{path}")

    for i in range(1, 4):
        add(alice, i)

    with django_assert_num_queries(expected):
        body = ok(alice_api.get(f"{API}/{path}"))
    assert len(body["results"]) >= 4
    assert one == expected


@pytest.mark.parametrize(("path", "expected"), [("markets", 2), ("assets", 2), ("prices", 2)])
def test_market_data_lists(platform, anon, path, expected, django_assert_num_queries):
    with django_assert_num_queries(expected):
        ok(anon.get(f"{API}/{path}"))
