"""The futures order preview (futures.services.orders.preview, POST /api/v1/futures/orders/preview): placement
itself (its input checks, then its wallet and margin checks and the fill) in a transaction rolled back. The
order placed afterwards fills and liquidates as previewed; the database is the same after a preview."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from futures.services.orders import futures_order_place, placement
from futures.services.orders.preview import futures_order_preview
from futures.services.symbol_settings import futures_leverage_set
from tests.api.api_helpers import API, assert_error
from tests.futures.helpers import fund, state
from tests.trading.test_preview import database

ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.1"}


@pytest.fixture
def costs(fx):
    """A taker fee and slippage, so that the fill price and the fee are not the mark's."""
    fx.taker_fee, fx.slippage_bps = D("0.0005"), D(5)
    fx.save()
    return fx


@pytest.fixture
def funded(thousand, costs):
    fund(thousand, 1000)
    return thousand


def test_a_preview_then_the_same_order_fills_and_liquidates_alike(funded):
    preview = futures_order_preview(user=funded, **ORDER)
    o = preview.outcome
    assert (o.accepted, o.margin_type, o.status) == (True, "CROSSED", "FILLED")
    assert o.fill_price == D("100050")  # 100,000 moved 5 bps against the buyer
    assert o.fee == D("5.0025")  # 0.1 x 100,050 x 0.05 %
    # 20x: 500.25 of initial margin at the fill price... at the mark, 500; the 5 of open loss and the fee
    assert o.margin_required == D(500) + D(5) + D("5.0025")
    order = futures_order_place(user=funded, **ORDER)
    after = state(funded)
    risk = after.position("BTCUSDT")
    assert order.avg_price == o.fill_price
    assert risk.liquidation_price == o.liquidation_price_after
    assert after.cross_margin_ratio == o.margin_ratio_after
    assert after.available_balance == o.available_after


def test_a_preview_changes_nothing(funded):
    before = database(but=("sessions.Session",))
    preview = futures_order_preview(user=funded, **ORDER)
    assert preview.outcome.accepted and preview.other_mode is not None  # the other mode ran too
    assert database(but=("sessions.Session",)) == before


def test_a_preview_sends_nothing_after_commit(funded, monkeypatch, django_capture_on_commit_callbacks):
    """A side effect that placement registers for after its commit (a notice, an e-mail, a Celery task) is
    discarded with the preview's rolled-back transaction, in both margin modes; the order placed runs it."""
    sent = []
    real_fill = placement.fill

    def fill_and_notify(*args, **kwargs):
        transaction.on_commit(lambda: sent.append("filled"))
        return real_fill(*args, **kwargs)

    monkeypatch.setattr(placement, "fill", fill_and_notify)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        preview = futures_order_preview(user=funded, **ORDER)
    assert preview.outcome.accepted and preview.other_mode is not None and preview.other_mode.accepted
    assert (callbacks, sent) == ([], [])
    with django_capture_on_commit_callbacks(execute=True):
        futures_order_place(user=funded, **ORDER)
    assert sent == ["filled"]


def test_the_other_margin_mode(funded):
    preview = futures_order_preview(user=funded, **ORDER)
    other = preview.other_mode
    assert other is not None and other.margin_type == "ISOLATED"
    # isolated: the position's own 500.25 of margin (the opening notional at the fill price / 20, up to 8 places)
    # backs it, so it is liquidated much sooner than with the whole wallet behind it
    assert other.liquidation_price_after > preview.outcome.liquidation_price_after
    futures_order_place(user=funded, **ORDER)
    again = futures_order_preview(user=funded, **ORDER)
    assert again.other_mode is None
    assert "position" in again.other_mode_note  # Binance: no switch with a position open (-4048)


def test_a_refusal_is_the_answer_placement_gives(funded):
    too_big = {**ORDER, "quantity": "0.3"}  # 1,500 of initial margin at 20x with 1,000 in
    preview = futures_order_preview(user=funded, **too_big)
    assert not preview.outcome.accepted
    assert preview.outcome.refusal["code"] == "insufficient_margin"
    futures_leverage_set(user=funded, symbol="BTCUSDT", leverage=50)
    assert futures_order_preview(user=funded, **too_big).outcome.accepted  # 600 at 50x


def test_the_api(funded, bob):
    api = APIClient()
    api.force_authenticate(funded)
    url = f"{API}/futures/orders/preview"
    body = api.post(url, ORDER, format="json").json()
    assert body["outcome"]["accepted"] is True and body["outcome"]["fill_price"] == "100050.00000000"
    assert body["other_mode"]["margin_type"] == "ISOLATED"
    assert_error(api.post(url, {**ORDER, "quantity": "abc"}, format="json"), 400)
    assert_error(api.post(url, {**ORDER, "symbol": "NOPEUSDT"}, format="json"), 400)
    assert_error(api.post(url, {**ORDER, "quantity": "0.0001"}, format="json"), 400)  # the lot size
    refused = api.post(url, {**ORDER, "quantity": "0.3"}, format="json")
    assert refused.status_code == 200 and refused.json()["outcome"]["refusal"]["code"] == "insufficient_margin"


def test_the_ticket_shows_the_preview(funded, client):
    client.force_login(funded)
    assert b'hx-post="/futures/BTCUSDT/preview"' in client.get("/futures/BTCUSDT/").content
    before = database(but=("sessions.Session",))
    body = {"action": "order", "type": "MARKET", "quantity": "0.1", "side": "BUY", "time_in_force": "GTC"}
    page = client.post("/futures/BTCUSDT/preview", body).content.decode()
    assert "This order" in page and "100,050" in page and "The same order in the other margin mode" in page
    assert "Would be refused" in client.post("/futures/BTCUSDT/preview", {**body, "quantity": "0.3"}).content.decode()
    assert (
        "Quantity must be a decimal number"
        in client.post("/futures/BTCUSDT/preview", {**body, "quantity": "x"}).content.decode()
    )
    assert database(but=("sessions.Session",)) == before


def test_a_preview_without_a_futures_wallet_opens_none(bob, costs):
    before = database(but=("sessions.Session",))
    preview = futures_order_preview(user=bob, **ORDER)
    assert not preview.outcome.accepted and preview.outcome.refusal["code"] == "insufficient_margin"
    assert database(but=("sessions.Session",)) == before  # not even the wallet the placement would open


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/futures/BTCUSDT/preview"), ("get", "/futures/BTCUSDT/live"), ("get", "/futures/summary")],
)
def test_an_htmx_fragment_after_sign_out_sends_the_page_to_sign_in(client, fx, method, path):
    """The ticket's preview (and the page's polls) swap a fragment: once the session ended, htmx is told to
    load the sign-in page, rather than having it swapped in under the ticket."""
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/futures/BTCUSDT/"}
    response = getattr(client, method)(path, **htmx)
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))
    assert getattr(client, method)(path).status_code == 302  # a plain request: the usual redirect
