"""The acceptance example (shared/seeds/margin-cross-vs-isolated-accounts.txt) driven entirely through the API.

Two users sign up and trade; the staff user sets fees, slippage and interest to zero and moves the prices.
A trades 5 ETH + 5 BCH in the cross account at 5x, B the same in two isolated accounts; the spec's table
comes out margin level by margin level, status by status, with B's BCH account liquidated on day N+5.
"""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests.helpers import PASSWORD, assert_ledger_clean

API = "/api/v1"


def sign_up(anon: APIClient, username: str) -> APIClient:
    assert anon.post(f"{API}/auth/register", {"username": username, "password": PASSWORD}).status_code == 201
    response = anon.post(f"{API}/auth/token", {"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.json()
    return response.json()


def accounts(client: APIClient) -> dict:
    """The user's accounts by name: spot, cross, and the isolated ones by symbol."""
    rows = ok(client.get(f"{API}/accounts"))["results"]
    return {row["symbol"] or row["kind"]: row for row in rows}


def set_price(staff: APIClient, symbol: str, price: str) -> dict:
    return ok(staff.post(f"{API}/admin/prices", {"symbol": symbol, "price": price}))["tick"]


def level_and_status(row: dict) -> tuple:
    return row["margin_level"], row["status"]


def position(client: APIClient, account_id: int, asset: str) -> dict:
    rows = ok(client.get(f"{API}/accounts/{account_id}/positions"))["results"]
    return next(row for row in rows if row["asset"] == asset)


@pytest.fixture
def staff(charlie):
    client = APIClient()
    token = ok(client.post(f"{API}/auth/token", {"username": "charlie", "password": PASSWORD}), 201)["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    ok(client.patch(f"{API}/admin/settings", {"maker_fee": "0", "taker_fee": "0", "slippage_bps": "0"}))
    for code in ("USDT", "ETH", "BCH"):
        ok(client.patch(f"{API}/admin/assets/{code}", {"daily_interest_rate": "0"}))
    set_price(client, "ETHUSDT", "200")
    set_price(client, "BCHUSDT", "200")
    return client


def test_the_seed_example_through_the_api(platform, staff):
    anon = APIClient()
    a, b = sign_up(anon, "trader-a"), sign_up(anon, "trader-b")

    # Day N. A: 400 USDT into cross at 5x, borrow the maximum 1600, buy 5 ETH and 5 BCH.
    mine = accounts(a)
    cross_id, a_spot = mine["cross"]["id"], mine["spot"]["id"]
    ok(a.patch(f"{API}/accounts/{cross_id}", {"leverage": 5}))
    ok(
        a.post(f"{API}/transfers", {"from_account": a_spot, "to_account": cross_id, "asset": "USDT", "amount": "400"}),
        201,
    )
    assert ok(a.get(f"{API}/accounts/{cross_id}/max-borrowable?asset=USDT"))["amount"] == "1600.00000000"
    ok(a.post(f"{API}/loans", {"account": cross_id, "asset": "USDT", "amount": "1600"}), 201)
    for symbol in ("ETHUSDT", "BCHUSDT"):
        order = ok(
            a.post(
                f"{API}/orders",
                {"account": cross_id, "symbol": symbol, "side": "BUY", "type": "MARKET", "quantity": "5"},
            ),
            201,
        )
        assert (order["status"], order["executed_qty"], order["cummulative_quote_qty"]) == (
            "FILLED",
            "5.00000000",
            "1000.00000000",
        )

    # B: two isolated accounts at 5x, 200 USDT each, 5 ETH / 5 BCH bought with MARGIN_BUY (borrowing 800).
    b_spot = accounts(b)["spot"]["id"]
    isolated = {}
    for symbol in ("ETHUSDT", "BCHUSDT"):
        account = ok(b.post(f"{API}/accounts/isolated", {"symbol": symbol, "leverage": 5}), 201)
        isolated[symbol] = account["id"]
        ok(
            b.post(
                f"{API}/transfers",
                {"from_account": b_spot, "to_account": account["id"], "asset": "USDT", "amount": "200"},
            ),
            201,
        )
        order = ok(
            b.post(
                f"{API}/orders",
                {
                    "account": account["id"],
                    "symbol": symbol,
                    "side": "BUY",
                    "type": "MARKET",
                    "quantity": "5",
                    "side_effect": "MARGIN_BUY",
                },
            ),
            201,
        )
        assert (order["borrowed_amount"], order["borrowed_asset"]) == ("800.00000000", "USDT")

    a_cross, b_mine = accounts(a)["cross"], accounts(b)
    assert level_and_status(a_cross) == ("1.25", "NORMAL")
    assert (a_cross["total_asset_value"], a_cross["total_debt"]) == ("2000.00000000", "1600.00000000")
    assert level_and_status(b_mine["ETHUSDT"]) == ("1.25", "NORMAL")
    assert level_and_status(b_mine["BCHUSDT"]) == ("1.25", "NORMAL")

    # Day N+2: ETH 230, BCH 170.
    set_price(staff, "ETHUSDT", "230")
    tick = set_price(staff, "BCHUSDT", "170")
    assert tick["margin_calls"] == [isolated["BCHUSDT"]]
    assert tick["liquidations"] == []
    a_cross, b_mine = accounts(a)["cross"], accounts(b)
    assert level_and_status(a_cross) == ("1.25", "NORMAL")
    assert level_and_status(b_mine["ETHUSDT"]) == ("1.4375", "NORMAL")
    assert position(b, isolated["ETHUSDT"], "ETH")["unrealized_pnl"] == "150.00000000"
    assert level_and_status(b_mine["BCHUSDT"]) == ("1.0625", "MARGIN_CALL")
    calls = ok(b.get(f"{API}/margin-calls"))["results"]
    assert [(c["account"], c["margin_level"], c["margin_call_ratio"]) for c in calls] == [
        (isolated["BCHUSDT"], "1.0625", "1.1")
    ]
    assert ok(a.get(f"{API}/margin-calls"))["results"] == []
    assert [n["kind"] for n in ok(b.get(f"{API}/notifications"))["results"]] == ["margin_call"]

    # Day N+5: ETH 220, BCH 120. A's cross account is in margin call; B's BCH account is liquidated, and
    # B's ETH account is untouched.
    set_price(staff, "ETHUSDT", "220")
    tick = set_price(staff, "BCHUSDT", "120")
    assert tick["liquidations"] == [isolated["BCHUSDT"]]
    a_cross, b_mine = accounts(a)["cross"], accounts(b)
    assert level_and_status(a_cross) == ("1.0625", "MARGIN_CALL")
    assert level_and_status(b_mine["ETHUSDT"]) == ("1.375", "NORMAL")
    assert position(b, isolated["ETHUSDT"], "ETH")["unrealized_pnl"] == "100.00000000"
    liquidated = b_mine["BCHUSDT"]
    assert level_and_status(liquidated) == (None, "NORMAL")
    assert (liquidated["total_asset_value"], liquidated["total_debt"]) == ("0.00000000", "0.00000000")
    assert all(Decimal(row[k]) == 0 for row in liquidated["balances"] for k in ("free", "borrowed", "interest"))

    record = ok(b.get(f"{API}/liquidations"))["results"]
    assert len(record) == 1
    record = record[0]
    assert (record["account"], record["margin_level"], record["liquidation_ratio"], record["profile"]) == (
        isolated["BCHUSDT"],
        "0.75",
        "1.05",
        "classic",
    )
    assert record["prices"]["BCH"] == "120.00000000"
    assert record["shortfall"] == "200.00000000"
    assert "0.7500" in record["explanation"] and "classic" in record["explanation"]
    assert ok(a.get(f"{API}/liquidations"))["results"] == []
    assert accounts(a)["cross"]["balances"] != []
    assert_ledger_clean()
