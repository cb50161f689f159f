"""Resting limits and stops against the current prices: one short transaction per order."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from futures import selectors
from futures.models import FuturesOrder
from futures.services.common import FuturesError, wallet_lock
from futures.services.orders.book import FillContext, taker_fills
from futures.services.orders.fills import (
    STOP_LOSS_TYPES,
    STOP_TYPES,
    Status,
    Type,
    cancel,
    fill,
    fillable,
    finish,
    position_for,
    reduces,
    require_margin,
)
from trading import margin as spot_math
from trading.models import PlatformSettings


def futures_orders_match(*, symbols: list[str] | None = None) -> int:
    """Fill the resting limits and trigger the stops that the current prices reach; returns fills made.

    Stops trigger on the mark (``workingType=MARK_PRICE``) or on the last contract price
    (``CONTRACT_PRICE``, Binance's default). One short transaction per order under its wallet's lock,
    re-checked there: an order filled, cancelled or liquidated meanwhile is skipped, so a second run
    changes nothing. Only a fill clears the wallet's sweep bands (an open order does not change what
    liquidation looks at).
    """
    market = selectors.market_get(every=True)
    contract = selectors.contract_prices(market=market)
    settings = PlatformSettings.objects.get(pk=1)
    ctx = FillContext(settings=settings)
    candidates = FuturesOrder.objects.filter(status__in=(Status.NEW, Status.PARTIALLY_FILLED))
    if symbols:
        candidates = candidates.filter(symbol__symbol__in=symbols)
    filled = 0
    for order_id, account_id, code in candidates.order_by("id").values_list("id", "account_id", "symbol__symbol"):
        info = market.get(code)
        if info is None or info.mark_price is None:
            continue
        with transaction.atomic():
            locked = wallet_lock(account_id, clear_bands=False)
            order = next((o for o in locked.orders if o.pk == order_id), None)
            if order is not None and _match_one(locked, market, info, order, ctx, trigger_price(order, contract)):
                filled += 1
    return filled


def trigger_price(order: FuturesOrder, contract: dict[str, Decimal]) -> Decimal | None:
    """What the order's stop (or trailing stop) watches: the mark, or the last contract price.

    Binance, New Order (workingType): "stopPrice triggered by: MARK_PRICE, CONTRACT_PRICE. Default
    CONTRACT_PRICE". https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api
    """
    code = order.symbol.symbol
    if order.working_type == FuturesOrder.WorkingType.MARK_PRICE:
        return None  # the mark
    return contract.get(code)


def _trailing_triggered(order: FuturesOrder, mark: Decimal, is_buy: bool) -> bool:
    """Binance's trailing stop: once activated it follows the best price (the highest for a sell, the
    lowest for a buy) and triggers when the price comes back from it by the callback rate."""
    if order.trail_price == 0:
        activated = order.activation_price == 0 or (
            mark <= order.activation_price if is_buy else mark >= order.activation_price
        )
        if not activated:
            return False
        best = mark
    else:
        best = min(order.trail_price, mark) if is_buy else max(order.trail_price, mark)
    back = order.callback_rate / 100
    triggered = mark >= best * (1 + back) if is_buy else mark <= best * (1 - back)
    if not triggered and best != order.trail_price:
        order.trail_price = best
        order.save(update_fields=["trail_price", "updated_at"])
    return triggered


def _triggered(order: FuturesOrder) -> None:
    """Record when the stop triggered (an algo order's triggerTime; from then on it is the matching
    engine's order: Binance's algoStatus TRIGGERED, then FINISHED)."""
    if order.triggered_at is None:
        order.triggered_at = timezone.now()
        order.save(update_fields=["triggered_at", "updated_at"])


def _match_one(locked, market, info, order: FuturesOrder, ctx: FillContext, trigger: Decimal | None) -> bool:
    settings = ctx.settings
    mark = info.mark_price
    trigger = trigger if trigger is not None else mark
    is_buy = order.side == FuturesOrder.Side.BUY
    position = position_for(locked, info)
    if order.type in STOP_TYPES:
        reached = spot_math.stop_reached(
            is_stop_loss=order.type in STOP_LOSS_TYPES,
            is_buy=is_buy,
            stop=order.stop_price,
            mark=trigger,
        )
        if not reached:
            return False
        _triggered(order)
        if order.type in (Type.STOP, Type.TAKE_PROFIT):
            order.type = Type.LIMIT  # triggered: it works as the limit order it carries
            order.save(update_fields=["type", "updated_at"])
            if not spot_math.is_marketable(is_buy=is_buy, limit=order.price, mark=mark):
                return False
    elif order.type == Type.TRAILING_STOP_MARKET:
        if not _trailing_triggered(order, trigger, is_buy):
            return False
        _triggered(order)
    elif not spot_math.is_marketable(is_buy=is_buy, limit=order.price, mark=mark):
        return False
    if (order.reduce_only or order.close_position) and not reduces(position.position_amt, is_buy):
        cancel(order, reason="reduce-only: no position left to reduce", status=Status.EXPIRED)
        return False
    remaining = order.orig_qty - order.executed_qty
    qty = fillable(order, position, remaining)
    if order.type == Type.LIMIT and not order.reduce_only:
        levels, complete = [(qty, order.price)], True
        fee_rate, maker = settings.maker_fee, True
    else:
        # A triggered stop, a trailing stop or a reduce-only limit takes as a market order: from the book
        # (never beyond a limit's price) under the BOOK model, at the slipped mark under FIXED.
        limit = order.price if order.type == Type.LIMIT and ctx.uses_book else None
        plan = taker_fills(ctx, info, is_buy=is_buy, quantity=qty, limit=limit)
        if not plan.fills:
            return False  # nothing within the limit now: it keeps resting
        levels, complete = [(lv.quantity, lv.price) for lv in plan.fills], plan.complete
        fee_rate, maker = settings.taker_fee, False
    quantity = sum((q for q, _ in levels), Decimal(0))
    average = sum((q * p for q, p in levels), Decimal(0)) / quantity if quantity else mark
    try:
        require_margin(locked, market, info, position, is_buy, quantity, average, mark, fee_rate, exclude=order)
    except FuturesError as error:
        cancel(order, reason=error.message, status=Status.EXPIRED)
        return False
    for level_qty, price in levels:
        fill(locked, info, order, quantity=level_qty, price=price, fee_rate=fee_rate, maker=maker)
    if not complete and order.type == Type.LIMIT:
        order.status = Status.PARTIALLY_FILLED  # a reduce-only limit keeps resting with its rest
        order.save()
    else:
        finish(order, complete=complete)
    return True
