"""Signing as Binance signs: whatever is refused is refused with Binance's code, and changes nothing."""

import time
from decimal import Decimal

import pytest

from accounts.models import ApiKey
from tests.binance.conftest import sign, signed
from tests.helpers import amounts, cross, spot
from trading.models import Order
from trading.services.orders import order_place
from trading.services.transfers import transfer_create

ORDER = "/sapi/v1/margin/order"
ACCOUNT = "/sapi/v1/margin/account"
BUY = {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.1"}


@pytest.fixture
def funded(alice):
    transfer_create(
        user=alice, from_account_id=spot(alice).pk, to_account_id=cross(alice).pk, asset="USDT", amount="1000"
    )
    return cross(alice)


def state(account):
    return Order.objects.count(), amounts(account, "USDT"), amounts(account, "ETH")


def refused(response, code: int, status: int = 400) -> dict:
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    assert set(body) == {"code", "msg"}
    return body


def test_a_signed_order_is_placed(client, alice_keys, funded):
    response = signed(client, "post", ORDER, alice_keys, BUY)

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "FILLED" and response.json()["executedQty"] == "0.10000000"


def test_a_bad_signature_is_refused_and_changes_nothing(client, alice_keys, funded):
    before = state(funded)

    body = refused(signed(client, "post", ORDER, alice_keys, BUY, secret="not-the-secret"), -1022)

    assert body["msg"] == "Signature for this request is not valid."
    assert state(funded) == before


def test_a_tampered_parameter_breaks_the_signature(client, alice_keys, funded):
    key, secret = alice_keys
    query = f"symbol=ETHUSDT&side=BUY&type=MARKET&quantity=0.1&timestamp={int(time.time() * 1000)}"
    signature = sign(secret, query)
    before = state(funded)

    response = client.post(
        ORDER,
        data=query.replace("0.1", "0.2") + f"&signature={signature}",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_MBX_APIKEY=key,
    )

    refused(response, -1022)
    assert state(funded) == before


def test_an_old_timestamp_is_refused_and_changes_nothing(client, alice_keys, funded):
    before = state(funded)

    body = refused(signed(client, "post", ORDER, alice_keys, BUY, timestamp=int(time.time() * 1000) - 6000), -1021)

    assert body["msg"] == "Timestamp for this request is outside of the recvWindow."
    assert state(funded) == before


def test_recv_window_widens_the_window_up_to_a_minute(client, alice_keys, funded):
    old = int(time.time() * 1000) - 6000

    assert signed(client, "get", ACCOUNT, alice_keys, {"recvWindow": 10000}, timestamp=old).status_code == 200
    refused(signed(client, "get", ACCOUNT, alice_keys, {"recvWindow": 60001}), -1131)


def test_a_timestamp_from_the_future_is_refused(client, alice_keys):
    body = refused(signed(client, "get", ACCOUNT, alice_keys, timestamp=int(time.time() * 1000) + 5000), -1021)

    assert "ahead of the server's time" in body["msg"]


def test_missing_timestamp_signature_and_key(client, alice_keys):
    key, secret = alice_keys
    query = "recvWindow=5000"

    refused(client.get(f"{ACCOUNT}?{query}&signature={sign(secret, query)}", HTTP_X_MBX_APIKEY=key), -1102)
    refused(client.get(f"{ACCOUNT}?timestamp={int(time.time() * 1000)}", HTTP_X_MBX_APIKEY=key), -1102)
    refused(client.get(f"{ACCOUNT}?timestamp=1&signature=x"), -2014, status=401)
    refused(signed(client, "get", ACCOUNT, ("x" * 64, secret)), -2015, status=401)


def test_a_read_only_key_reads_but_cannot_trade(client, alice_read_only_keys, funded):
    before = state(funded)

    assert signed(client, "get", ACCOUNT, alice_read_only_keys).status_code == 200
    body = refused(signed(client, "post", ORDER, alice_read_only_keys, BUY), -2015, status=401)
    refused(
        signed(
            client,
            "post",
            "/sapi/v1/margin/borrow-repay",
            alice_read_only_keys,
            {"asset": "USDT", "amount": "10", "type": "BORROW"},
        ),
        -2015,
        status=401,
    )

    assert body["msg"] == "Invalid API-key, IP, or permissions for action."
    assert state(funded) == before


def test_another_users_order_is_unknown_and_stays_as_it_was(client, alice_keys, bob, funded):
    transfer_create(user=bob, from_account_id=spot(bob).pk, to_account_id=cross(bob).pk, asset="USDT", amount="1000")
    bobs = order_place(
        user=bob, account_id=cross(bob).pk, symbol="ETHUSDT", side="BUY", type="LIMIT", quantity="0.1", price="3000"
    )
    lookup = {"symbol": "ETHUSDT", "orderId": bobs.pk}
    bobs_funds = amounts(cross(bob), "USDT")

    assert refused(signed(client, "get", ORDER, alice_keys, lookup), -2013)["msg"] == "Order does not exist."
    assert refused(signed(client, "delete", ORDER, alice_keys, lookup), -2011)["msg"] == "Unknown order sent."
    cancel_with_client_id = {"symbol": "ETHUSDT", "origClientOrderId": bobs.client_order_id}
    refused(signed(client, "delete", ORDER, alice_keys, cancel_with_client_id), -2011)

    bobs.refresh_from_db()
    assert bobs.status == Order.Status.NEW and amounts(cross(bob), "USDT") == bobs_funds


def test_the_signature_covers_the_query_string_then_the_body(client, alice_keys, funded):
    # Binance's documented example: some parameters in the query string, the rest (and the signature) in
    # the body; totalParams is the query string followed directly by the body.
    key, secret = alice_keys
    query = "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
    body = f"quantity=0.1&price=3000&recvWindow=5000&timestamp={int(time.time() * 1000)}"

    response = client.post(
        f"{ORDER}?{query}",
        data=f"{body}&signature={sign(secret, query + body)}",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_MBX_APIKEY=key,
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "NEW" and response.json()["price"] == "3000.00000000"


def test_a_form_body_labelled_json_and_a_delete_with_a_body_are_read(client, alice_keys, funded):
    # python-binance sends its form bodies with Content-Type application/json, DELETE included.
    key, secret = alice_keys
    params = f"symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&price=3000&timestamp={int(time.time() * 1000)}"
    placed = client.post(
        ORDER, data=f"{params}&signature={sign(secret, params)}", content_type="application/json", HTTP_X_MBX_APIKEY=key
    )
    assert placed.status_code == 200, placed.json()
    params = f"symbol=ETHUSDT&orderId={placed.json()['orderId']}&timestamp={int(time.time() * 1000)}"

    cancelled = client.delete(
        ORDER, data=f"{params}&signature={sign(secret, params)}", content_type="application/json", HTTP_X_MBX_APIKEY=key
    )

    assert cancelled.status_code == 200, cancelled.json()
    assert cancelled.json()["status"] == "CANCELED"


def test_is_isolated_in_any_case_and_unknown_parameters_are_ignored(client, alice, alice_keys):
    for value in ("TRUE", "true", "True"):
        response = signed(
            client,
            "get",
            "/sapi/v1/margin/openOrders",
            alice_keys,
            {"symbol": "ETHUSDT", "isIsolated": value, "x": "1"},
        )
        refused(response, -11001)  # the isolated ETHUSDT account: not enabled
    response = signed(client, "get", "/sapi/v1/margin/openOrders", alice_keys, {"isIsolated": "false", "foo": "bar"})
    assert response.status_code == 200 and response.json() == []


def test_a_revoked_key_no_longer_signs(client, alice_keys):
    ApiKey.objects.filter(api_key=alice_keys[0]).delete()

    refused(signed(client, "get", ACCOUNT, alice_keys), -2015, status=401)


def test_the_secret_is_encrypted_at_rest_and_last_use_is_recorded(client, alice_keys):
    key = ApiKey.objects.get(api_key=alice_keys[0])
    assert alice_keys[1] not in key.secret_encrypted and key.last_used_at is None

    signed(client, "get", ACCOUNT, alice_keys)

    key.refresh_from_db()
    assert key.last_used_at is not None


def test_funds_moved_by_a_refused_request_are_none(client, alice, alice_keys, funded):
    # A rejected MARGIN_BUY (over the borrow limit of the lending rules) leaves no loan behind.
    before = state(funded)

    response = signed(client, "post", ORDER, alice_keys, BUY | {"quantity": "100", "sideEffectType": "MARGIN_BUY"})

    refused(response, -2010)
    assert state(funded) == before
    assert amounts(funded, "USDT")[2] == Decimal(0)
