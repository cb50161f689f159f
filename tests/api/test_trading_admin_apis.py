"""trading/apis/staff.py: staff settings and assets (staff only: 403 for a normal user, 401 for nobody)."""

from decimal import Decimal

import pytest

from tests.api.api_helpers import API, assert_error, ok
from trading.models import Asset, PlatformSettings


def test_settings_read_and_change(charlie_api):
    before = ok(charlie_api.get(f"{API}/admin/settings"))
    assert (before["taker_fee"], before["risk_profile"]) == ("0.001", "classic")

    body = ok(
        charlie_api.patch(
            f"{API}/admin/settings",
            {
                "maker_fee": "0",
                "taker_fee": "0.0005",
                "slippage_bps": "2.5",
                "liquidation_fee": "0.01",
                "risk_profile": "binance-2025",
            },
        )
    )

    assert (
        body["maker_fee"],
        body["taker_fee"],
        body["slippage_bps"],
        body["liquidation_fee"],
        body["risk_profile"],
    ) == (
        "0",
        "0.0005",
        "2.5",
        "0.01",
        "binance-2025",
    )
    settings = PlatformSettings.objects.get(pk=1)
    assert (settings.taker_fee, settings.risk_profile.name) == (Decimal("0.0005"), "binance-2025")


def test_a_partial_change_leaves_the_rest(charlie_api):
    ok(charlie_api.patch(f"{API}/admin/settings", {"slippage_bps": 0}))

    settings = PlatformSettings.objects.get(pk=1)
    assert (settings.slippage_bps, settings.taker_fee) == (0, Decimal("0.001"))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"maker_fee": "1"}, "maker_fee"),
        ({"taker_fee": "-0.1"}, "taker_fee"),
        ({"taker_fee": 0.1}, "taker_fee"),
        ({"slippage_bps": "10000"}, "slippage_bps"),
        ({"slippage_bps": "1.001"}, "slippage_bps"),
        ({"liquidation_fee": None}, "liquidation_fee"),
        ({"risk_profile": "yolo"}, "risk_profile"),
        ({"risk_profile": ["classic"]}, "risk_profile"),
    ],
)
def test_settings_bad_input_is_400_and_changes_nothing(charlie_api, data, field):
    assert_error(charlie_api.patch(f"{API}/admin/settings", data), 400, field=field)
    settings = PlatformSettings.objects.get(pk=1)
    assert (settings.maker_fee, settings.slippage_bps, settings.risk_profile.name) == (Decimal("0.001"), 5, "classic")


def test_the_fill_model_is_shown_and_set(charlie_api):
    assert ok(charlie_api.get(f"{API}/admin/settings"))["fill_model"] == "FIXED"  # the suite's platform

    assert ok(charlie_api.patch(f"{API}/admin/settings", {"fill_model": "BOOK"}))["fill_model"] == "BOOK"
    assert PlatformSettings.objects.get(pk=1).fill_model == "BOOK"
    assert ok(charlie_api.patch(f"{API}/admin/settings", {"fill_model": "FIXED"}))["fill_model"] == "FIXED"
    assert PlatformSettings.objects.get(pk=1).fill_model == "FIXED"


@pytest.mark.parametrize("value", ["book", "SLOW", "", ["BOOK"], 1, None, "BOOKS"])
def test_a_bad_fill_model_is_400_and_changes_nothing(charlie_api, value):
    assert_error(
        charlie_api.patch(f"{API}/admin/settings", {"fill_model": value}, format="json"), 400, field="fill_model"
    )
    assert PlatformSettings.objects.get(pk=1).fill_model == "FIXED"


def test_asset_change(charlie_api):
    body = ok(charlie_api.patch(f"{API}/admin/assets/eth", {"daily_interest_rate": "0", "borrow_limit": "10"}))

    assert (body["code"], body["daily_interest_rate"], body["borrow_limit"]) == ("ETH", "0", "10.00000000")
    eth = Asset.objects.get(code="ETH")
    assert (eth.daily_interest_rate, eth.borrow_limit) == (0, 10)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"daily_interest_rate": "1"}, "daily_interest_rate"),
        ({"borrow_limit": "-5"}, "borrow_limit"),
        ({"borrow_limit": []}, "borrow_limit"),
    ],
)
def test_asset_bad_input_is_400(charlie_api, data, field):
    assert_error(charlie_api.patch(f"{API}/admin/assets/ETH", data), 400, field=field)
    assert Asset.objects.get(code="ETH").daily_interest_rate == Decimal("0.0001")


def test_an_unknown_asset_is_404(charlie_api):
    assert_error(charlie_api.patch(f"{API}/admin/assets/NOPE", {"borrow_limit": "1"}), 404, "unknown_asset")
    assert_error(charlie_api.patch(f"{API}/admin/assets/no-pe", {"borrow_limit": "1"}), 404)


STAFF_ONLY = [
    ("get", "admin/settings", {}),
    ("patch", "admin/settings", {"maker_fee": "0"}),
    ("patch", "admin/assets/ETH", {"daily_interest_rate": "0"}),
    ("post", "admin/prices", {"symbol": "BTCUSDT", "price": "1.00"}),
    ("post", "admin/sweeps", {}),
]


@pytest.mark.parametrize(("method", "path", "data"), STAFF_ONLY)
def test_staff_only_is_403_for_a_normal_user(alice_api, method, path, data):
    assert_error(getattr(alice_api, method)(f"{API}/{path}", data), 403, "permission_denied")
    assert PlatformSettings.objects.get(pk=1).maker_fee == Decimal("0.001")
    assert Asset.objects.get(code="ETH").daily_interest_rate == Decimal("0.0001")


@pytest.mark.parametrize(("method", "path", "data"), STAFF_ONLY)
def test_staff_only_is_401_for_nobody(platform, anon, method, path, data):
    assert_error(getattr(anon, method)(f"{API}/{path}", data), 401, "not_authenticated")
