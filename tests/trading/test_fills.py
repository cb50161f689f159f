"""position_close: a forced close at market, at the slipped mark price and without a trading fee."""

from decimal import Decimal as D

from django.db import transaction
from django.utils import timezone

from tests.helpers import amounts, assert_ledger_clean, cross, spot
from trading import selectors
from trading.models import JournalEntry, Order, Pair, Trade
from trading.services.fills import Operation, position_close
from trading.services.ledger import LockedAccount, accounts_lock
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


def test_position_close_sells_at_the_slipped_mark_without_fee(alice, set_prices, zero_costs):
    zero_costs.slippage_bps = D(10)
    zero_costs.taker_fee = D("0.001")  # a MARKET order would pay it; a forced close does not
    zero_costs.save()
    set_prices(ETHUSDT=200)
    account = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    order_place(user=alice, account_id=account.pk, symbol="ETHUSDT", side="BUY", quantity="2")
    eth_after_buy = amounts(account, "ETH")[0]
    usdt_after_buy = amounts(account, "USDT")[0]
    seen = []

    with transaction.atomic():
        locked = LockedAccount(accounts_lock(account.pk)[account.pk])
        op = Operation(locked, selectors.platform_settings_get(), selectors.mark_prices(), timezone.now())
        order, fill = position_close(
            op=op,
            pair=Pair.objects.get(symbol="ETHUSDT"),
            side=Order.Side.SELL,
            quantity=D("1.5"),
            reason="Liquidation",
            before_fill=lambda priced: seen.append((priced, len(op.posting.lines))),
        )
        op.commit(kind=JournalEntry.Kind.LIQUIDATION, memo="test close", orders=[order])

    assert (fill.price, fill.quantity, fill.quote_quantity, fill.fee) == (D("199.80"), D("1.5"), D("299.70"), 0)
    assert seen == [(fill, 0)]  # priced before anything of it was posted
    order.refresh_from_db()
    assert (order.type, order.status, order.status_reason) == ("MARKET", "FILLED", "Liquidation")
    assert order.client_order_id.startswith("autoclose-")
    assert Trade.objects.get(order=order).fee == 0
    assert amounts(account, "ETH")[0] == eth_after_buy - D("1.5")
    assert amounts(account, "USDT")[0] == usdt_after_buy + D("299.70")
    assert_ledger_clean()
