"""The htmx fragments that keep pages live (prices, margin levels, notifications) and the chart data."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Notification
from risk.services.tick import tick_run
from tests.helpers import margin_call_price
from trading.selectors import pair_get
from trading.services.markets import mark_price_set
from trading.templatetags.marginlab import amount

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_pages_poll_their_live_parts_every_few_seconds(alice_client, eth_long):
    dashboard = alice_client.get(reverse("dashboard")).content.decode()
    account = alice_client.get(reverse("account", args=[eth_long.pk])).content.decode()

    assert f'hx-get="{reverse("dashboard-live")}" hx-trigger="every 3s"' in dashboard
    assert f'hx-get="{reverse("prices-live")}" hx-trigger="load, every 3s"' in dashboard
    assert f'hx-get="{reverse("account-live", args=[eth_long.pk])}" hx-trigger="every 3s"' in account
    assert f'hx-get="{reverse("account-risk", args=[eth_long.pk])}" hx-trigger="load, every 3s"' in account
    assert "/static/django_htmx/htmx-2.min.js" in dashboard
    assert "/static/vendor/plotly.min.js" in account  # served from the installed plotly package


def test_the_chart_library_and_htmx_are_served_as_static_files():
    from django.contrib.staticfiles import finders

    plotly = finders.find("vendor/plotly.min.js")
    assert plotly and plotly.endswith("plotly/package_data/plotly.min.js")
    assert finders.find("django_htmx/htmx-2.min.js")


def test_account_fragment_follows_the_mark_price(alice_client, eth_long):
    url = reverse("account-live", args=[eth_long.pk])
    before = alice_client.get(url, **HTMX)
    mark_price_set(symbol="ETHUSDT", price=margin_call_price(eth_long))

    after = alice_client.get(url, **HTMX)

    assert before.status_code == after.status_code == 200
    assert "<html" not in after.content.decode()  # a fragment, not a page
    assert before.context["summary"].status == "NORMAL"
    assert after.context["summary"].status == "MARGIN_CALL"
    assert 'id="account-status">MARGIN_CALL' in after.content.decode()
    assert after.context["summary"].margin_level < before.context["summary"].margin_level


def test_prices_fragment_shows_every_pair_with_its_change(alice_client, eth_long):
    mark_price_set(symbol="ETHUSDT", price=Decimal("3850"))

    html = alice_client.get(reverse("prices-live"), **HTMX).content.decode()
    table = alice_client.get(reverse("prices-live"), {"table": "1"}, **HTMX).content.decode()

    assert 'data-symbol="ETHUSDT"' in html and "3,850.00" in html
    assert "+10.00 %" in html  # from 3500 at the start of the last 24 hours
    assert '<tr data-symbol="ETHUSDT">' in table


def test_notifications_fragment_counts_unread_and_lists_the_latest(alice_client, alice, eth_long):
    mark_price_set(symbol="ETHUSDT", price=margin_call_price(eth_long))
    tick_run(moved=[(pair_get(symbol="ETHUSDT"), margin_call_price(eth_long))])

    badge = alice_client.get(reverse("notifications-live"), **HTMX)
    listed = alice_client.get(reverse("notifications-live"), {"list": "1"}, **HTMX)

    assert badge.context["unread"] == 1
    assert 'data-unread="1"' in badge.content.decode()
    assert "Margin call on your isolated ETHUSDT account" in listed.content.decode()
    assert 'hx-swap-oob="true"' in listed.content.decode()  # the badge in the top bar follows


def test_mark_read_by_htmx_answers_the_fragment(alice_client, alice, eth_long):
    note = Notification.objects.create(user=alice, kind="info", title="hi")

    response = alice_client.post(reverse("notification-read", args=[note.pk]), **HTMX)
    all_read = alice_client.post(reverse("notifications-read-all"), {"next": "/"})

    note.refresh_from_db()
    assert note.read_at is not None
    assert response.context["unread"] == 0
    assert all_read.status_code == 302 and all_read.url == "/"


def test_risk_fragment_shows_the_margin_call_then_the_liquidation_with_its_explanation(alice_client, eth_long):
    url = reverse("account-risk", args=[eth_long.pk])
    eth = pair_get(symbol="ETHUSDT")
    assert "None so far" in alice_client.get(url, **HTMX).content.decode()

    price = margin_call_price(eth_long)
    mark_price_set(symbol="ETHUSDT", price=price)
    tick_run(moved=[(eth, price)])
    called = alice_client.get(url, **HTMX).content.decode()
    mark_price_set(symbol="ETHUSDT", price=Decimal("2500"))
    tick_run(moved=[(eth, Decimal("2500"))])
    liquidated = alice_client.get(url, **HTMX).content.decode()

    assert "Margin call on your isolated ETHUSDT account" in called
    assert "1.1000" in called and "classic" in called
    assert "Your isolated ETHUSDT account was liquidated" in liquidated
    assert "was liquidated: its margin level" in liquidated  # the record's own explanation
    assert "at or below the liquidation ratio 1.05" in liquidated


def test_levels_json_has_the_history_the_live_level_and_the_lines(alice_client, eth_long):
    eth = pair_get(symbol="ETHUSDT")
    price = margin_call_price(eth_long)
    mark_price_set(symbol="ETHUSDT", price=price)
    tick_run(moved=[(eth, price)])

    data = alice_client.get(reverse("account-levels", args=[eth_long.pk])).json()

    assert data["lines"] == {"margin_call": "1.100000", "liquidation": "1.050000", "initial": "1.250000"}
    assert [s["status"] for s in data["snapshots"]][-1] == "MARGIN_CALL"
    assert len(data["margin_calls"]) == 1
    assert Decimal(data["now"]["level"]) < Decimal("1.1")
    assert data["now"]["status"] == "MARGIN_CALL"


def test_candles_json_oldest_first(alice_client, eth_long):
    mark_price_set(symbol="ETHUSDT", price=Decimal("3600"))

    data = alice_client.get(reverse("candles", args=["ETHUSDT"]), {"interval": "1h"}).json()
    bad = alice_client.get(reverse("candles", args=["ETHUSDT"]), {"interval": "5m"})
    unknown = alice_client.get(reverse("candles", args=["NOPEUSDT"]))

    assert data["symbol"] == "ETHUSDT" and data["mark"] == "3600"
    assert data["candles"][-1]["c"] == "3600.00000000"
    assert bad.status_code == 400
    assert unknown.status_code == 404


def test_an_htmx_poll_after_sign_out_sends_the_page_to_sign_in(client, platform):
    response = client.get(reverse("dashboard-live"), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/")

    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))
    assert client.get(reverse("dashboard-live")).status_code == 302  # a plain request: the usual redirect


def test_a_liquidated_account_shows_it_until_the_notice_is_read_and_labels_its_trades_and_fee(alice_client, eth_long):
    eth = pair_get(symbol="ETHUSDT")
    # Just under the 1.05 liquidation line, so equity is left and a fee is charged.
    price = (margin_call_price(eth_long) * Decimal("1.04") / Decimal("1.08")).quantize(Decimal("0.01"))
    mark_price_set(symbol="ETHUSDT", price=price)
    tick_run(moved=[(eth, price)])
    card = alice_client.get(reverse("account-live", args=[eth_long.pk]), **HTMX).content.decode()
    dashboard = alice_client.get(reverse("dashboard-live"), **HTMX).content.decode()
    page = alice_client.get(reverse("account", args=[eth_long.pk])).content.decode()
    fee = eth_long.liquidations.get().fee

    assert 'id="account-status">LIQUIDATED' in card and ">NORMAL<" not in card
    assert 'id="liquidated-notice"' in card and "reached the liquidation ratio" in card  # the notice's own words
    assert ">LIQUIDATED</span>" in dashboard
    assert fee > 0
    assert '<span class="tag tag-liquidation">LIQUIDATION</span>' in page
    assert f"liquidation fee {amount(fee)} USDT" in page

    note = Notification.objects.get(kind="liquidation", account_ref=eth_long.pk)
    alice_client.post(reverse("notification-read", args=[note.pk]), {"next": "/"})
    card = alice_client.get(reverse("account-live", args=[eth_long.pk]), **HTMX).content.decode()

    assert "LIQUIDATED" not in card and 'id="account-status">NORMAL' in card
