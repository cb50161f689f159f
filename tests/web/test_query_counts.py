"""The htmx fragments the pages poll every few seconds keep a fixed number of queries whatever they show:
one item or four, the same count. Every request starts with two: the session and its user."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from risk.models import MarginCall
from tests.helpers import cross, spot
from trading.services.accounts import isolated_account_open
from trading.services.orders import order_place
from trading.services.transfers import transfer_create
from trading.templatetags.marginlab import precision_forget

SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"]


def isolated_with_position(user, i):
    account = isolated_account_open(user=user, symbol=SYMBOLS[i])
    transfer_create(user=user, from_account_id=spot(user).pk, to_account_id=account.pk, asset="USDT", amount="20")
    order_place(user=user, account_id=account.pk, symbol=SYMBOLS[i], side="BUY", quote_quantity="10")


def cross_position_and_order(user, i):
    order_place(user=user, account_id=cross(user).pk, symbol=SYMBOLS[i], side="BUY", quote_quantity="10")
    order_place(
        user=user, account_id=cross(user).pk, symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.0002",
        price="50000",
    )  # fmt: skip


def notification(user, i):
    Notification.objects.create(user=user, kind="info", title=f"n{i}", account_ref=cross(user).pk)


def margin_call(user, i):
    MarginCall.objects.create(
        account=cross(user), margin_level=1, margin_call_ratio=1, liquidation_ratio=1, profile="classic",
        created_at=timezone.now(),
    )  # fmt: skip


CASES = [
    # fragment, what adds one item, queries
    # session; user; the accounts with pairs; their balances; the unread liquidation notices; the pairs'
    # ticks and steps (for amounts at their precision). Platform settings, risk tiers and mark prices are
    # per-process copies (trading.lookup_cache).
    ("dashboard-live", isolated_with_position, 6),
    # session; user; the account; its balances; the unread liquidation notices; its open orders; the pairs'
    # ticks and steps
    ("account-live", cross_position_and_order, 7),
    # session; user; the 24 h opening candles; the mark prices with their pairs; the pairs' ticks and steps
    ("prices-live", None, 5),
    # session; user; the unread count; the latest notifications
    ("notifications-live?list=1", notification, 4),
    # session; user; the account; the liquidations and the margin calls, each after the history's own
    # check of the account; the unread alerts
    ("account-risk", margin_call, 8),
]


def url_of(name: str, user) -> str:
    name, _, query = name.partition("?")
    args = [cross(user).pk] if name.startswith("account-") else []
    return reverse(name, args=args) + (f"?{query}" if query else "")


@pytest.mark.parametrize(("name", "add", "expected"), CASES, ids=[case[0] for case in CASES])
def test_a_polled_fragment_costs_the_same_for_one_item_as_for_four(
    alice_client, alice, set_prices, name, add, expected, django_assert_num_queries
):
    set_prices(BTCUSDT=95000, ETHUSDT=3500, BNBUSDT=600, SOLUSDT=150)
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="1000"
    )
    url = url_of(name, alice)
    add = add or (lambda user, i: None)
    add(alice, 0)
    alice_client.get(url)  # fills the per-process copies of settings and risk tiers (trading.lookup_cache)
    precision_forget()
    with CaptureQueriesContext(connection) as one:
        assert alice_client.get(url).status_code == 200
    for i in range(1, 4):
        add(alice, i)
    precision_forget()  # the pairs' precision is read once a minute: both requests pay for it

    with django_assert_num_queries(expected):
        assert alice_client.get(url).status_code == 200
    assert len(one) == expected
