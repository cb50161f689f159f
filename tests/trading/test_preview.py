"""The order preview (trading.services.preview, POST /api/v1/orders/preview): order_place itself in a
transaction that is rolled back. The order placed afterwards fills, levels and liquidates as previewed; the
database is the same after a preview, and no on_commit hook or Celery task leaks out of it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from celery.app.task import Task
from django.apps import apps

from core.errors import ApplicationError
from tests.api.api_helpers import API, assert_error, ok
from tests.api.conftest import client_for
from tests.helpers import cross, spot
from trading.selectors import account_summary_get, position_list
from trading.services.orders import order_place
from trading.services.preview import order_preview
from trading.services.transfers import transfer_create
from trading.templatetags.marginlab import amount

ORDER = {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.5", "side_effect": "MARGIN_BUY"}


def database(*, but: tuple = ()) -> dict:
    """Every row of every table, by model: what "changes nothing" is compared against."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.label not in but
    }


@pytest.fixture
def funded(alice, set_prices):
    set_prices(ETHUSDT=3500, BTCUSDT=95000)
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    return account


@pytest.fixture
def no_tasks(monkeypatch):
    sent = []
    monkeypatch.setattr(Task, "apply_async", lambda self, *a, **k: sent.append(self.name))
    return sent


def test_a_preview_then_the_same_order_fill_level_and_liquidation_price_alike(alice, funded):
    preview = order_preview(user=alice, account_id=funded.pk, **ORDER).outcome
    assert preview.accepted and preview.status == "FILLED" and preview.borrowed_amount > 0

    order = order_place(user=alice, account_id=funded.pk, **ORDER)

    summary = account_summary_get(account=funded)
    (position,) = [p for p in position_list(account=funded) if p.symbol == "ETHUSDT"]
    assert preview.fill_price == order.cummulative_quote_qty / order.executed_qty
    assert (preview.executed_qty, preview.borrowed_amount) == (order.executed_qty, order.borrowed_amount)
    assert preview.margin_level_after == summary.margin_level
    assert preview.liquidation_price_after == position.liquidation_price is not None
    assert preview.margin_level_before is None  # no debt before it


def test_a_preview_changes_nothing_and_leaks_no_side_effect(
    alice, funded, no_tasks, django_capture_on_commit_callbacks
):
    before = database()
    with django_capture_on_commit_callbacks() as callbacks:
        accepted = order_preview(user=alice, account_id=funded.pk, **ORDER)
        refused = order_preview(user=alice, account_id=funded.pk, **ORDER | {"quantity": "100"})
        resting = order_preview(
            user=alice, account_id=funded.pk, symbol="ETHUSDT", side="BUY", type="LIMIT", quantity="0.1", price="3000"
        )
    assert accepted.outcome.accepted and not refused.outcome.accepted and resting.outcome.status == "NEW"
    assert database() == before
    assert callbacks == [] and no_tasks == []


def test_a_refusal_is_placements_own(alice, funded):
    preview = order_preview(user=alice, account_id=funded.pk, **ORDER | {"quantity": "100"}).outcome
    with pytest.raises(ApplicationError) as placed:
        order_place(user=alice, account_id=funded.pk, **ORDER | {"quantity": "100"})
    assert preview.refusal == {
        "code": placed.value.code,
        "message": placed.value.message,
        "fields": placed.value.fields,
    }


def test_the_other_margin_mode_is_the_same_order_on_the_other_account(alice, eth_long):
    small = ORDER | {"quantity": "0.1"}
    preview = order_preview(user=alice, account_id=cross(alice).pk, **small)
    assert preview.other_mode is not None and preview.other_mode.account == eth_long
    placed = order_place(user=alice, account_id=eth_long.pk, **small)
    assert preview.other_mode.margin_level_after == account_summary_get(account=eth_long).margin_level
    assert preview.other_mode.borrowed_amount == placed.borrowed_amount


# --- the API ------------------------------------------------------------------------------------------


def test_the_api_previews_and_places_nothing(alice, funded, bob):
    api = client_for(alice)
    # A request through a token marks the token used: that is the sign-in, not the preview.
    before = database(but=("accounts.ApiToken",))
    body = ok(api.post(f"{API}/orders/preview", {"account": funded.pk, **ORDER}, format="json"))
    assert database(but=("accounts.ApiToken",)) == before
    assert body["outcome"]["accepted"] is True and body["outcome"]["status"] == "FILLED"
    assert D(body["outcome"]["fill_price"]) > 3500  # the taker's slippage
    assert body["other_mode"] is None and "no isolated ETHUSDT account" in body["other_mode_note"]

    refused = ok(api.post(f"{API}/orders/preview", {"account": funded.pk, **ORDER, "quantity": "100"}, format="json"))
    assert refused["outcome"]["accepted"] is False and refused["outcome"]["refusal"]["message"]


def test_the_api_refuses_bad_input_and_another_users_account(alice, funded, bob):
    api = client_for(bob)
    assert_error(api.post(f"{API}/orders/preview", {"account": funded.pk, **ORDER}, format="json"), 404)
    mine = client_for(alice)
    assert_error(
        mine.post(f"{API}/orders/preview", {"account": funded.pk, **ORDER, "quantity": "1e3"}, format="json"),
        400,
        "invalid",
        "quantity",
    )
    assert_error(mine.post(f"{API}/orders/preview", {"account": funded.pk, "symbol": "ETHUSDT"}, format="json"), 400)


# --- the web ticket -----------------------------------------------------------------------------------


def test_the_tickets_preview_button_shows_the_preview_and_places_nothing(client, alice, funded):
    client.force_login(alice)
    page = client.get(f"/accounts/{funded.pk}/").content.decode()
    assert f'hx-post="/accounts/{funded.pk}/order/preview"' in page
    form = {
        "ticket-mode": "cross",
        "ticket-symbol": "ETHUSDT",
        "ticket-side": "BUY",
        "ticket-type": "MARKET",
        "ticket-side_effect": "MARGIN_BUY",
        "ticket-quantity": "0.5",
    }
    before = database()
    html = client.post(f"/accounts/{funded.pk}/order/preview", form).content.decode()
    assert database() == before
    expected = order_preview(user=alice, account_id=funded.pk, **ORDER).outcome
    assert 'data-accepted="true"' in html and "Estimated liquidation price" in html
    assert amount(expected.liquidation_price_after) in html and amount(expected.fill_price) in html
    refused = client.post(f"/accounts/{funded.pk}/order/preview", form | {"ticket-quantity": "100"}).content.decode()
    assert 'data-accepted="false"' in refused and "Would be refused" in refused


def test_the_tickets_preview_of_another_users_account_is_404(client, bob, funded):
    client.force_login(bob)
    assert client.post(f"/accounts/{funded.pk}/order/preview", {"ticket-symbol": "ETHUSDT"}).status_code == 404
