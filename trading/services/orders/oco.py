"""OCO: a LIMIT_MAKER leg and a STOP_LOSS_LIMIT leg sharing one lock; whichever works first cancels the other."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import ApplicationError, Conflict
from trading import selectors
from trading.models import JournalEntry, Order, OrderList
from trading.services.fills import Operation
from trading.services.ledger import LockedAccount, accounts_lock
from trading.services.loans import ensure_tradable
from trading.services.orders.placement import (
    _clean_request,
    _lock_for,
    _require,
    check_filters,
    clean_client_order_id,
    order_lock_amount,
)


def oco_place(
    *,
    user: User,
    account_id,
    symbol: str,
    side: str,
    quantity,
    price,
    stop_price,
    stop_limit_price,
    stop_limit_time_in_force=None,
    side_effect: str | None = None,
    list_client_order_id: str | None = None,
    limit_client_order_id: str | None = None,
    stop_client_order_id: str | None = None,
    now: datetime | None = None,
) -> OrderList:
    """A LIMIT_MAKER leg and a STOP_LOSS_LIMIT leg with one lock; when one works, the other is cancelled.

    Binance's price rule: SELL needs limit price > mark > stop price, BUY limit price < mark < stop price.
    """
    account = selectors.account_get_for_user(user=user, account_id=account_id)
    _require(quantity=quantity, price=price, stop_price=stop_price, stop_limit_price=stop_limit_price)
    limit_leg = _clean_request(
        account=account, symbol=symbol, side=side, type=Order.Type.LIMIT_MAKER, quantity=quantity,
        quote_quantity=None, price=price, stop_price=None, time_in_force=None, side_effect=side_effect,
    )  # fmt: skip
    stop_leg = _clean_request(
        account=account, symbol=symbol, side=side, type=Order.Type.STOP_LOSS_LIMIT, quantity=quantity,
        quote_quantity=None, price=stop_limit_price, stop_price=stop_price,
        time_in_force=stop_limit_time_in_force, side_effect=side_effect,
    )  # fmt: skip
    list_id = clean_client_order_id(list_client_order_id, "list_client_order_id")
    ids = (
        clean_client_order_id(limit_client_order_id, "limit_client_order_id"),
        clean_client_order_id(stop_client_order_id, "stop_client_order_id"),
    )
    # _require refused a missing quantity, price, stop price or stop limit price.
    assert limit_leg.quantity is not None and limit_leg.price is not None
    assert stop_leg.quantity is not None and stop_leg.price is not None and stop_leg.stop_price is not None
    pair = limit_leg.pair
    mark = selectors.mark_price_get(pair=pair)
    check_filters(
        pair=pair,
        quantity=limit_leg.quantity,
        price=limit_leg.price,
        prices=(limit_leg.price, stop_leg.price, stop_leg.stop_price),
    )
    check_filters(pair=pair, quantity=stop_leg.quantity, price=stop_leg.price)
    ordered = (
        limit_leg.price > mark > stop_leg.stop_price
        if not limit_leg.is_buy
        else limit_leg.price < mark < stop_leg.stop_price
    )
    if not ordered:
        rule = (
            "limit price > mark price > stop price" if not limit_leg.is_buy else "limit price < mark price < stop price"
        )
        raise ApplicationError(
            f"The relationship of the prices for the orders is not correct: {side} OCO needs {rule}.", code="oco_prices"
        )
    prices, settings, now = selectors.mark_prices(), selectors.account_settings_get(account), now or timezone.now()

    with transaction.atomic():
        account = accounts_lock(account.pk)[account.pk]
        existing = OrderList.objects.filter(account=account, list_client_order_id=list_id).first()
        if existing is not None:
            legs = list(existing.orders.order_by("id"))
            if len(legs) == 2 and limit_leg.matches(legs[0]) and stop_leg.matches(legs[1]):
                return existing
            raise Conflict(
                f"list_client_order_id {list_id!r} was already used for a different order list.",
                code="duplicate_client_order_id",
            )
        if Order.objects.filter(account=account, client_order_id__in=ids).exists() or ids[0] == ids[1]:
            raise Conflict("A leg's client order id was already used.", code="duplicate_client_order_id")
        ensure_tradable(account)
        op = Operation(LockedAccount(account, [pair.base, pair.quote]), settings, prices, now)
        order_list = OrderList.objects.create(account=account, list_client_order_id=list_id)
        legs = [
            Order(account=account, pair=pair, side=r.side, type=r.type, side_effect=r.side_effect, quantity=r.quantity,
                  price=r.price, stop_price=r.stop_price, time_in_force=r.time_in_force, client_order_id=cid,
                  order_list=order_list)
            for r, cid in ((limit_leg, ids[0]), (stop_leg, ids[1]))
        ]  # fmt: skip
        legs[1].is_working = False
        lock = max(
            order_lock_amount(side=limit_leg.side, quantity=limit_leg.quantity, price=limit_leg.price),
            order_lock_amount(side=stop_leg.side, quantity=stop_leg.quantity, price=stop_leg.price),
        )
        # The limit leg holds the one lock; a triggered stop leg takes it over (see matching).
        _lock_for(op, legs[0], lock)
        op.commit(kind=JournalEntry.Kind.LOCK, memo=f"OCO {side} {pair.symbol} #{list_id}", orders=legs)
    return order_list
