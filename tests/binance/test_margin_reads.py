"""The margin reads bots call besides trading: records, rates, single assets and pairs, maxima, status."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from risk.services.liquidation import account_liquidate
from tests.binance.conftest import signed
from tests.binance.test_endpoints import ok, refused
from tests.helpers import UNIT, amounts, cross, cross_owing, spot
from trading.models import LoanEvent
from trading.services.accounts import isolated_account_open
from trading.services.loans import interest_accrue_due, loan_borrow, loan_repay
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


@pytest.fixture
def loans(alice):
    """A cross account that borrowed twice, repaid once and was charged interest for its due hours."""
    account = cross_owing(alice)  # 1000 USDT own, 500 borrowed 3 hours ago
    interest_accrue_due()
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="100")
    loan_repay(user=alice, account_id=account.pk, asset="USDT", amount="50")
    return account


def test_borrow_repay_records_new_and_old_paths(client, alice_keys, loans):
    borrows = ok(signed(client, "get", "/sapi/v1/margin/borrow-repay", alice_keys, {"type": "BORROW"}))
    repays = ok(signed(client, "get", "/sapi/v1/margin/borrow-repay", alice_keys, {"type": "REPAY", "asset": "USDT"}))
    old_loans = ok(signed(client, "get", "/sapi/v1/margin/loan", alice_keys, {"asset": "USDT"}))
    old_repays = ok(signed(client, "get", "/sapi/v1/margin/repay", alice_keys, {"asset": "USDT"}))

    assert borrows["total"] == 2 and [r["principal"] for r in borrows["rows"]] == ["100.00000000", "500.00000000"]
    assert borrows["rows"][0]["type"] == "MANUAL" and "isolatedSymbol" not in borrows["rows"][0]
    repaid = repays["rows"][0]
    assert repays["total"] == 1 and repaid["amount"] == "50.00000000"
    assert Decimal(repaid["interest"]) + Decimal(repaid["principal"]) == Decimal(50)
    assert old_loans["rows"] == [{k: v for k, v in r.items() if k != "type"} for r in borrows["rows"]]
    assert old_repays["rows"][0]["txId"] == repaid["txId"]
    one = ok(
        signed(
            client, "get", "/sapi/v1/margin/loan", alice_keys, {"asset": "USDT", "txId": old_loans["rows"][1]["txId"]}
        )
    )
    assert one["total"] == 1 and one["rows"][0]["principal"] == "500.00000000"
    paged = ok(signed(client, "get", "/sapi/v1/margin/loan", alice_keys, {"asset": "USDT", "size": 1, "current": 2}))
    assert paged == {"rows": [old_loans["rows"][1]], "total": 2}
    assert ok(signed(client, "get", "/sapi/v1/margin/loan", alice_keys, {"asset": "ETH"})) == {"rows": [], "total": 0}
    refused(signed(client, "get", "/sapi/v1/margin/loan", alice_keys), -1102)  # asset is mandatory there
    refused(signed(client, "get", "/sapi/v1/margin/borrow-repay", alice_keys), -1102)  # and type here
    refused(signed(client, "get", "/sapi/v1/margin/borrow-repay", alice_keys, {"type": "LEND"}), -1130)


def test_interest_history_lists_the_hourly_charges(client, alice_keys, loans):
    history = ok(signed(client, "get", "/sapi/v1/margin/interestHistory", alice_keys, {"asset": "USDT"}))

    charged = LoanEvent.objects.filter(kind=LoanEvent.Kind.INTEREST)
    assert history["total"] == charged.count() >= 1
    row = history["rows"][0]
    assert row["type"] == "PERIODIC" and row["asset"] == "USDT" and Decimal(row["interest"]) > 0
    assert row["interestRate"] == f"{Decimal('0.0002') / 24:.8f}"
    assert sum(Decimal(r["interest"]) for r in history["rows"]) == sum(e.interest for e in charged)


def test_records_of_an_isolated_account_are_its_own(client, alice, alice_keys, loans):
    isolated = isolated_account_open(user=alice, symbol="ETHUSDT")
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=isolated.pk, asset="USDT", amount="100")
    loan_borrow(user=alice, account_id=isolated.pk, asset="USDT", amount="20")
    path = "/sapi/v1/margin/borrow-repay"

    own = ok(signed(client, "get", path, alice_keys, {"type": "BORROW", "isolatedSymbol": "ETHUSDT"}))

    assert [(r["principal"], r["isolatedSymbol"]) for r in own["rows"]] == [("20.00000000", "ETHUSDT")]
    assert ok(signed(client, "get", path, alice_keys, {"type": "BORROW"}))["total"] == 2  # the cross account's
    refused(signed(client, "get", path, alice_keys, {"type": "BORROW", "isolatedSymbol": "BTCUSDT"}), -11001)


def test_another_users_records_are_not_listed(client, bob_keys, loans):
    for path, params in (
        ("/sapi/v1/margin/borrow-repay", {"type": "BORROW"}),
        ("/sapi/v1/margin/loan", {"asset": "USDT"}),
        ("/sapi/v1/margin/repay", {"asset": "USDT"}),
        ("/sapi/v1/margin/interestHistory", {}),
        ("/sapi/v1/margin/forceLiquidationRec", {}),
    ):
        assert ok(signed(client, "get", path, bob_keys, params))["total"] == 0
    txid = LoanEvent.objects.filter(kind=LoanEvent.Kind.BORROW).first().pk
    assert ok(signed(client, "get", "/sapi/v1/margin/loan", bob_keys, {"asset": "USDT", "txId": txid}))["rows"] == []


def test_force_liquidation_records(client, alice, alice_keys, set_prices, zero_costs):
    set_prices(ETHUSDT=200)
    account = isolated_account_open(user=alice, symbol="ETHUSDT", leverage=5)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="100")
    order_place(user=alice, account_id=account.pk, symbol="ETHUSDT", side="BUY", quantity="2", side_effect="MARGIN_BUY")
    assert ok(signed(client, "get", "/sapi/v1/margin/forceLiquidationRec", alice_keys))["total"] == 0
    set_prices(ETHUSDT=150)
    assert account_liquidate(account_id=account.pk) is not None

    every = ok(signed(client, "get", "/sapi/v1/margin/forceLiquidationRec", alice_keys))
    isolated = ok(
        signed(client, "get", "/sapi/v1/margin/forceLiquidationRec", alice_keys, {"isolatedSymbol": "ETHUSDT"})
    )

    assert every == isolated and every["total"] == 1
    row = every["rows"][0]
    assert (row["symbol"], row["side"], row["isIsolated"], row["executedQty"]) == (
        "ETHUSDT",
        "SELL",
        True,
        "2.00000000",
    )
    assert row["avgPrice"] == "150.00000000"


def test_max_transferable_is_accepted_and_one_unit_more_refused(client, alice, alice_keys):
    cross_owing(alice)  # 1500 USDT held, 500 owed: the transfer-out ratio holds some back
    most = Decimal(
        ok(signed(client, "get", "/sapi/v1/margin/maxTransferable", alice_keys, {"asset": "USDT"}))["amount"]
    )
    out = {"type": "MARGIN_MAIN", "asset": "USDT"}
    assert 0 < most < 1500

    refused(signed(client, "post", "/sapi/v1/asset/transfer", alice_keys, out | {"amount": str(most + UNIT)}), -3020)
    ok(signed(client, "post", "/sapi/v1/asset/transfer", alice_keys, out | {"amount": str(most)}))
    assert ok(signed(client, "get", "/sapi/v1/margin/maxTransferable", alice_keys, {"asset": "USDT"}))["amount"] == (
        "0.00000000"
    )
    refused(signed(client, "get", "/sapi/v1/margin/maxTransferable", alice_keys, {"asset": "NOPE"}), -3027)
    refused(
        signed(
            client, "get", "/sapi/v1/margin/maxTransferable", alice_keys, {"asset": "USDT", "isolatedSymbol": "ETHUSDT"}
        ),
        -11001,
    )


def test_max_transferable_without_debt_is_the_free_balance(client, alice, alice_keys):
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="10"
    )
    most = ok(signed(client, "get", "/sapi/v1/margin/maxTransferable", alice_keys, {"asset": "USDT"}))["amount"]
    out = {"type": "2", "asset": "USDT"}

    assert most == "10.00000000"
    refused(signed(client, "post", "/sapi/v1/margin/transfer", alice_keys, out | {"amount": "10.00000001"}), -3041)
    ok(signed(client, "post", "/sapi/v1/margin/transfer", alice_keys, out | {"amount": most}))
    assert amounts(cross(alice), "USDT")[0] == 0


def test_single_asset_and_pairs_rates_and_fees(client, alice_keys, platform):
    key = {"HTTP_X_MBX_APIKEY": alice_keys[0]}
    asset = ok(client.get("/sapi/v1/margin/asset?asset=btc", **key))
    assert asset["assetName"] == "BTC" and asset["isBorrowable"] is True
    refused(client.get("/sapi/v1/margin/asset?asset=NOPE", **key), -3027)
    pair = ok(client.get("/sapi/v1/margin/pair?symbol=ETHUSDT", **key))
    assert {"symbol": "ETHUSDT", "base": "ETH", "quote": "USDT", "isMarginTrade": True}.items() <= pair.items()
    refused(client.get("/sapi/v1/margin/pair?symbol=NOPEUSDT", **key), -1121)
    isolated = ok(signed(client, "get", "/sapi/v1/margin/isolated/pair", alice_keys, {"symbol": "ETHUSDT"}))
    assert isolated["symbol"] == "ETHUSDT" and "id" not in isolated

    cross_data = ok(signed(client, "get", "/sapi/v1/margin/crossMarginData", alice_keys, {"coin": "USDT"}))
    assert cross_data[0]["dailyInterest"] == "0.00020000" and cross_data[0]["borrowable"] is True
    assert "ETHUSDT" in cross_data[0]["marginablePairs"] and cross_data[0]["vipLevel"] == 0
    assert len(ok(signed(client, "get", "/sapi/v1/margin/crossMarginData", alice_keys))) >= 8
    refused(signed(client, "get", "/sapi/v1/margin/crossMarginData", alice_keys, {"vipLevel": "1"}), -1130)
    isolated_data = ok(signed(client, "get", "/sapi/v1/margin/isolatedMarginData", alice_keys, {"symbol": "ETHUSDT"}))
    assert [d["coin"] for d in isolated_data[0]["data"]] == ["ETH", "USDT"]

    platform.maker_fee = Decimal("0.0005")
    platform.save()
    fees = ok(signed(client, "get", "/sapi/v1/asset/tradeFee", alice_keys, {"symbol": "ETHUSDT"}))
    assert fees == [{"symbol": "ETHUSDT", "makerCommission": "0.00050000", "takerCommission": "0.00100000"}]
    assert len(ok(signed(client, "get", "/sapi/v1/asset/tradeFee", alice_keys))) == 8
    assert ok(client.get("/sapi/v1/system/status")) == {"status": 0, "msg": "normal"}


def test_avg_price_is_the_mean_of_the_last_five_minutes(client, platform):
    from trading.services.markets import mark_price_set

    now = timezone.now()
    for minutes_ago, price in ((20, "1000"), (3, "3000"), (2, "3100"), (1, "3200")):
        mark_price_set(symbol="ETHUSDT", price=price, now=now - timedelta(minutes=minutes_ago))
    mark_price_set(symbol="ETHUSDT", price="3300", now=now)

    average = ok(client.get("/api/v3/avgPrice?symbol=ETHUSDT"))

    assert average["mins"] == 5 and average["price"] == "3150.00000000"  # (3000 + 3100 + 3200 + 3300) / 4
    assert average["closeTime"] <= int(timezone.now().timestamp() * 1000)
    refused(client.get("/api/v3/avgPrice?symbol=NOPEUSDT"), -1121)
    refused(client.get("/api/v3/avgPrice"), -1102)
