"""manage.py set_price goes through the staff price service: orders match and the risk engine runs."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.helpers import amounts, assert_ledger_clean, spot
from trading.models import MarkPrice, Order
from trading.services.orders import order_place


@pytest.fixture(autouse=True)
def _manual_prices(settings):
    settings.MARGINLAB_PRICE_SOURCE = "manual"


def test_set_price_fills_a_resting_limit_order(alice, set_prices):
    set_prices(ETHUSDT="3500.00")
    resting = order_place(
        user=alice, account_id=spot(alice).pk, symbol="ETHUSDT", side="BUY", type="LIMIT", quantity="0.1", price="3000"
    )
    out = StringIO()

    call_command("set_price", "ETHUSDT", "2990.00", stdout=out)

    resting.refresh_from_db()
    assert resting.status == Order.Status.FILLED and resting.executed_qty == Decimal("0.1")
    assert amounts(spot(alice), "ETH")[0] > 0 and amounts(spot(alice), "USDT")[1] == 0
    assert "ETHUSDT mark price is now 2990.00" in out.getvalue() and "1 orders filled" in out.getvalue()
    assert_ledger_clean()


def test_set_price_triggers_a_stop_order(alice, set_prices):
    set_prices(ETHUSDT="3500.00")
    stop = order_place(
        user=alice, account_id=spot(alice).pk, symbol="ETHUSDT", side="BUY", type="STOP_LOSS_LIMIT",
        quantity="0.1", price="3700", stop_price="3600", time_in_force="GTC",
    )  # fmt: skip

    call_command("set_price", "ETHUSDT", "3650.00", stdout=StringIO())

    stop.refresh_from_db()
    assert stop.is_working and stop.status == Order.Status.FILLED


def test_a_bad_price_is_a_command_error_and_changes_nothing(set_prices):
    set_prices(ETHUSDT="3500.00")
    with pytest.raises(CommandError, match="tick size"):
        call_command("set_price", "ETHUSDT", "3500.001", stdout=StringIO())
    assert MarkPrice.objects.get(pair__symbol="ETHUSDT").price == Decimal("3500.00")
