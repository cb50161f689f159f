"""The order book beside the ticket: an htmx fragment of the book the ticket's orders fill against."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from tests.helpers import cross
from trading.models import FillModel, PairBook, PlatformSettings
from trading.services.markets import mark_price_set

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def eth(platform):
    PlatformSettings.objects.filter(pk=1).update(fill_model=FillModel.BOOK)
    PairBook.objects.filter(pair__symbol="ETHUSDT").update(
        spread_bps=D(2), levels=3, level_spacing_bps=D(10), level_notional=D(1000), noise=D(0)
    )
    mark_price_set(symbol="ETHUSDT", price=D("2000"))


def test_the_account_page_polls_the_book_of_the_ticket_pair(alice_client, alice, eth):
    page = alice_client.get(reverse("account", args=[cross(alice).pk])).content.decode()
    assert 'id="depth"' in page
    assert f'hx-get="{reverse("depth-live")}?symbol=' in page
    assert 'hx-include="#id_ticket-symbol"' in page and "change from:#id_ticket-symbol" in page


def test_the_fragment_lists_asks_worst_first_then_the_mark_then_bids(alice_client, eth):
    html = alice_client.get(reverse("depth-live"), {"ticket-symbol": "ETHUSDT"}, **HTMX).content.decode()
    order = [html.index(text) for text in ("2004.2", "2002.2", "2000.2", "mark 2000", "1999.8", "1995.8")]
    assert order == sorted(order)
    assert "1.4982" in html  # the asks' running total at the worst level: the book's whole depth
    assert "fixed slippage" not in html


def test_the_fragment_says_when_the_platform_fills_at_fixed_slippage(alice_client, eth):
    PlatformSettings.objects.filter(pk=1).update(fill_model=FillModel.FIXED)
    html = alice_client.get(reverse("depth-live"), {"symbol": "ETHUSDT"}, **HTMX).content.decode()
    assert "fixed slippage" in html


def test_an_unknown_or_junk_symbol(alice_client, eth):
    assert "No book for NOPEUSDT" in alice_client.get(reverse("depth-live"), {"symbol": "NOPEUSDT"}).content.decode()
    assert alice_client.get(reverse("depth-live"), {"symbol": "<script>"}).status_code == 404
    assert alice_client.get(reverse("depth-live")).status_code == 404


def test_the_fragment_needs_a_signed_in_user(client, eth):
    response = client.get(reverse("depth-live"), {"symbol": "ETHUSDT"})
    assert response.status_code == 302 and reverse("login") in response["Location"]
