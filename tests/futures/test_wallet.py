from decimal import Decimal as D

import pytest

from core.errors import ApplicationError
from futures.models import Income
from futures.services.orders import futures_order_place
from futures.services.wallet import TO_FUTURES, TO_SPOT, futures_transfer_create
from tests.futures.helpers import fund, state, usdt, wallet
from tests.helpers import amounts, assert_ledger_clean, spot
from trading.services.transfers import transfer_create


def test_transfer_in_and_out_through_the_ledger(thousand):
    user = thousand
    fund(user, 600)
    assert usdt(user) == (D(600), 0)
    assert amounts(spot(user), "USDT")[0] == D(400)
    futures_transfer_create(user=user, type=TO_SPOT, amount="100")
    assert usdt(user) == (D(500), 0)
    incomes = list(Income.objects.filter(account=wallet(user)).order_by("id").values_list("income_type", "income"))
    assert incomes == [("TRANSFER", D(600)), ("TRANSFER", D(-100))]
    assert_ledger_clean()


def test_one_wallet_per_user(thousand):
    fund(thousand, 1)
    fund(thousand, 1)
    assert usdt(thousand) == (D(2), 0)


def test_transfer_out_keeps_the_initial_margin_and_the_loss(thousand, set_prices):
    user = thousand
    fund(user, 1000)
    futures_order_place(user=user, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")  # IM 500 at 20x
    set_prices(BTCUSDT=99000)  # a 100 loss
    most = state(user).max_withdraw
    # 1,000 - 100 loss - 495 initial margin at the new mark
    assert most == D(405)
    with pytest.raises(ApplicationError, match="at most 405"):
        futures_transfer_create(user=user, type=TO_SPOT, amount="405.01")
    futures_transfer_create(user=user, type=TO_SPOT, amount="405")
    assert_ledger_clean()


@pytest.mark.parametrize(
    ("kind", "amount"), [("SIDEWAYS", "1"), (TO_FUTURES, "-1"), (TO_FUTURES, "0"), (TO_FUTURES, "1.000000001")]
)
def test_bad_transfers_change_nothing(thousand, kind, amount):
    with pytest.raises(ApplicationError) as error:
        futures_transfer_create(user=thousand, type=kind, amount=amount)
    assert error.value.status == 400
    assert amounts(spot(thousand), "USDT")[0] == D(1000)


def test_more_than_the_spot_wallet_holds_is_refused(thousand):
    with pytest.raises(ApplicationError, match="insufficient balance"):
        futures_transfer_create(user=thousand, type=TO_FUTURES, amount="1000.01")


def test_spot_and_margin_services_cannot_touch_the_futures_wallet(thousand):
    from trading.services.accounts import account_reset
    from trading.services.orders import order_place

    fund(thousand, 100)
    futures = wallet(thousand)
    for call in (
        lambda: transfer_create(
            user=thousand, from_account_id=futures.pk, to_account_id=spot(thousand).pk, asset="USDT", amount="1"
        ),
        lambda: order_place(user=thousand, account_id=futures.pk, symbol="BTCUSDT", side="BUY", quantity="0.001"),
        lambda: account_reset(user=thousand, account_id=futures.pk),
    ):
        with pytest.raises(ApplicationError) as error:
            call()
        assert error.value.status == 404
    assert usdt(thousand) == (D(100), 0)
