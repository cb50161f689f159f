"""A bot pointed at a class: key pairs made by the member on the class API, and the Binance-compatible
API answering a class key in the class (its accounts, its prices, Binance's names), a personal key never."""

from decimal import Decimal as D

import pytest

from accounts.api_keys import api_key_create
from accounts.models import ApiKey
from classrooms.services.classes import membership_join
from tests.api.api_helpers import API, assert_error, ok, results
from tests.api.conftest import client_for
from tests.binance.conftest import signed
from tests.classrooms.helpers import class_account
from tests.helpers import amounts, assert_ledger_clean, spot, weights_of_this_test
from trading.models import AccountKind, Order
from trading.services.markets import mark_price_set


@pytest.fixture(autouse=True)
def _fresh_weights(monkeypatch):
    weights_of_this_test(monkeypatch)


@pytest.fixture
def class_prices(classroom):
    """The class's ETH at 300 while the main market's stays at 200."""
    for class_pair in classroom.class_pairs.select_related("source", "pair"):
        price = D(300) if class_pair.source.symbol == "ETHUSDT" else D(100)
        mark_price_set(symbol=class_pair.pair.symbol, price=price, market=classroom.market)


def class_keys(member, *, can_trade=True):
    created = ok(
        client_for(member.student).post(
            f"{API}/classes/{member.classroom_id}/api-keys", {"label": "bot", "can_trade": can_trade}, format="json"
        ),
        201,
    )
    return created["api_key"], created["secret"]


def test_a_member_makes_lists_and_revokes_class_keys(members, erin, frank, dana, alice):
    erin_m, _ = members
    erin_api = client_for(erin)
    created = ok(erin_api.post(f"{API}/classes/{erin_m.classroom_id}/api-keys", {"label": "grid"}, format="json"), 201)
    assert len(created["secret"]) == 64 and created["can_trade"] is False
    key = ApiKey.objects.get(pk=created["id"])
    assert key.user_id == erin_m.holder_id and key.market_ref == erin_m.classroom.market_id
    listed = results(erin_api.get(f"{API}/classes/{erin_m.classroom_id}/api-keys"))
    assert [k["id"] for k in listed] == [created["id"]] and "secret" not in listed[0]
    # The personal key list is the student's own: a class key is not in it, nor a personal key in the class's.
    assert results(erin_api.get(f"{API}/api-keys")) == []
    # Another member, the instructor and a stranger never see or revoke it.
    frank_api = client_for(frank)
    assert results(frank_api.get(f"{API}/classes/{erin_m.classroom_id}/api-keys")) == []
    assert_error(frank_api.delete(f"{API}/classes/{erin_m.classroom_id}/api-keys/{created['id']}"), 404)
    assert_error(client_for(dana).get(f"{API}/classes/{erin_m.classroom_id}/api-keys"), 403, "not_a_member")
    assert_error(client_for(alice).post(f"{API}/classes/{erin_m.classroom_id}/api-keys", {}, format="json"), 404)
    # A personal key's id is not found in the class.
    personal, _ = api_key_create(user=erin, label="mine")
    assert_error(erin_api.delete(f"{API}/classes/{erin_m.classroom_id}/api-keys/{personal.pk}"), 404)
    assert_error(
        erin_api.post(f"{API}/classes/{erin_m.classroom_id}/api-keys", {"can_trade": "yes"}, format="json"), 400
    )
    ok(erin_api.delete(f"{API}/classes/{erin_m.classroom_id}/api-keys/{created['id']}"), 204)
    assert not ApiKey.objects.filter(pk=created["id"]).exists() and ApiKey.objects.filter(pk=personal.pk).exists()


def test_a_class_key_trades_the_class_at_its_prices_and_a_personal_key_never_reaches_it(
    client, members, erin, class_prices
):
    erin_m, _ = members
    keys = class_keys(erin_m)
    personal_key, personal_secret = api_key_create(user=erin, label="mine", can_trade=True)
    personal = (personal_key.api_key, personal_secret)
    personal_before = amounts(spot(erin), "USDT")

    # Prices: the class's under the main name, with the key; the main market's without it.
    assert signed(client, "get", "/api/v3/ticker/price", keys, {"symbol": "ETHUSDT"}).json() == {
        "symbol": "ETHUSDT",
        "price": "300.00000000",
    }
    assert client.get("/api/v3/ticker/price?symbol=ETHUSDT").json()["price"] == "200.00000000"
    listed = client.get("/api/v3/exchangeInfo", HTTP_X_MBX_APIKEY=keys[0]).json()
    assert sorted(s["symbol"] for s in listed["symbols"]) == ["BCHUSDT", "ETHUSDT"]
    assert {s["baseAsset"] for s in listed["symbols"]} == {"BCH", "ETH"}

    bought = signed(
        client,
        "post",
        "/api/v3/order",
        keys,
        {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "1", "newOrderRespType": "FULL"},
    ).json()
    assert bought["symbol"] == "ETHUSDT" and bought["status"] == "FILLED", bought
    assert D(bought["cummulativeQuoteQty"]) == D(300)
    order = Order.objects.get(pk=bought["orderId"])
    assert order.account.user_id == erin_m.holder_id and order.pair.market_id == erin_m.classroom.market_id

    balances = {
        b["asset"]: b["free"] for b in signed(client, "get", "/api/v3/account", keys).json()["balances"] if D(b["free"])
    }
    assert balances == {"ETH": "1.00000000", "USDT": "700.00000000"}
    assert amounts(class_account(erin_m, AccountKind.SPOT), "USDT")[0] == D(700)
    # The personal key sees the personal wallet, and the class order is unknown to it.
    personal_balances = signed(client, "get", "/api/v3/account", personal).json()["balances"]
    assert {b["asset"] for b in personal_balances if D(b["free"])} == {"USDT"}
    unknown = signed(client, "get", "/api/v3/order", personal, {"symbol": "ETHUSDT", "orderId": order.pk})
    assert unknown.json()["code"] == -2013
    assert amounts(spot(erin), "USDT") == personal_before
    assert_ledger_clean()


def test_another_class_members_ids_are_unknown_to_a_class_key(client, members, other_classroom, frank, class_prices):
    erin_m, frank_m = members
    frank_other, _ = membership_join(user=frank, code=other_classroom.join_code)
    erin_keys, frank_keys, other_keys = class_keys(erin_m), class_keys(frank_m), class_keys(frank_other)
    placed = signed(
        client,
        "post",
        "/api/v3/order",
        erin_keys,
        {"symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "quantity": "1", "price": "250", "timeInForce": "GTC"},
    ).json()
    assert placed["status"] == "NEW", placed
    for keys in (frank_keys, other_keys):
        found = signed(client, "get", "/api/v3/order", keys, {"symbol": "ETHUSDT", "orderId": placed["orderId"]})
        assert found.json()["code"] == -2013
        cancel = signed(client, "delete", "/api/v3/order", keys, {"symbol": "ETHUSDT", "orderId": placed["orderId"]})
        assert cancel.json()["code"] == -2011
    # The other class's market: its own prices (the main ones it copied), not erin's class's.
    other_price = signed(client, "get", "/api/v3/ticker/price", other_keys, {"symbol": "ETHUSDT"}).json()["price"]
    assert other_price == "200.00000000"
    assert Order.objects.get(pk=placed["orderId"]).status == Order.Status.NEW
