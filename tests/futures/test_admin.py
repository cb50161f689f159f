from decimal import Decimal as D

from futures.selectors import positions_nearest_liquidation
from futures.services.orders import futures_order_place
from futures.services.symbol_settings import futures_margin_type_set
from tests.futures.helpers import fund


def test_nearest_to_liquidation_orders_by_margin_ratio(fx, alice, bob, set_prices, client, charlie):
    fund(alice, 1000)
    fund(bob, 1000)
    futures_order_place(user=alice, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")  # cross
    futures_margin_type_set(user=bob, symbol="ETHUSDT", margin_type="ISOLATED")
    futures_order_place(user=bob, symbol="ETHUSDT", side="BUY", type="MARKET", quantity="1")  # 125 isolated
    set_prices(BTCUSDT=95000, ETHUSDT=2400)
    rows = positions_nearest_liquidation()
    # alice: 38 / 500 = 7.6 %; bob: 2400 x 0.5 % / (125 - 100) = 48 %
    assert [(r.info.code, ratio) for r, ratio in rows] == [("ETHUSDT", D("0.48")), ("BTCUSDT", D("0.076"))]
    charlie.is_superuser = True
    charlie.save(update_fields=["is_superuser"])
    client.force_login(charlie)
    page = client.get("/admin/futures/futuresposition/nearest/")
    assert page.status_code == 200 and "+48.00 %" in page.content.decode()
    for url in (
        "/admin/futures/futuresposition/",
        "/admin/futures/futuressymbol/",
        "/admin/futures/fundingrate/",
        "/admin/futures/leveragebracket/",
        "/admin/futures/income/",
        "/admin/futures/futuresliquidation/",
    ):
        assert client.get(url).status_code == 200, url
    symbol_id = rows[0][0].info.symbol.pk
    assert client.get(f"/admin/futures/futuressymbol/{symbol_id}/change/").status_code == 200
