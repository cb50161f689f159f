"""Transfers between two isolated accounts of the same user.

Binance's universal transfer documents the type ISOLATEDMARGIN_ISOLATEDMARGIN, with fromSymbol and toSymbol
(https://developers.binance.com/docs/wallet/asset/user-universal-transfer); the source keeps the transfer-out
ratio (2) like any margin account (trading.margin.keeps_level), so its maximum is accepted and one unit more
refused.
"""

from decimal import Decimal as D

import pytest

from accounts.api_keys import api_key_create
from core.errors import ApplicationError, MarginRuleViolation, NotFound
from tests.api.api_helpers import API, assert_error, ok
from tests.api.conftest import client_for
from tests.binance.conftest import signed
from tests.helpers import UNIT, amounts, assert_ledger_clean, spot
from trading import selectors
from trading.services.accounts import isolated_account_open
from trading.services.loans import loan_borrow
from trading.services.transfers import transfer_create


@pytest.fixture
def alice_api(alice):
    return client_for(alice)


@pytest.fixture
def alice_keys(alice):
    api_key, secret = api_key_create(user=alice, label="bot", can_trade=True)
    return api_key.api_key, secret


@pytest.fixture
def two_isolated(alice, zero_costs, set_prices):
    """ETHUSDT isolated with 1000 USDT and a 500 USDT loan (A 1500, D 500: 500 may leave), and BTCUSDT."""
    set_prices(ETHUSDT=2000, BTCUSDT=50000)
    eth = isolated_account_open(user=alice, symbol="ETHUSDT")
    btc = isolated_account_open(user=alice, symbol="BTCUSDT")
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=eth.pk, asset="USDT", amount="1000")
    loan_borrow(user=alice, account_id=eth.pk, asset="USDT", amount="500")
    return eth, btc


def test_the_maximum_moves_between_isolated_accounts_and_one_unit_more_is_refused(alice, two_isolated):
    eth, btc = two_isolated
    most = selectors.max_transferable_get(account=eth, asset="USDT")
    assert most == D(500)
    move = {"user": alice, "from_account_id": eth.pk, "to_account_id": btc.pk, "asset": "USDT"}
    with pytest.raises(MarginRuleViolation, match="below the transfer-out ratio 2"):
        transfer_create(**move, amount=most + UNIT)
    transfer_create(**move, amount=most)
    assert amounts(btc, "USDT")[0] == D(500)
    assert amounts(eth, "USDT")[0] == D(1000)
    assert selectors.account_summary_get(account=eth).margin_level == D(2)
    assert_ledger_clean()


def test_an_asset_only_one_pair_holds_cannot_move(alice, two_isolated):
    eth, btc = two_isolated
    with pytest.raises(ApplicationError, match="ETH cannot be held in the BTCUSDT isolated"):
        transfer_create(user=alice, from_account_id=eth.pk, to_account_id=btc.pk, asset="ETH", amount="0.1")


def test_another_users_isolated_account_is_not_found(alice, bob, two_isolated):
    eth, _ = two_isolated
    bobs = isolated_account_open(user=bob, symbol="BTCUSDT")
    with pytest.raises(NotFound):
        transfer_create(user=alice, from_account_id=eth.pk, to_account_id=bobs.pk, asset="USDT", amount="1")
    with pytest.raises(NotFound):
        transfer_create(user=bob, from_account_id=eth.pk, to_account_id=bobs.pk, asset="USDT", amount="1")
    assert amounts(bobs, "USDT")[0] == 0


def test_api_moves_between_isolated_accounts(alice_api, alice, bob, two_isolated):
    eth, btc = two_isolated
    data = {"from_account": eth.pk, "to_account": btc.pk, "asset": "USDT"}
    assert_error(alice_api.post(f"{API}/transfers", data | {"amount": "500.00000001"}), 400)
    body = ok(alice_api.post(f"{API}/transfers", data | {"amount": "500"}), 201)
    assert (body["from_account"], body["to_account"]) == (eth.pk, btc.pk)
    bobs = isolated_account_open(user=bob, symbol="BTCUSDT")
    assert_error(alice_api.post(f"{API}/transfers", data | {"to_account": bobs.pk, "amount": "1"}), 404)


def test_binance_isolatedmargin_isolatedmargin(client, alice_keys, two_isolated):
    eth, btc = two_isolated
    params = {"type": "ISOLATEDMARGIN_ISOLATEDMARGIN", "asset": "USDT", "fromSymbol": "ETHUSDT", "toSymbol": "BTCUSDT"}
    refused = signed(client, "post", "/sapi/v1/asset/transfer", alice_keys, params | {"amount": "500.00000001"})
    assert refused.status_code == 400 and refused.json()["code"] == -3020, refused.content
    done = signed(client, "post", "/sapi/v1/asset/transfer", alice_keys, params | {"amount": "500"})
    assert done.status_code == 200, done.content
    assert "tranId" in done.json()
    assert amounts(btc, "USDT")[0] == D(500)
