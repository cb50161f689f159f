"""The real python-binance, pointed at a class with a class key pair: it trades in the class, at the
class's prices, under Binance's names, and the student's personal balances stay as they were. Transactional,
as tests/binance/test_libraries.py (the library talks HTTP to the live server in a thread)."""

from decimal import Decimal as D

import pytest

from classrooms.services.api_keys import member_api_key_create
from tests.binance.clients import marginlab_python_binance
from tests.classrooms.helpers import class_account
from tests.helpers import amounts, assert_ledger_clean, cross, spot, weights_of_this_test
from trading.models import AccountKind, Order
from trading.services.markets import mark_price_set

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _fresh_weights(monkeypatch):
    weights_of_this_test(monkeypatch)


def test_python_binance_with_a_class_key_trades_in_the_class(live_server, members, erin):
    erin_m, _ = members
    market = erin_m.classroom.market
    for class_pair in erin_m.classroom.class_pairs.select_related("source", "pair"):
        mark_price_set(
            symbol=class_pair.pair.symbol, price=D(300 if class_pair.source.symbol == "ETHUSDT" else 150), market=market
        )
    api_key, secret = member_api_key_create(user=erin, classroom_id=erin_m.classroom_id, can_trade=True)
    personal = {kind: amounts(account, "USDT") for kind, account in (("spot", spot(erin)), ("cross", cross(erin)))}
    client = marginlab_python_binance(live_server.url, (api_key.api_key, secret))
    try:
        assert client.get_symbol_ticker(symbol="ETHUSDT") == {"symbol": "ETHUSDT", "price": "300.00000000"}
        assert {s["symbol"] for s in client.get_exchange_info()["symbols"]} == {"ETHUSDT", "BCHUSDT"}
        client.transfer_spot_to_margin(asset="USDT", amount="600")
        bought = client.create_margin_order(
            symbol="ETHUSDT", side="BUY", type="MARKET", quantity="3", sideEffectType="MARGIN_BUY"
        )
        assert bought["status"] == "FILLED" and bought["symbol"] == "ETHUSDT"
        assert D(bought["cummulativeQuoteQty"]) == D(900)  # the class's price, no slippage or fee (zero_costs)
        account = client.get_margin_account()
        held = {a["asset"]: a for a in account["userAssets"] if D(a["netAsset"]) or D(a["borrowed"])}
        assert set(held) == {"ETH", "USDT"} and held["ETH"]["free"] == "3.00000000"
        assert held["USDT"]["borrowed"] == "300.00000000"
        assert client.create_isolated_margin_account(base="BCH", quote="USDT") == {"success": True, "symbol": "BCHUSDT"}
        assert client.get_isolated_margin_account()["assets"][0]["symbol"] == "BCHUSDT"
    finally:
        client.close_connection()
    order = Order.objects.get(pk=bought["orderId"])
    assert order.account == class_account(erin_m, AccountKind.CROSS)
    assert {kind: amounts(a, "USDT") for kind, a in (("spot", spot(erin)), ("cross", cross(erin)))} == personal
    assert_ledger_clean()
