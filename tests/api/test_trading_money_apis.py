"""trading/apis/money.py: transfers, loans, repayments and the ledger."""

from decimal import Decimal

import pytest

from tests.api.api_helpers import API, assert_error, ok, results
from tests.helpers import amounts, assert_ledger_clean, cross, spot
from trading.models import LoanEvent, Transfer
from trading.services.loans import loan_borrow
from trading.services.transfers import transfer_create


def to_cross(user, amount="1000"):
    transfer_create(user=user, from_account_id=spot(user).pk, to_account_id=cross(user).pk, asset="USDT", amount=amount)
    return cross(user)


# --- transfers ------------------------------------------------------------------------------------------


def test_transfer_moves_funds(alice_api, alice):
    data = {"from_account": spot(alice).pk, "to_account": cross(alice).pk, "asset": "usdt", "amount": "250.5"}

    body = ok(alice_api.post(f"{API}/transfers", data), 201)

    assert (body["asset"], body["amount"], body["from_account"], body["to_account"]) == (
        "USDT",
        "250.50000000",
        spot(alice).pk,
        cross(alice).pk,
    )
    assert amounts(cross(alice), "USDT")[0] == Decimal("250.5")
    assert amounts(spot(alice), "USDT")[0] == Decimal("9749.5")
    assert_ledger_clean()


def test_transfer_takes_a_json_integer_amount(alice_api, alice):
    data = {"from_account": spot(alice).pk, "to_account": cross(alice).pk, "asset": "USDT", "amount": 7}
    assert ok(alice_api.post(f"{API}/transfers", data), 201)["amount"] == "7.00000000"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"amount": "1.123456789"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": ["1"]}, "amount"),
        ({"amount": "1e400"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"from_account": "x"}, "from_account"),
        ({"from_account": 0}, "from_account"),
        ({"to_account": 10**30}, "to_account"),
        ({"asset": "NOPE"}, "asset"),
        ({"asset": None}, "asset"),
    ],
)
def test_transfer_bad_input_is_400_and_moves_nothing(alice_api, alice, change, field):
    data = {"from_account": spot(alice).pk, "to_account": cross(alice).pk, "asset": "USDT", "amount": "1"} | change

    assert_error(alice_api.post(f"{API}/transfers", data), 400, field=field)
    assert not Transfer.objects.exists()


def test_transfer_of_more_than_is_free_is_400(alice_api, alice):
    data = {"from_account": spot(alice).pk, "to_account": cross(alice).pk, "asset": "USDT", "amount": "10000.01"}
    assert_error(alice_api.post(f"{API}/transfers", data), 400, "insufficient_balance")


def test_transfer_to_or_from_another_users_account_is_404(alice_api, alice, bob):
    into_bobs = {"from_account": spot(alice).pk, "to_account": cross(bob).pk, "asset": "USDT", "amount": "1"}
    from_bobs = {"from_account": spot(bob).pk, "to_account": cross(alice).pk, "asset": "USDT", "amount": "1"}

    assert_error(alice_api.post(f"{API}/transfers", into_bobs), 404)
    assert_error(alice_api.post(f"{API}/transfers", from_bobs), 404)
    assert amounts(spot(bob), "USDT")[0] == Decimal(10000)


def test_transfers_list_is_the_callers_with_filters(alice_api, alice, bob):
    to_cross(alice, "10")
    to_cross(alice, "20")
    to_cross(bob, "30")

    assert [t["amount"] for t in results(alice_api.get(f"{API}/transfers"))] == ["20.00000000", "10.00000000"]
    assert len(results(alice_api.get(f"{API}/transfers?account={cross(alice).pk}&asset=usdt"))) == 2
    assert results(alice_api.get(f"{API}/transfers?asset=BTC")) == []


@pytest.mark.parametrize("query", ["account=abc", "account=0", "account=99999999999999999999999"])
def test_transfers_bad_filter_is_400(alice_api, query):
    assert_error(alice_api.get(f"{API}/transfers?{query}"), 400, "invalid", "account")


def test_transfers_filtered_by_another_users_account_is_404(alice_api, bob):
    assert_error(alice_api.get(f"{API}/transfers?account={cross(bob).pk}"), 404)


# --- loans and repayments -------------------------------------------------------------------------------


def test_borrow(alice_api, alice):
    account = to_cross(alice, "400")

    body = ok(alice_api.post(f"{API}/loans", {"account": account.pk, "asset": "USDT", "amount": "800"}), 201)

    assert (body["kind"], body["asset"], body["principal"], body["account"]) == (
        "borrow",
        "USDT",
        "800.00000000",
        account.pk,
    )
    assert amounts(account, "USDT")[:3] == (Decimal(1200), 0, Decimal(800))


def test_borrowing_past_the_initial_ratio_is_400_and_borrows_nothing(alice_api, alice):
    account = to_cross(alice, "400")

    error = assert_error(
        alice_api.post(f"{API}/loans", {"account": account.pk, "asset": "USDT", "amount": "800.01"}), 400, "margin_rule"
    )
    assert "800" in error["fields"]["amount"][0]
    assert not LoanEvent.objects.exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount": "0"}, "invalid"),
        ({"asset": "NOPE"}, "unknown_asset"),
        ({"account": "me"}, "invalid"),
        ({"amount": {}}, "invalid"),
    ],
)
def test_borrow_bad_input_is_400(alice_api, alice, change, code):
    data = {"account": to_cross(alice).pk, "asset": "USDT", "amount": "1"} | change
    assert_error(alice_api.post(f"{API}/loans", data), 400, code)


def test_borrow_into_a_spot_wallet_is_400(alice_api, alice):
    assert_error(
        alice_api.post(f"{API}/loans", {"account": spot(alice).pk, "asset": "USDT", "amount": "1"}),
        400,
        "not_margin_account",
    )


def test_borrow_into_another_users_account_is_404(alice_api, bob):
    account = to_cross(bob)
    assert_error(alice_api.post(f"{API}/loans", {"account": account.pk, "asset": "USDT", "amount": "1"}), 404)
    assert amounts(account, "USDT")[2] == 0


def test_repay_pays_interest_then_principal(alice_api, alice):
    account = to_cross(alice)
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="100")
    interest = amounts(account, "USDT")[3]
    assert interest > 0

    body = ok(alice_api.post(f"{API}/repayments", {"account": account.pk, "asset": "USDT", "amount": "50"}), 201)

    assert (Decimal(body["interest"]), Decimal(body["principal"])) == (interest, Decimal(50) - interest)
    assert body["kind"] == "repay"


def test_repaying_more_than_is_owed_is_400(alice_api, alice):
    account = to_cross(alice)
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="100")

    assert_error(
        alice_api.post(f"{API}/repayments", {"account": account.pk, "asset": "USDT", "amount": "200"}),
        400,
        field="amount",
    )
    assert_error(
        alice_api.post(f"{API}/repayments", {"account": account.pk, "asset": "BTC", "amount": "1"}), 400, "no_debt"
    )


def test_repaying_into_another_users_account_is_404(alice_api, bob):
    account = to_cross(bob)
    loan_borrow(user=bob, account_id=account.pk, asset="USDT", amount="100")

    assert_error(alice_api.post(f"{API}/repayments", {"account": account.pk, "asset": "USDT", "amount": "1"}), 404)
    assert amounts(account, "USDT")[2] == Decimal(100)


def test_loan_history(alice_api, alice, bob):
    account = to_cross(alice)
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="100")
    loan_borrow(user=bob, account_id=to_cross(bob).pk, asset="USDT", amount="100")

    rows = results(alice_api.get(f"{API}/loans"))

    assert [(r["kind"], r["account"]) for r in rows] == [("borrow", account.pk)]
    assert results(alice_api.get(f"{API}/loans?kind=repay")) == []
    assert_error(alice_api.get(f"{API}/loans?kind=gift"), 400, field="kind")
    assert_error(alice_api.get(f"{API}/loans?account={cross(bob).pk}"), 404)


# --- ledger ---------------------------------------------------------------------------------------------


def test_ledger_shows_the_callers_lines(alice_api, alice, bob):
    to_cross(alice, "10")
    to_cross(bob, "30")

    rows = results(alice_api.get(f"{API}/ledger"))

    assert {r["account"] for r in rows} == {spot(alice).pk, cross(alice).pk}
    transfer = [r for r in rows if r["kind"] == "transfer"]
    assert sorted(r["amount"] for r in transfer) == ["-10.00000000", "10.00000000"]
    assert [r["account"] for r in results(alice_api.get(f"{API}/ledger?account={cross(alice).pk}"))] == [
        cross(alice).pk
    ]
    assert {r["kind"] for r in results(alice_api.get(f"{API}/ledger?kind=funding"))} == {"funding"}


@pytest.mark.parametrize("query", ["kind=nope", "account=x"])
def test_ledger_bad_filter_is_400(alice_api, query):
    assert_error(alice_api.get(f"{API}/ledger?{query}"), 400)


def test_ledger_of_another_users_account_is_404(alice_api, bob):
    assert_error(alice_api.get(f"{API}/ledger?account={spot(bob).pk}"), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "transfers"),
        ("post", "transfers"),
        ("get", "loans"),
        ("post", "loans"),
        ("post", "repayments"),
        ("get", "ledger"),
    ],
)
def test_unauthenticated_is_401(alice, anon, method, path):
    assert_error(getattr(anon, method)(f"{API}/{path}"), 401, "not_authenticated")
