"""Futures orders: placement, fills into one-way positions, resting and stop orders, cancellation.

A fill is paper: the platform's market is the counterparty (``SystemAccount.MARKET``), as for spot and
margin orders. Market orders and marketable limits fill at once at the mark moved by trading's
slippage setting, with trading's taker fee; resting limits fill at their price with the maker fee when
the mark reaches them. Realized PnL, commission and isolated margin move through the ledger in the
fill's one journal entry, and each is an ``Income`` row.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import transaction

from core.money import Q8
from futures import formulas as f
from futures import selectors
from futures.models import FuturesOrder, FuturesPosition, FuturesTrade, Income, MarginType
from futures.services.common import FuturesError, LockedWallet, clean_choice, system, wallet_lock
from futures.services.wallet import futures_wallet_open
from trading import margin as spot_math
from trading.models import Bucket, JournalEntry, PlatformSettings, SystemAccount
from trading.services.common import clean_amount
from trading.services.ledger import Posting, ledger_post

Type = FuturesOrder.Type
TIF = FuturesOrder.TimeInForce
Status = FuturesOrder.Status

LIMIT_TYPES = {Type.LIMIT, Type.STOP, Type.TAKE_PROFIT}
STOP_TYPES = {Type.STOP, Type.STOP_MARKET, Type.TAKE_PROFIT, Type.TAKE_PROFIT_MARKET}
STOP_LOSS_TYPES = {Type.STOP, Type.STOP_MARKET}
CLOSE_POSITION_TYPES = {Type.STOP_MARKET, Type.TAKE_PROFIT_MARKET}
TRAILING_MIN, TRAILING_MAX = Decimal("0.1"), Decimal(10)


def _flag(value, *, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if value is None:
        return False
    raise FuturesError(f"{field} must be true or false.", fields={field: ["true or false."]})


def _on_tick(value, *, field: str, info: selectors.SymbolInfo) -> Decimal:
    price = clean_amount(value, field=field)
    if not f.is_multiple(price, info.symbol.tick_size):
        raise FuturesError(
            f"{field} {price} is not a multiple of the tick size {info.symbol.tick_size.normalize()}.",
            code="filter_failure",
            fields={field: ["Filter failure: PRICE_FILTER"]},
        )
    return price


def futures_order_place(
    *,
    user,
    symbol: str,
    side: str,
    type: str,
    quantity=None,
    price=None,
    stop_price=None,
    time_in_force: str | None = None,
    reduce_only=False,
    close_position=False,
    working_type: str | None = None,
    callback_rate=None,
    activation_price=None,
    position_side: str = "BOTH",
    client_order_id: str | None = None,
) -> FuturesOrder:
    """Place an order; it is accepted only if the available balance covers its initial margin, the
    loss it opens at its fill price and its fee. Reduce-only and close-position orders never increase
    a position. Bad input raises before anything changes."""
    market = selectors.market_get()
    info = selectors.symbol_get(market=market, symbol=symbol)
    side = clean_choice(side, field="side", choices=FuturesOrder.Side)
    kind = clean_choice(type, field="type", choices=FuturesOrder.Type)
    rate, activation = Decimal(0), Decimal(0)
    if kind == Type.TRAILING_STOP_MARKET:
        rate = clean_amount(callback_rate, field="callback_rate")
        # Binance: callbackRate from 0.1 to 10 (percent), with one decimal.
        if not (TRAILING_MIN <= rate <= TRAILING_MAX) or not f.is_multiple(rate, Decimal("0.1")):
            raise FuturesError(
                "callback_rate must be from 0.1 to 10 (percent), in steps of 0.1.",
                code="invalid_callback_rate",
                fields={"callback_rate": ["From 0.1 to 10."]},
            )
        if activation_price is not None:
            activation = _on_tick(activation_price, field="activation_price", info=info)
    elif callback_rate is not None or activation_price is not None:
        raise FuturesError(
            "callback_rate and activation_price are for TRAILING_STOP_MARKET orders only.",
            fields={"callback_rate": ["Only with TRAILING_STOP_MARKET."]},
        )
    if str(position_side).upper() != "BOTH":
        raise FuturesError(
            "Hedge mode is not supported: positionSide must be BOTH (one-way mode).",
            code="hedge_mode_unsupported",
            fields={"position_side": ["Only BOTH."]},
        )
    reduce_only = _flag(reduce_only, field="reduce_only")
    close_position = _flag(close_position, field="close_position")
    working = clean_choice(
        working_type or FuturesOrder.WorkingType.CONTRACT_PRICE, field="working_type", choices=FuturesOrder.WorkingType
    )
    if close_position:
        if kind not in CLOSE_POSITION_TYPES:
            raise FuturesError(
                "closePosition is only for STOP_MARKET and TAKE_PROFIT_MARKET orders.",
                fields={"close_position": ["Only with STOP_MARKET or TAKE_PROFIT_MARKET."]},
            )
        if quantity is not None or reduce_only:
            raise FuturesError(
                "closePosition takes no quantity and no reduceOnly.", fields={"quantity": ["Leave it out."]}
            )
        qty = Decimal(0)
    else:
        qty = clean_amount(quantity, field="quantity")
        if qty < info.symbol.min_qty or not f.is_multiple(qty, info.symbol.step_size):
            raise FuturesError(
                f"Quantity {qty} breaks the lot size: a multiple of {info.symbol.step_size.normalize()}, "
                f"at least {info.symbol.min_qty.normalize()}.",
                code="filter_failure",
                fields={"quantity": ["Filter failure: LOT_SIZE"]},
            )
    limit = _on_tick(price, field="price", info=info) if kind in LIMIT_TYPES else None
    if kind not in LIMIT_TYPES and price is not None:
        raise FuturesError(f"A {kind} order takes no price.", fields={"price": ["Leave it out."]})
    stop = _on_tick(stop_price, field="stop_price", info=info) if kind in STOP_TYPES else None
    tif = ""
    if kind in LIMIT_TYPES:
        tif = clean_choice(time_in_force or TIF.GTC, field="time_in_force", choices=TIF)
    mark = info.mark_price
    is_buy = side == FuturesOrder.Side.BUY
    if stop is not None and spot_math.stop_reached(
        is_stop_loss=kind in STOP_LOSS_TYPES, is_buy=is_buy, stop=stop, mark=mark
    ):
        raise FuturesError("Order would immediately trigger.", code="would_immediately_trigger")
    if not (reduce_only or close_position) and qty * (limit or mark) < info.symbol.min_notional:
        raise FuturesError(
            f"Order's notional must be no smaller than {info.symbol.min_notional.normalize()} USDT.",
            code="min_notional",
            fields={"quantity": ["Filter failure: MIN_NOTIONAL"]},
        )
    settings = PlatformSettings.objects.get(pk=1)
    wallet = futures_wallet_open(user=user)
    client_order_id = str(client_order_id or uuid.uuid4().hex)[:36]

    with transaction.atomic():
        locked = wallet_lock(wallet.pk)
        if locked.account.is_frozen:
            raise FuturesError("The account is frozen.", code="account_frozen", status=409)
        if FuturesOrder.objects.filter(account=locked.account, client_order_id=client_order_id).exists():
            raise FuturesError("Duplicate clientOrderId.", code="duplicate_order", status=409)
        position = _position_for(locked, info)
        if reduce_only and not _reduces(position.position_amt, is_buy):
            raise FuturesError("ReduceOnly Order is rejected.", code="reduce_only_rejected")
        order = FuturesOrder(
            account=locked.account,
            symbol=info.symbol,
            side=side,
            type=kind,
            time_in_force=tif,
            orig_qty=qty,
            price=limit or 0,
            stop_price=stop or 0,
            reduce_only=reduce_only,
            close_position=close_position,
            working_type=working,
            callback_rate=rate,
            activation_price=activation,
            client_order_id=client_order_id,
        )
        if kind == Type.MARKET:
            fill_price = spot_math.slipped_price(
                mark=mark, is_buy=is_buy, slippage_bps=settings.slippage_bps, tick=info.symbol.tick_size
            )
            fill_qty = _fillable(order, position, qty)
            _require_margin(locked, market, info, position, is_buy, fill_qty, fill_price, mark, settings.taker_fee)
            order.save()
            fill(locked, info, order, quantity=fill_qty, price=fill_price, fee_rate=settings.taker_fee)
            _finish(order)
        elif kind == Type.LIMIT and spot_math.is_marketable(is_buy=is_buy, limit=limit, mark=mark):
            if tif == TIF.GTX:
                raise FuturesError(
                    "Due to the order could not be executed as maker, the Post Only order will be rejected.",
                    code="post_only_rejected",
                )
            fill_price = spot_math.taker_price(
                mark=mark, limit=limit, is_buy=is_buy, slippage_bps=settings.slippage_bps, tick=info.symbol.tick_size
            )
            fill_qty = _fillable(order, position, qty)
            _require_margin(locked, market, info, position, is_buy, fill_qty, fill_price, mark, settings.taker_fee)
            order.save()
            fill(locked, info, order, quantity=fill_qty, price=fill_price, fee_rate=settings.taker_fee)
            _finish(order)
        elif kind == Type.LIMIT and tif in (TIF.IOC, TIF.FOK):
            order.status = Status.EXPIRED
            order.status_reason = f"{tif}: nothing to match at {limit} with the mark at {mark}"
            order.save()
        else:
            # A resting limit or a stop waiting for its trigger: it holds initial margin, not funds.
            price_then = limit or stop or activation or mark
            _require_margin(locked, market, info, position, is_buy, qty, price_then, price_then, Decimal(0))
            order.save()
        return order


def _position_for(locked: LockedWallet, info: selectors.SymbolInfo) -> FuturesPosition:
    position = locked.position(info.symbol)
    if position.position_amt == 0:
        # A flat position takes the symbol's current settings when it opens.
        setting = selectors.setting_get(wallet=locked.account, symbol=info.symbol)
        if (position.margin_type, position.leverage) != (setting.margin_type, setting.leverage):
            position.margin_type, position.leverage = setting.margin_type, setting.leverage
            position.save(update_fields=["margin_type", "leverage", "updated_at"])
    return position


def _reduces(position_amt: Decimal, is_buy: bool) -> bool:
    return (position_amt < 0) if is_buy else (position_amt > 0)


def _fillable(order: FuturesOrder, position: FuturesPosition, qty: Decimal) -> Decimal:
    """A reduce-only or close-position order fills at most the position, so it can never flip it."""
    if order.close_position:
        return abs(position.position_amt)
    if order.reduce_only:
        return min(qty, abs(position.position_amt))
    return qty


def _require_margin(locked, market, info, position, is_buy, qty, fill_price, mark, fee_rate, exclude=None) -> None:
    """Binance: an order needs available balance for its initial margin, the loss it opens and its fee."""
    signed = qty if is_buy else -qty
    change = f.position_after_fill(
        quantity=position.position_amt, entry_price=position.entry_price, fill_quantity=signed, fill_price=fill_price
    )
    state = locked.state(market, exclude=exclude)
    opening = f.initial_margin(notional_value=change.opened * fill_price, leverage=position.leverage)
    open_loss = max(Decimal(0), (fill_price - mark) * qty if is_buy else (mark - fill_price) * qty)
    fee = qty * fill_price * fee_rate
    needed = opening + open_loss + fee
    # Closing a cross position gives its initial margin back to the available balance.
    if change.closed and position.margin_type == MarginType.CROSSED:
        needed -= f.initial_margin(notional_value=change.closed * mark, leverage=position.leverage)
    if needed > 0 and needed > state.available_balance:
        raise FuturesError(
            f"Margin is insufficient: the order needs {f.round_to(needed, Q8, up=True)} USDT, "
            f"{f.round_to(max(state.available_balance, Decimal(0)), Q8)} USDT is available.",
            code="insufficient_margin",
        )


def _finish(order: FuturesOrder) -> None:
    """Fills here are whole (a reduce-only one capped at the position): the order is done."""
    if order.close_position:
        order.orig_qty = order.executed_qty
    order.status = Status.FILLED if order.executed_qty > 0 else Status.EXPIRED
    order.save()


def fill(
    locked: LockedWallet,
    info: selectors.SymbolInfo,
    order: FuturesOrder,
    *,
    quantity: Decimal,
    price: Decimal,
    fee_rate: Decimal,
    maker: bool = False,
    kind: str = JournalEntry.Kind.TRADE,
) -> FuturesTrade | None:
    """Apply one fill to the locked position and post its money: realized PnL with the market, the fee
    to the fees account, and (isolated) margin released from and allocated to the position."""
    if quantity <= 0:
        return None
    position = locked.position(info.symbol)
    is_buy = order.side == FuturesOrder.Side.BUY
    signed = quantity if is_buy else -quantity
    change = f.position_after_fill(
        quantity=position.position_amt, entry_price=position.entry_price, fill_quantity=signed, fill_price=price
    )
    quote = (quantity * price).quantize(Q8)
    fee = f.round_to(quote * fee_rate, Q8, up=True)
    pnl = change.realized_pnl.quantize(Q8)
    asset = locked.balance.asset
    balance, market_balance = locked.balance, system(SystemAccount.MARKET, asset)
    posting = Posting()
    isolated = position.margin_type == MarginType.ISOLATED
    if isolated and change.closed:
        old = abs(position.position_amt)
        released = (
            position.isolated_margin
            if change.closed == old
            else f.round_to(position.isolated_margin * change.closed / old, Q8)
        )
        posting.move(balance, balance, released, src_bucket=Bucket.LOCKED, dst_bucket=Bucket.FREE)
        position.isolated_margin -= released
    if pnl > 0:
        posting.move(market_balance, balance, pnl)
    elif pnl < 0:
        posting.move(balance, market_balance, -pnl)
    posting.move(balance, system(SystemAccount.FEES, asset), fee)
    if isolated and change.opened:
        margin = f.round_to(change.opened * price / position.leverage, Q8, up=True)
        posting.move(balance, balance, margin, src_bucket=Bucket.FREE, dst_bucket=Bucket.LOCKED)
        position.isolated_margin += margin
    position.position_amt = change.quantity
    position.entry_price = change.entry_price.quantize(Q8)
    position.save(update_fields=["position_amt", "entry_price", "isolated_margin", "updated_at"])
    entry = ledger_post(
        kind=kind,
        posting=posting,
        account=locked.account,
        memo=f"futures {order.side} {quantity} {info.code} @ {price}",
    )
    trade = FuturesTrade.objects.create(
        order=order,
        account=locked.account,
        symbol=info.symbol,
        side=order.side,
        price=price,
        qty=quantity,
        quote_qty=quote,
        commission=fee,
        realized_pnl=pnl,
        maker=maker,
        entry=entry,
    )
    incomes = [Income(income_type=Income.Type.COMMISSION, income=-fee)] if fee else []
    if change.closed:
        incomes.append(Income(income_type=Income.Type.REALIZED_PNL, income=pnl))
    for income in incomes:
        income.account, income.symbol, income.trade, income.entry = locked.account, info.symbol, trade, entry
        income.info = str(trade.pk)
    Income.objects.bulk_create(incomes)
    executed = order.executed_qty + quantity
    order.cum_quote += quote
    order.avg_price = (order.cum_quote / executed).quantize(Q8)
    order.executed_qty = executed
    return trade


# --- cancellation ------------------------------------------------------------------------------------


def futures_order_cancel(*, user, order_id) -> FuturesOrder:
    order = selectors.order_get_for_user(user=user, order_id=order_id)
    with transaction.atomic():
        locked = wallet_lock(order.account_id)
        order = next((o for o in locked.orders if o.pk == order.pk), None)
        if order is None:
            raise FuturesError("Unknown order sent: it is no longer open.", code="unknown_order", status=409)
        _cancel(order, reason="cancelled by the user")
        return order


def _cancel(order: FuturesOrder, *, reason: str, status: str = Status.CANCELED) -> None:
    order.status = status
    order.status_reason = reason[:120]
    order.save(update_fields=["status", "status_reason", "updated_at"])


def orders_cancel_all(locked: LockedWallet, *, symbol=None, reason: str) -> int:
    """Cancel every open order of the locked wallet (of one symbol): liquidation does this first."""
    orders = locked.open_orders(symbol)
    for order in orders:
        _cancel(order, reason=reason)
    return len(orders)


# --- resting and stop orders -------------------------------------------------------------------------


def futures_orders_match(*, symbols: list[str] | None = None) -> int:
    """Fill the resting limits and trigger the stops that the current marks reach; returns fills made.

    One short transaction per order under its wallet's lock, re-checked there: an order filled, cancelled
    or liquidated meanwhile is skipped, so a second run changes nothing.
    """
    market = selectors.market_get()
    settings = PlatformSettings.objects.get(pk=1)
    candidates = FuturesOrder.objects.filter(status__in=(Status.NEW, Status.PARTIALLY_FILLED))
    if symbols:
        candidates = candidates.filter(symbol__symbol__in=symbols)
    filled = 0
    for order_id, account_id, code in candidates.order_by("id").values_list("id", "account_id", "symbol__symbol"):
        info = market.get(code)
        if info is None or info.mark_price is None:
            continue
        with transaction.atomic():
            locked = wallet_lock(account_id)
            order = next((o for o in locked.orders if o.pk == order_id), None)
            if order is not None and _match_one(locked, market, info, order, settings):
                filled += 1
    return filled


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


def _trigger_price(order: FuturesOrder, info: selectors.SymbolInfo) -> Decimal:
    # Paper market: the last contract price is the mark moved by nothing; both working types read the mark.
    return info.mark_price


def _match_one(locked, market, info, order: FuturesOrder, settings) -> bool:
    mark = info.mark_price
    is_buy = order.side == FuturesOrder.Side.BUY
    position = _position_for(locked, info)
    if order.type in STOP_TYPES:
        reached = spot_math.stop_reached(
            is_stop_loss=order.type in STOP_LOSS_TYPES,
            is_buy=is_buy,
            stop=order.stop_price,
            mark=_trigger_price(order, info),
        )
        if not reached:
            return False
        if order.type in (Type.STOP, Type.TAKE_PROFIT):
            order.type = Type.LIMIT  # triggered: it works as the limit order it carries
            order.save(update_fields=["type", "updated_at"])
            if not spot_math.is_marketable(is_buy=is_buy, limit=order.price, mark=mark):
                return False
    elif order.type == Type.TRAILING_STOP_MARKET:
        if not _trailing_triggered(order, mark, is_buy):
            return False
    elif not spot_math.is_marketable(is_buy=is_buy, limit=order.price, mark=mark):
        return False
    if (order.reduce_only or order.close_position) and not _reduces(position.position_amt, is_buy):
        _cancel(order, reason="reduce-only: no position left to reduce", status=Status.EXPIRED)
        return False
    remaining = order.orig_qty - order.executed_qty
    qty = _fillable(order, position, remaining)
    if order.type == Type.LIMIT and not order.reduce_only:
        price, fee_rate, maker = order.price, settings.maker_fee, True
    else:
        price = spot_math.slipped_price(
            mark=mark, is_buy=is_buy, slippage_bps=settings.slippage_bps, tick=info.symbol.tick_size
        )
        fee_rate, maker = settings.taker_fee, False
    try:
        _require_margin(locked, market, info, position, is_buy, qty, price, mark, fee_rate, exclude=order)
    except FuturesError as error:
        _cancel(order, reason=error.message, status=Status.EXPIRED)
        return False
    fill(locked, info, order, quantity=qty, price=price, fee_rate=fee_rate, maker=maker)
    _finish(order)
    return True
