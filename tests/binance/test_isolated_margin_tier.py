"""Binance's ``GET /sapi/v1/margin/isolatedMarginTier``: isolated tiered leverage, in Binance's shape.

Binance (https://developers.binance.com/docs/margin_trading/market-data/Query-Isolated-Margin-Tier-Data):
``symbol`` mandatory, ``tier`` optional ("All margin tier data will be returned if tier is omitted"); each
row symbol, tier, effectiveMultiple, initialRiskRatio, liquidationRiskRatio, baseAssetMaxBorrowable,
quoteAssetMaxBorrowable. The tiers and their ratios: "Tiered Leverage Function on Isolated Margin"
(https://www.binance.com/en/support/faq/7fbadf3c75914efc90e8b831709b644f). The bad-input tables of
``test_endpoints`` list the path too (symbol, tier).
"""

from tests.binance.conftest import signed
from tests.binance.test_endpoints import ok as binance_ok
from tests.binance.test_endpoints import refused
from trading.models import IsolatedMarginTier, Pair
from trading.services.accounts import isolated_account_open

TIER_PATH = "/sapi/v1/margin/isolatedMarginTier"


def test_binance_tier_data_lists_every_tier_of_the_pair_in_binances_shape(client, alice_keys):
    rows = binance_ok(signed(client, "get", TIER_PATH, alice_keys, {"symbol": "BTCUSDT"}))
    assert [r["tier"] for r in rows] == list(range(1, 11))  # a 10x pair without an account: its 10x table
    table = IsolatedMarginTier.objects.get(pair__symbol="BTCUSDT", leverage=10, tier=1)
    assert rows[0] == {
        "symbol": "BTCUSDT",
        "tier": 1,
        "effectiveMultiple": "10",
        "initialRiskRatio": "1.111",  # the classic profile's 10x tier, as tier 1 leaves it
        "liquidationRiskRatio": "1.05",
        "baseAssetMaxBorrowable": f"{table.base_max_borrowable.normalize():f}",
        "quoteAssetMaxBorrowable": "100000",
    }
    assert (rows[9]["effectiveMultiple"], rows[9]["initialRiskRatio"], rows[9]["quoteAssetMaxBorrowable"]) == (
        "5",
        "1.2496",
        "1000000",
    )
    one = binance_ok(signed(client, "get", TIER_PATH, alice_keys, {"symbol": "BTCUSDT", "tier": "2"}))
    assert [(r["tier"], r["initialRiskRatio"]) for r in one] == [(2, "1.1264")]


def test_binance_tier_data_follows_the_callers_leverage_and_no_one_elses(client, alice, bob, alice_keys, bob_keys):
    isolated_account_open(user=bob, symbol="ETHUSDT", leverage=3)
    # alice has no ETHUSDT account: the pair's maximum (10x); bob's 3x account changes nothing for her.
    assert len(binance_ok(signed(client, "get", TIER_PATH, alice_keys, {"symbol": "ETHUSDT"}))) == 10
    bobs = binance_ok(signed(client, "get", TIER_PATH, bob_keys, {"symbol": "ETHUSDT"}))
    assert [(r["effectiveMultiple"], r["initialRiskRatio"]) for r in bobs] == [
        ("3", "1.5"),
        ("2.14", "1.875"),
        ("1.8", "2.25"),
        ("1.61", "2.625"),
        ("1.5", "3"),
    ]


def test_binance_tier_data_follows_the_risk_profile(client, alice_keys, binance_profile):
    rows = binance_ok(signed(client, "get", TIER_PATH, alice_keys, {"symbol": "BCHUSDT"}))
    # binance-2025's isolated 5x: liquidation 1.15 in every tier (Binance: the same lines for all tiers).
    assert [(r["initialRiskRatio"], r["liquidationRiskRatio"]) for r in rows] == [
        ("1.25", "1.15"),
        ("1.3125", "1.15"),
        ("1.375", "1.15"),
        ("1.4375", "1.15"),
        ("1.5", "1.15"),
    ]


def test_binance_tier_data_refuses_bad_input_as_binance_does(client, alice_keys, platform):
    refused(signed(client, "get", TIER_PATH, alice_keys, {}), -1102)  # symbol is mandatory
    refused(signed(client, "get", TIER_PATH, alice_keys, {"symbol": "NOPEUSDT"}), -1121)
    refused(signed(client, "get", TIER_PATH, alice_keys, {"symbol": "BTCUSDT", "tier": "11"}), -1130)
    refused(signed(client, "get", TIER_PATH, alice_keys, {"symbol": "BTCUSDT", "tier": "1.5"}), -1100)
    Pair.objects.filter(symbol="BTCUSDT").update(isolated_enabled=False)
    refused(signed(client, "get", TIER_PATH, alice_keys, {"symbol": "BTCUSDT"}), -3028)
    assert client.get(f"{TIER_PATH}?symbol=BTCUSDT").status_code in (400, 401)  # unsigned: USER_DATA
