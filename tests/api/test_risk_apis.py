"""risk/apis.py: margin calls, liquidations, snapshots, notifications, and the staff's prices and sweeps.

The seed example (tests/conftest.py `seed`) stands them up: alice's cross account and bob's two isolated
accounts, all at margin level 1.25.
"""

from decimal import Decimal

import pytest

from accounts.models import Notification
from risk.models import Liquidation
from tests.api.api_helpers import API, assert_error, ok, results
from tests.helpers import amounts, assert_ledger_clean
from trading.models import MarkPrice, Order
from trading.services.orders import order_place


def move(staff, **prices) -> dict:
    tick = {}
    for symbol, price in prices.items():
        tick = ok(staff.post(f"{API}/admin/prices", {"symbol": symbol, "price": price}))["tick"]
    return tick


@pytest.fixture
def day_n_plus_5(seed, charlie_api):
    """BCH at 120: alice's cross account in margin call, bob's BCH account liquidated."""
    move(charlie_api, ETHUSDT="220", BCHUSDT="120")
    return seed


# --- POST admin/prices ----------------------------------------------------------------------------------


def test_a_staff_price_applies_at_once_and_ticks(seed, charlie_api):
    a, b_eth, b_bch = seed

    body = ok(charlie_api.post(f"{API}/admin/prices", {"symbol": "bchusdt", "price": "170"}))

    assert (body["symbol"], body["price"]) == ("BCHUSDT", "170.00000000")
    tick = body["tick"]
    assert (tick["skipped"], tick["moved"], tick["margin_calls"], tick["liquidations"]) == (
        False,
        {"BCHUSDT": "170"},
        [b_bch.pk],
        [],
    )
    assert MarkPrice.objects.get(pair__symbol="BCHUSDT").price == 170


def test_a_staff_price_fills_resting_orders(seed, alice, charlie_api):
    a, _, _ = seed
    order = order_place(
        user=alice, account_id=a.pk, symbol="ETHUSDT", side="SELL", type="LIMIT", quantity="1", price="210"
    )

    tick = move(charlie_api, ETHUSDT="215")

    assert tick["orders_filled"] == 1
    order.refresh_from_db()
    assert order.status == Order.Status.FILLED


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"symbol": "NOPEUSDT", "price": "1"}, "unknown_symbol", "symbol"),
        ({"symbol": "BTCUSDT", "price": "100.001"}, "filter_failure", "price"),
        ({"symbol": "BTCUSDT", "price": "0"}, "invalid", "price"),
        ({"symbol": "BTCUSDT", "price": "1e15"}, "invalid", "price"),
        ({"symbol": "BTCUSDT"}, "invalid", "price"),
        ({"symbol": 5, "price": {"x": 1}}, "invalid", "price"),
    ],
)
def test_a_bad_staff_price_is_400_and_changes_nothing(platform, charlie_api, data, code, field):
    assert_error(charlie_api.post(f"{API}/admin/prices", data), 400, code, field)
    assert MarkPrice.objects.get(pair__symbol="BTCUSDT").price == Decimal("95000")


# --- POST admin/sweeps ----------------------------------------------------------------------------------


def test_a_sweep_reports_what_it_did_and_a_second_does_nothing_twice(seed, charlie_api):
    a, b_eth, b_bch = seed
    # Day N+5's prices, written without a tick: only the sweep sees them.
    MarkPrice.objects.filter(pair__symbol="ETHUSDT").update(price=Decimal("220"))
    MarkPrice.objects.filter(pair__symbol="BCHUSDT").update(price=Decimal("120"))

    first = ok(charlie_api.post(f"{API}/admin/sweeps"))
    second = ok(charlie_api.post(f"{API}/admin/sweeps"))

    assert first["liquidations"] == [b_bch.pk]
    assert first["margin_calls"] == [a.pk]
    assert second["liquidations"] == [] and second["margin_calls"] == []
    assert Liquidation.objects.count() == 1
    assert_ledger_clean()


# --- GET margin-calls -----------------------------------------------------------------------------------


def test_margin_calls_of_the_caller(day_n_plus_5, alice_api, bob_api):
    a, _, b_bch = day_n_plus_5

    (call,) = results(alice_api.get(f"{API}/margin-calls"))
    assert (call["account"], call["margin_level"], call["margin_call_ratio"], call["liquidation_ratio"]) == (
        a.pk,
        "1.0625",
        "1.1",
        "1.05",
    )
    assert (call["asset_value"], call["debt_value"], call["profile"]) == ("1700.00000000", "1600.00000000", "classic")
    assert [c["account"] for c in results(bob_api.get(f"{API}/margin-calls"))] == []
    assert results(alice_api.get(f"{API}/margin-calls?account={a.pk}")) == [call]


def test_margin_calls_of_another_users_account_is_404_bad_filter_400(day_n_plus_5, alice_api):
    _, b_eth, _ = day_n_plus_5
    assert_error(alice_api.get(f"{API}/margin-calls?account={b_eth.pk}"), 404)
    assert_error(alice_api.get(f"{API}/margin-calls?account=-3"), 400, "invalid", "account")


# --- GET liquidations -----------------------------------------------------------------------------------


def test_liquidations_explain_themselves(day_n_plus_5, bob_api, alice_api):
    _, b_eth, b_bch = day_n_plus_5

    (record,) = results(bob_api.get(f"{API}/liquidations"))

    assert (record["account"], record["account_kind"], record["margin_level"], record["liquidation_ratio"]) == (
        b_bch.pk,
        "isolated",
        "0.75",
        "1.05",
    )
    assert record["prices"] == {"BCH": "120.00000000", "USDT": "1"}
    assert record["balances_before"]["BCH"]["free"] == "5.00000000"
    assert record["balances_after"] == {}
    assert (record["asset_value"], record["debt_value"], record["value_liquidated"], record["shortfall"]) == (
        "600.00000000",
        "800.00000000",
        "600.00000000",
        "200.00000000",
    )
    assert (
        "0.7500" in record["explanation"]
        and "1.05" in record["explanation"]
        and "200.00000000" in record["explanation"]
    )
    assert results(alice_api.get(f"{API}/liquidations")) == []
    assert amounts(b_eth, "ETH")[0] == 5  # the other isolated account is untouched


def test_liquidations_of_another_users_account_is_404(day_n_plus_5, alice_api):
    _, _, b_bch = day_n_plus_5
    assert_error(alice_api.get(f"{API}/liquidations?account={b_bch.pk}"), 404)


# --- GET snapshots --------------------------------------------------------------------------------------


def test_snapshots_of_an_account(day_n_plus_5, bob_api):
    _, _, b_bch = day_n_plus_5

    rows = results(bob_api.get(f"{API}/snapshots?account={b_bch.pk}"))

    assert [(r["status"], r["reason"]) for r in rows][:1] == [("LIQUIDATION", "liquidation")]
    assert {r["account"] for r in rows} == {b_bch.pk}
    assert [r["status"] for r in results(bob_api.get(f"{API}/snapshots?account={b_bch.pk}&status=LIQUIDATION"))] == [
        "LIQUIDATION"
    ]


@pytest.mark.parametrize("query", ["status=DOOMED", "reason=boredom", "account=1.5"])
def test_snapshots_bad_filter_is_400(alice_api, query):
    assert_error(alice_api.get(f"{API}/snapshots?{query}"), 400, "invalid")


def test_snapshots_of_another_users_account_is_404(day_n_plus_5, alice_api):
    _, _, b_bch = day_n_plus_5
    assert_error(alice_api.get(f"{API}/snapshots?account={b_bch.pk}"), 404)


# --- GET notifications ----------------------------------------------------------------------------------


def test_notifications_of_the_caller(day_n_plus_5, bob_api, alice_api):
    _, _, b_bch = day_n_plus_5

    kinds = [(n["kind"], n["account"]) for n in results(bob_api.get(f"{API}/notifications"))]

    assert ("liquidation", b_bch.pk) in kinds
    assert {n["kind"] for n in results(alice_api.get(f"{API}/notifications"))} == {"margin_call"}
    assert {n["kind"] for n in results(bob_api.get(f"{API}/notifications?kind=liquidation&unread=true"))} == {
        "liquidation"
    }
    assert results(bob_api.get(f"{API}/notifications?account={b_bch.pk}&kind=info")) == []


def test_notifications_bad_filter_is_400_and_another_users_account_404(day_n_plus_5, alice_api):
    _, _, b_bch = day_n_plus_5
    assert_error(alice_api.get(f"{API}/notifications?kind=spam"), 400, "invalid", "kind")
    assert_error(alice_api.get(f"{API}/notifications?unread=perhaps"), 400, "invalid", "unread")
    assert_error(alice_api.get(f"{API}/notifications?account={b_bch.pk}"), 404)
    assert Notification.objects.filter(user__username="bob").exists()


@pytest.mark.parametrize("path", ["margin-calls", "liquidations", "snapshots", "notifications"])
def test_unauthenticated_is_401(platform, anon, path):
    assert_error(anon.get(f"{API}/{path}"), 401, "not_authenticated")
