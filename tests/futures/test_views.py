from decimal import Decimal as D

import pytest

from futures.models import FuturesOrder, FuturesPosition
from futures.services.orders import futures_order_place
from tests.futures.helpers import fund, usdt, wallet


@pytest.fixture
def web(client, thousand):
    client.force_login(thousand)
    return client


def act(web, symbol="BTCUSDT", **data):
    response = web.post(f"/futures/{symbol}/action", data, follow=True)
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def test_the_page_trades_through_the_services(web, thousand):
    assert act(web, action="transfer", type="MAIN_UMFUTURE", amount="1000") == ["Transfer done."]
    assert act(web, action="margin_type", margin_type="ISOLATED") == ["BTCUSDT is now ISOLATED."]
    assert act(web, action="leverage", leverage="5") == ["Leverage set to 5x."]
    messages = act(
        web, action="order", type="MARKET", side="BUY", quantity="0.01", price="ignored", time_in_force="GTC"
    )
    assert messages[0].endswith("filled.")
    page = web.get("/futures/BTCUSDT/")
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("80,321.20", "Add margin", "isolated 5x", "Funding", "max 125x", "Cross margin ratio"):
        assert text in html, text
    assert act(web, action="margin_add", amount="10") == ["Isolated margin changed."]
    assert usdt(thousand) == (D(790), D(210))
    assert act(web, action="close") == ["Position closed at market."]
    assert FuturesPosition.objects.get(account=wallet(thousand)).position_amt == 0


def test_errors_come_back_as_messages_and_change_nothing(web, thousand):
    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    assert act(web, action="margin_type", margin_type="ISOLATED") == [
        "Margin type cannot be changed if there exists position."
    ]
    assert act(web, action="leverage", leverage="0")[0].startswith("Leverage 0 is not valid")
    assert "ReduceOnly Order is rejected." in act(
        web, action="order", type="MARKET", side="BUY", quantity="0.01", reduce_only="on"
    )
    assert act(web, action="order", type="LIMIT", side="BUY", quantity="0.01", price="1.005")[0].startswith("price")
    assert FuturesOrder.objects.count() == 1


def test_another_users_order_cannot_be_cancelled_from_the_page(web, bob):
    fund(bob, 1000)
    order = futures_order_place(user=bob, symbol="BTCUSDT", side="BUY", type="LIMIT", quantity="0.01", price="90000")
    assert act(web, action="cancel", order_id=str(order.pk)) == ["Order does not exist."]
    order.refresh_from_db()
    assert order.status == "NEW"


def test_the_dashboard_shows_the_futures_wallet_and_positions(web, thousand):
    assert "futures-summary" in web.get("/").content.decode()
    assert "No futures wallet yet" in web.get("/futures/summary").content.decode()
    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.19")
    summary = web.get("/futures/summary").content.decode()
    assert "BTCUSDT" in summary and "1,000.00" in summary
    assert "keep at least 30 % as idle margin" in summary  # 950 of 1,000 is initial margin at 20x
    assert web.get("/").status_code == 200


def test_unknown_symbol_and_sign_in(web, client):
    assert web.get("/futures/DOGEUSDT/").status_code == 404
    web.logout()
    assert web.get("/futures/BTCUSDT/").status_code == 302


def test_the_futures_wallet_on_tradings_account_pages_does_not_break(web, thousand):
    fund(thousand, 100)
    assert web.get(f"/accounts/{wallet(thousand).pk}/").status_code in (200, 302, 404)
    assert web.get("/live/dashboard").status_code == 200
