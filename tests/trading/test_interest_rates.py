"""Hourly interest rates that change: a schedule per asset, each hour charged at the rate in force at its start.

Binance: "interest accrues at the start of each hour", rates "change every hour", hourly = daily / 24
(https://www.binance.com/en/support/faq/360030157812); the history in
GET /sapi/v1/margin/interestRateHistory
(https://developers.binance.com/docs/margin_trading/borrow-and-repay/Query-Margin-Interest-Rate-History).
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from core.errors import ApplicationError
from tests.helpers import amounts, assert_ledger_clean, cross, spot
from trading import margin, selectors
from trading.models import Asset, InterestRate
from trading.services.interest_rates import clock_hour, interest_rate_schedule, interest_rates_refresh
from trading.services.loans import interest_accrue_due, loan_borrow, max_repayable_get
from trading.services.platform import asset_update
from trading.services.transfers import transfer_create

T_13_55 = datetime(2026, 11, 21, 13, 55, tzinfo=UTC)
T_15_00 = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
T_16_05 = datetime(2026, 11, 21, 16, 5, tzinfo=UTC)


def usdt() -> Asset:
    return Asset.objects.get(code="USDT")


# --- the pure rule -----------------------------------------------------------------------------------


def test_each_hour_takes_the_latest_entry_that_began_at_or_before_it():
    schedule = [(T_15_00, D("0.0048")), (datetime(2020, 1, 1, tzinfo=UTC), D("0.0002"))]
    rates = margin.hourly_rates(schedule=schedule, first_hour=clock_hour(T_13_55), hours=4)
    assert rates == [D("0.0002"), D("0.0002"), D("0.0048"), D("0.0048")]  # 13:00, 14:00, 15:00, 16:00


def test_an_hour_before_every_entry_has_no_rate():
    with pytest.raises(ValueError, match="no interest rate"):
        margin.hourly_rates(schedule=[(T_15_00, D("0.1"))], first_hour=T_15_00 - timedelta(hours=1), hours=1)


# --- the charge --------------------------------------------------------------------------------------


def test_migration_put_todays_rate_in_the_schedule_as_its_first_entry(platform):
    for asset in Asset.objects.all():
        first = InterestRate.objects.filter(asset=asset).order_by("effective_from").first()
        assert first is not None and first.daily_rate == asset.daily_interest_rate


def test_every_hour_is_charged_at_the_rate_of_that_hour(alice, platform):
    InterestRate.objects.filter(asset=usdt()).update(daily_rate=D("0.0002"))
    InterestRate.objects.create(asset=usdt(), effective_from=T_15_00, daily_rate=D("0.0048"))
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="1000", now=T_13_55)
    assert amounts(account, "USDT")[3] == D("0.00833333")  # 13:00 at 0.02 %: 1000 * 0.0002 / 24

    assert interest_accrue_due(now=T_16_05) == 1
    # 14:00 at 0.02 %, 15:00 and 16:00 at 0.48 %: 1000/24 * (0.0002 * 2 + 0.0048 * 2) = 0.41666667
    assert amounts(account, "USDT")[3] == D("0.41666667")
    assert interest_accrue_due(now=T_16_05) == 0  # each hour once
    assert_ledger_clean()


def test_the_max_repay_counts_the_due_hours_at_their_own_rates(alice, platform):
    InterestRate.objects.filter(asset=usdt()).update(daily_rate=D("0.0002"))
    InterestRate.objects.create(asset=usdt(), effective_from=T_15_00, daily_rate=D("0.0048"))
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    loan_borrow(user=alice, account_id=account.pk, asset="USDT", amount="1000", now=T_13_55)
    assert max_repayable_get(account=account, asset="USDT", now=T_16_05) == D("1000.41666667")


# --- staff set the schedule --------------------------------------------------------------------------


def test_a_rate_set_now_applies_from_this_hour_and_is_the_rate_shown(platform):
    entry = interest_rate_schedule(asset="usdt", daily_rate="0.0005")
    assert entry.effective_from == clock_hour(timezone.now())
    assert usdt().daily_interest_rate == D("0.0005")
    assert selectors.interest_rate_current(asset=usdt()) == D("0.0005")


def test_a_future_rate_is_shown_once_its_hour_begins(platform):
    start = clock_hour(timezone.now()) + timedelta(hours=2)
    interest_rate_schedule(asset="USDT", daily_rate="0.001", effective_from=start)
    assert usdt().daily_interest_rate == D("0.0002")  # not yet
    assert interest_rates_refresh(now=start - timedelta(minutes=1)) == 0
    assert interest_rates_refresh(now=start + timedelta(minutes=1)) == 1
    assert usdt().daily_interest_rate == D("0.001")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"effective_from": "past"}, "effective_from"),
        ({"effective_from": "half-past"}, "effective_from"),
        ({"daily_rate": "1"}, "daily_rate"),
        ({"daily_rate": "-0.1"}, "daily_rate"),
    ],
)
def test_a_bad_schedule_entry_is_refused_and_changes_nothing(platform, changes, field):
    hour = clock_hour(timezone.now())
    values = {"asset": "USDT", "daily_rate": "0.0003", "effective_from": hour + timedelta(hours=1)}
    values.update(changes)
    if values["effective_from"] == "past":
        values["effective_from"] = hour - timedelta(hours=1)
    elif values["effective_from"] == "half-past":
        values["effective_from"] = hour + timedelta(minutes=90)
    before = InterestRate.objects.count()
    with pytest.raises(ApplicationError) as refused:
        interest_rate_schedule(**values)
    assert field in refused.value.fields
    assert InterestRate.objects.count() == before


def test_the_staff_asset_update_writes_the_schedule(platform):
    asset_update(code="ETH", daily_interest_rate="0.0007")
    latest = InterestRate.objects.filter(asset__code="ETH").order_by("-effective_from").first()
    assert (latest.daily_rate, latest.effective_from) == (D("0.0007"), clock_hour(timezone.now()))


def test_staff_add_an_entry_in_the_admin_and_a_past_hour_is_refused(client, charlie):
    charlie.is_superuser = True
    charlie.save(update_fields=["is_superuser"])
    client.force_login(charlie)
    eth = Asset.objects.get(code="ETH")
    hour = clock_hour(timezone.now())
    form = {"asset": eth.pk, "effective_from_0": "", "effective_from_1": "", "daily_rate": "0.0009"}
    past = hour - timedelta(hours=1)
    response = client.post(
        "/admin/trading/interestrate/add/",
        form | {"effective_from_0": f"{past:%Y-%m-%d}", "effective_from_1": f"{past:%H:%M:%S}"},
    )
    assert response.status_code == 200 and b"this hour or later" in response.content
    later = hour + timedelta(hours=3)
    response = client.post(
        "/admin/trading/interestrate/add/",
        form | {"effective_from_0": f"{later:%Y-%m-%d}", "effective_from_1": f"{later:%H:%M:%S}"},
    )
    assert response.status_code == 302
    assert InterestRate.objects.filter(asset=eth, effective_from=later, daily_rate=D("0.0009")).exists()
    assert client.get(f"/admin/trading/asset/{eth.pk}/change/").status_code == 200


# --- the doors ---------------------------------------------------------------------------------------


def test_api_lists_the_schedule_newest_first(client, platform):
    later = clock_hour(timezone.now()) + timedelta(hours=1)
    interest_rate_schedule(asset="USDT", daily_rate="0.0003", effective_from=later)
    body = client.get("/api/v1/assets/usdt/interest-rates").json()
    rows = body["results"]
    assert [r["daily_interest_rate"] for r in rows] == ["0.0003", "0.0002"]
    assert rows[0]["asset"] == "USDT"
    assert client.get("/api/v1/assets/NOPE/interest-rates").status_code in (400, 404)


def test_the_account_page_shows_the_rate_in_force_now(client, alice, platform):
    interest_rate_schedule(asset="USDT", daily_rate="0.0003")
    client.force_login(alice)
    page = client.get(f"/accounts/{cross(alice).pk}/").content.decode()
    assert "Interest now" in page and "USDT 0.03 %" in page
