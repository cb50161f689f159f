"""trading/apis/accounts.py: accounts (list, detail, leverage, isolated, reset), positions, max-borrowable."""

from decimal import Decimal

import pytest

from tests.api.api_helpers import API, assert_error, ok, results
from tests.helpers import UNIT, amounts, cross, cross_owing, spot
from trading.models import Account, AccountKind
from trading.services.accounts import isolated_account_open
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


def fund_cross(user, amount="1000"):
    account = cross(user)
    transfer_create(user=user, from_account_id=spot(user).pk, to_account_id=account.pk, asset="USDT", amount=amount)
    return account


@pytest.fixture
def alice_long(alice):
    """alice's cross account: 1000 USDT and a 0.02 BTC long bought with MARGIN_BUY."""
    account = fund_cross(alice)
    order_place(
        user=alice, account_id=account.pk, symbol="BTCUSDT", side="BUY", quantity="0.02", side_effect="MARGIN_BUY"
    )
    return account


# --- GET accounts, GET accounts/{id} --------------------------------------------------------------------


def test_accounts_lists_the_callers_accounts_only(alice_api, alice, bob):
    rows = results(alice_api.get(f"{API}/accounts"))

    assert [(r["id"], r["kind"], r["leverage"]) for r in rows] == [
        (spot(alice).pk, "spot", None),
        (cross(alice).pk, "cross", 3),
    ]
    assert {r["id"] for r in rows}.isdisjoint(Account.objects.filter(user=bob).values_list("id", flat=True))


def test_account_detail_values_a_margin_account(alice_api, alice_long):
    body = ok(alice_api.get(f"{API}/accounts/{alice_long.pk}"))

    assert (body["kind"], body["symbol"], body["status"], body["is_frozen"]) == ("cross", None, "NORMAL", False)
    assert Decimal(body["total_debt"]) > 0
    assert Decimal(body["margin_level"]) == (Decimal(body["total_asset_value"]) / Decimal(body["total_debt"])).quantize(
        Decimal("1e-8")
    )
    assert [b["asset"] for b in body["balances"]] == ["BTC", "USDT"]
    usdt = body["balances"][1]
    assert Decimal(usdt["net"]) == Decimal(usdt["free"]) + Decimal(usdt["locked"]) - Decimal(
        usdt["borrowed"]
    ) - Decimal(usdt["interest"])


def test_an_account_without_debt_has_no_margin_level(alice_api, alice):
    assert ok(alice_api.get(f"{API}/accounts/{cross(alice).pk}"))["margin_level"] is None


@pytest.mark.parametrize("account_id", ["999999", "12345678901234567890123"])
def test_unknown_account_is_404(alice_api, account_id):
    assert_error(alice_api.get(f"{API}/accounts/{account_id}"), 404)


def test_another_users_account_is_404(alice_api, bob):
    for account in Account.objects.filter(user=bob):
        assert_error(alice_api.get(f"{API}/accounts/{account.pk}"), 404, "not_found")


def test_a_system_account_is_404(alice_api):
    system = Account.objects.filter(kind=AccountKind.SYSTEM).first()
    assert_error(alice_api.get(f"{API}/accounts/{system.pk}"), 404)


# --- PATCH accounts/{id} --------------------------------------------------------------------------------


def test_leverage_change(alice_api, alice):
    account = cross(alice)

    assert ok(alice_api.patch(f"{API}/accounts/{account.pk}", {"leverage": 5}))["leverage"] == 5
    account.refresh_from_db()
    assert account.leverage == 5


@pytest.mark.parametrize(
    ("data", "code"),
    [({"leverage": 7}, "invalid"), ({"leverage": "abc"}, "invalid"), ({}, "invalid"), ({"leverage": [5]}, "invalid")],
)
def test_leverage_bad_input_is_400(alice_api, alice, data, code):
    assert_error(alice_api.patch(f"{API}/accounts/{cross(alice).pk}", data), 400, code, "leverage")
    assert cross(alice).leverage == 3


def test_leverage_of_a_spot_wallet_is_400(alice_api, alice):
    assert_error(alice_api.patch(f"{API}/accounts/{spot(alice).pk}", {"leverage": 5}), 400, "not_margin_account")


def test_leverage_of_another_users_account_is_404(alice_api, bob):
    assert_error(alice_api.patch(f"{API}/accounts/{cross(bob).pk}", {"leverage": 5}), 404)
    assert cross(bob).leverage == 3


# --- POST accounts/isolated -----------------------------------------------------------------------------


def test_isolated_account_opens(alice_api, alice):
    body = ok(alice_api.post(f"{API}/accounts/isolated", {"symbol": "ethusdt", "leverage": 5}), 201)

    assert (body["kind"], body["symbol"], body["leverage"], body["balances"]) == ("isolated", "ETHUSDT", 5, [])
    assert Account.objects.get(pk=body["id"]).user == alice


def test_a_second_isolated_account_for_the_same_pair_is_409(alice_api, alice):
    isolated_account_open(user=alice, symbol="ETHUSDT")

    assert_error(alice_api.post(f"{API}/accounts/isolated", {"symbol": "ETHUSDT"}), 409, "isolated_exists")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "symbol"),
        ({"symbol": "NOPE"}, "symbol"),
        ({"symbol": ["ETHUSDT"]}, "symbol"),
        ({"symbol": "ETHUSDT", "leverage": 7}, "leverage"),
    ],
)
def test_isolated_bad_input_is_400(alice_api, data, field):
    assert_error(alice_api.post(f"{API}/accounts/isolated", data), 400, field=field)
    assert not Account.objects.filter(kind=AccountKind.ISOLATED).exists()


def test_isolated_unauthenticated_is_401(alice, anon):
    assert_error(anon.post(f"{API}/accounts/isolated", {"symbol": "ETHUSDT"}), 401)


# --- POST accounts/{id}/reset ---------------------------------------------------------------------------


def test_reset_closes_positions_and_clears_debt(alice_api, alice_long):
    body = ok(alice_api.post(f"{API}/accounts/{alice_long.pk}/reset"))

    assert (body["total_asset_value"], body["total_debt"], body["margin_level"]) == ("0.00000000", "0.00000000", None)
    assert amounts(alice_long, "USDT") == (0, 0, 0, 0)


def test_reset_of_the_spot_wallet_restores_the_starting_balance(alice_api, alice):
    fund_cross(alice, "2500")

    body = ok(alice_api.post(f"{API}/accounts/{spot(alice).pk}/reset"))

    assert body["balances"][0]["free"] == "10000.00000000"


def test_reset_of_another_users_account_is_404(alice_api, bob):
    fund_cross(bob, "100")

    assert_error(alice_api.post(f"{API}/accounts/{cross(bob).pk}/reset"), 404)
    assert amounts(cross(bob), "USDT")[0] == Decimal(100)


def test_reset_of_an_unknown_account_is_404(alice_api):
    assert_error(alice_api.post(f"{API}/accounts/424242/reset"), 404)


# --- positions ------------------------------------------------------------------------------------------


def test_positions_of_the_caller(alice_api, alice_long, bob):
    fund_cross(bob)
    order_place(
        user=bob, account_id=cross(bob).pk, symbol="ETHUSDT", side="BUY", quantity="0.1", side_effect="MARGIN_BUY"
    )

    rows = results(alice_api.get(f"{API}/positions"))

    assert len(rows) == 1
    row = rows[0]
    assert (row["account"], row["symbol"], row["asset"], row["side"], row["mark_price"]) == (
        alice_long.pk,
        "BTCUSDT",
        "BTC",
        "LONG",
        "95000.00000000",
    )
    assert Decimal(row["quantity"]) > 0 and Decimal(row["liquidation_price"]) > 0
    assert Decimal(row["unrealized_pnl"]) == (
        (Decimal(row["mark_price"]) - Decimal(row["entry_price"])) * Decimal(row["quantity"])
    ).quantize(Decimal("1e-8"))
    assert results(alice_api.get(f"{API}/accounts/{alice_long.pk}/positions")) == rows


def test_a_short_position(alice_api, alice):
    account = fund_cross(alice)
    order_place(
        user=alice, account_id=account.pk, symbol="ETHUSDT", side="SELL", quantity="0.1", side_effect="MARGIN_BUY"
    )

    (row,) = results(alice_api.get(f"{API}/accounts/{account.pk}/positions"))

    assert (row["side"], row["asset"]) == ("SHORT", "ETH")
    assert Decimal(row["quantity"]) < 0


def test_positions_of_a_spot_wallet_are_empty(alice_api, alice):
    assert results(alice_api.get(f"{API}/accounts/{spot(alice).pk}/positions")) == []


def test_positions_of_another_users_account_is_404(alice_api, bob):
    assert_error(alice_api.get(f"{API}/accounts/{cross(bob).pk}/positions"), 404)


# --- max-borrowable -------------------------------------------------------------------------------------


def test_max_borrowable(alice_api, alice):
    account = fund_cross(alice, "400")

    body = ok(alice_api.get(f"{API}/accounts/{account.pk}/max-borrowable?asset=usdt"))

    # 3x: initial 1.5, so (400 + b) / b >= 1.5 -> b <= 800.
    assert body == {"account": account.pk, "asset": "USDT", "amount": "800.00000000"}


@pytest.mark.parametrize("query", ["", "?asset=", "?asset=NOPE", "?asset=a%00b"])
def test_max_borrowable_bad_asset_is_400(alice_api, alice, query):
    assert_error(alice_api.get(f"{API}/accounts/{cross(alice).pk}/max-borrowable{query}"), 400, field="asset")


def test_max_borrowable_of_a_spot_wallet_is_400(alice_api, alice):
    assert_error(alice_api.get(f"{API}/accounts/{spot(alice).pk}/max-borrowable?asset=USDT"), 400, "not_margin_account")


def test_max_borrowable_of_another_users_account_is_404(alice_api, bob):
    assert_error(alice_api.get(f"{API}/accounts/{cross(bob).pk}/max-borrowable?asset=USDT"), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "accounts"),
        ("get", "accounts/1"),
        ("patch", "accounts/1"),
        ("post", "accounts/1/reset"),
        ("get", "accounts/1/positions"),
        ("get", "accounts/1/max-borrowable?asset=USDT"),
        ("get", "accounts/1/max-transferable?asset=USDT"),
        ("get", "accounts/1/max-repayable?asset=USDT"),
        ("get", "positions"),
    ],
)
def test_unauthenticated_is_401(alice, anon, method, path):
    assert_error(getattr(anon, method)(f"{API}/{path}"), 401, "not_authenticated")


def test_the_max_borrowable_shown_is_accepted_and_one_unit_more_refused(alice_api, alice):
    account = cross_owing(alice)  # due hours of interest not yet charged: the maximum counts them
    most = Decimal(ok(alice_api.get(f"{API}/accounts/{account.pk}/max-borrowable?asset=USDT"))["amount"])
    loan = {"account": account.pk, "asset": "USDT"}

    assert_error(alice_api.post(f"{API}/loans", loan | {"amount": str(most + UNIT)}), 400, "margin_rule", "amount")
    ok(alice_api.post(f"{API}/loans", loan | {"amount": str(most)}), 201)
    assert ok(alice_api.get(f"{API}/accounts/{account.pk}/max-borrowable?asset=USDT"))["amount"] == "0.00000000"


# --- max-transferable and max-repayable (the web page shows both) ---------------------------------------


def test_the_max_transferable_shown_is_accepted_and_one_unit_more_refused(alice_api, alice):
    account = cross_owing(alice)  # 1500 USDT held, 500 owed: the transfer-out ratio holds some back
    most = Decimal(ok(alice_api.get(f"{API}/accounts/{account.pk}/max-transferable?asset=USDT"))["amount"])
    out = {"from_account": account.pk, "to_account": spot(alice).pk, "asset": "USDT"}
    assert 0 < most < 1500

    assert_error(alice_api.post(f"{API}/transfers", out | {"amount": str(most + UNIT)}), 400, "margin_rule", "amount")
    ok(alice_api.post(f"{API}/transfers", out | {"amount": str(most)}), 201)
    assert ok(alice_api.get(f"{API}/accounts/{account.pk}/max-transferable?asset=USDT"))["amount"] == "0.00000000"


def test_the_max_transferable_of_a_spot_wallet_is_its_free_balance(alice_api, alice):
    body = ok(alice_api.get(f"{API}/accounts/{spot(alice).pk}/max-transferable?asset=usdt"))
    out = {"from_account": spot(alice).pk, "to_account": cross(alice).pk, "asset": "USDT"}

    assert body == {"account": spot(alice).pk, "asset": "USDT", "amount": "10000.00000000"}
    assert_error(alice_api.post(f"{API}/transfers", out | {"amount": "10000.00000001"}), 400, "insufficient_balance")
    ok(alice_api.post(f"{API}/transfers", out | {"amount": body["amount"]}), 201)


def test_the_max_repayable_shown_is_accepted_and_one_unit_more_refused(alice_api, alice):
    account = cross_owing(alice)  # the due hours of interest count: the maximum is principal + interest
    most = Decimal(ok(alice_api.get(f"{API}/accounts/{account.pk}/max-repayable?asset=USDT"))["amount"])
    repay = {"account": account.pk, "asset": "USDT"}
    assert most > 500

    response = alice_api.post(f"{API}/repayments", repay | {"amount": str(most + UNIT)})
    assert response.status_code == 400, response.content
    ok(alice_api.post(f"{API}/repayments", repay | {"amount": str(most)}), 201)
    assert ok(alice_api.get(f"{API}/accounts/{account.pk}/max-repayable?asset=USDT"))["amount"] == "0.00000000"


@pytest.mark.parametrize("path", ["max-transferable", "max-repayable"])
@pytest.mark.parametrize("query", ["", "?asset=", "?asset=NOPE", "?asset=a%00b"])
def test_max_transferable_and_repayable_bad_asset_is_400(alice_api, alice, path, query):
    assert_error(alice_api.get(f"{API}/accounts/{cross(alice).pk}/{path}{query}"), 400, field="asset")


@pytest.mark.parametrize("path", ["max-transferable", "max-repayable"])
def test_max_transferable_and_repayable_of_another_users_account_is_404(alice_api, bob, path):
    assert_error(alice_api.get(f"{API}/accounts/{cross(bob).pk}/{path}?asset=USDT"), 404)
