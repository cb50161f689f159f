"""Placing a futures order: the checks (filters, flags, margin), then an immediate fill or a resting order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from futures import formulas as f
from futures import selectors
from futures.models import ALGO_CONDITIONAL, FuturesOrder
from futures.services.common import FuturesError, clean_choice, wallet_lock
from futures.services.orders.book import FillContext, taker_fills
from futures.services.orders.fills import (
    CLOSE_POSITION_TYPES,
    CONDITIONAL_TYPES,
    LIMIT_TYPES,
    STOP_LOSS_TYPES,
    STOP_TYPES,
    TIF,
    TRAILING_MAX,
    TRAILING_MIN,
    Status,
    Type,
    fill,
    fillable,
    finish,
    position_for,
    reduces,
    require_margin,
)
from futures.services.wallet import futures_wallet_open
from trading import margin as spot_math
from trading.models import PlatformSettings
from trading.services.common import clean_amount


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


def _trigger_now(info: selectors.SymbolInfo, working_type: str) -> Decimal:
    """The price a new stop would trigger on now: the mark, or the last contract price."""
    if working_type == FuturesOrder.WorkingType.MARK_PRICE:
        return info.mark
    return selectors.contract_prices(market={info.code: info})[info.code]


@dataclass(frozen=True)
class OrderRequest:
    """An order's request once its checks on the input passed: what placement (and its preview) acts on."""

    market: dict[str, selectors.SymbolInfo]
    info: selectors.SymbolInfo
    side: str
    kind: str
    qty: Decimal
    limit: Decimal | None
    stop: Decimal | None
    tif: str
    reduce_only: bool
    close_position: bool
    working: str
    rate: Decimal
    activation: Decimal
    client_order_id: str | None
    algo: bool = False

    @property
    def is_buy(self) -> bool:
        return self.side == FuturesOrder.Side.BUY


def futures_order_place(*, user, **params) -> FuturesOrder:
    """Place an order; it is accepted only if the available balance covers its initial margin, the
    loss it opens at its fill price and its fee. Reduce-only and close-position orders never increase
    a position. Bad input raises before anything changes.

    ``algo``: placed through Binance's algo service (a conditional order: a stop, take-profit or
    trailing stop); the same order, matched the same way, marked as an algo order.

    The two halves are the preview's too (``futures.services.orders.preview``): the checks on the input,
    then the checks on the wallet and the fill, which the preview runs in a transaction it rolls back."""
    # The perpetuals of the user's market: a class's holder trades the class's.
    market = selectors.market_for_user(user=user)
    return order_request_place(user=user, request=order_request_clean(market=market, **params))


def order_request_clean(
    *,
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
    algo: bool = False,
    market: dict[str, selectors.SymbolInfo] | None = None,
) -> OrderRequest:
    """The checks on the input alone (filters, flags, the symbol's price): each refusal is a 400 that
    depends on nothing of the user's. Reads the market once (``market``: the user's, given by the caller;
    default the main one's); writes nothing."""
    market = market if market is not None else selectors.market_get()
    info = selectors.symbol_get(market=market, symbol=symbol)
    side = clean_choice(side, field="side", choices=FuturesOrder.Side)
    kind = clean_choice(type, field="type", choices=FuturesOrder.Type)
    if algo and kind not in CONDITIONAL_TYPES:
        raise FuturesError(
            f"A {kind} order is no conditional order: the algo service takes "
            "STOP, STOP_MARKET, TAKE_PROFIT, TAKE_PROFIT_MARKET and TRAILING_STOP_MARKET.",
            code="invalid_order_type",
            fields={"type": ["A conditional order type."]},
        )
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
    mark = info.mark
    is_buy = side == FuturesOrder.Side.BUY
    if stop is not None and spot_math.stop_reached(
        is_stop_loss=kind in STOP_LOSS_TYPES, is_buy=is_buy, stop=stop, mark=_trigger_now(info, working)
    ):
        raise FuturesError("Order would immediately trigger.", code="would_immediately_trigger")
    if not (reduce_only or close_position) and qty * (limit or mark) < info.symbol.min_notional:
        raise FuturesError(
            f"Order's notional must be no smaller than {info.symbol.min_notional.normalize()} USDT.",
            code="min_notional",
            fields={"quantity": ["Filter failure: MIN_NOTIONAL"]},
        )
    return OrderRequest(
        market=market,
        info=info,
        side=side,
        kind=kind,
        qty=qty,
        limit=limit,
        stop=stop,
        tif=tif,
        reduce_only=reduce_only,
        close_position=close_position,
        working=working,
        rate=rate,
        activation=activation,
        client_order_id=client_order_id,
        algo=algo,
    )


def order_request_place(*, user, request: OrderRequest) -> FuturesOrder:
    """The checks on the wallet (frozen, duplicate id, reduce-only, margin) and the order placed: filled at
    once, expired, or resting."""
    market, info, kind, qty, limit, stop, tif = (
        request.market,
        request.info,
        request.kind,
        request.qty,
        request.limit,
        request.stop,
        request.tif,
    )
    side, is_buy, reduce_only, mark = request.side, request.is_buy, request.reduce_only, info.mark
    ctx = FillContext(settings=PlatformSettings.objects.get(pk=1))
    if ctx.uses_book:
        ctx.params.update(selectors.book_params([info]))  # read before the wallet's lock, which stays short
    wallet = futures_wallet_open(user=user)
    client_order_id = str(request.client_order_id or uuid.uuid4().hex)[:36]

    with transaction.atomic():
        locked = wallet_lock(wallet.pk)
        if locked.account.is_frozen:
            raise FuturesError("The account is frozen.", code="account_frozen", status=409)
        if FuturesOrder.objects.filter(account=locked.account, client_order_id=client_order_id).exists():
            raise FuturesError("Duplicate clientOrderId.", code="duplicate_order", status=409)
        position = position_for(locked, info)
        if reduce_only and not reduces(position.position_amt, is_buy):
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
            close_position=request.close_position,
            working_type=request.working,
            callback_rate=request.rate,
            activation_price=request.activation,
            client_order_id=client_order_id,
            orig_type=kind,
            algo_type=ALGO_CONDITIONAL if request.algo else "",
        )
        if kind == Type.MARKET:
            _take(locked, market, info, order, position, fillable(order, position, qty), ctx)
        elif (
            limit is not None and kind == Type.LIMIT and spot_math.is_marketable(is_buy=is_buy, limit=limit, mark=mark)
        ):
            if tif == TIF.GTX:
                raise FuturesError(
                    "Due to the order could not be executed as maker, the Post Only order will be rejected.",
                    code="post_only_rejected",
                )
            _take(locked, market, info, order, position, fillable(order, position, qty), ctx, limit=limit)
        elif kind == Type.LIMIT and tif in (TIF.IOC, TIF.FOK):
            order.status = Status.EXPIRED
            order.status_reason = f"{tif}: nothing to match at {limit} with the mark at {mark}"
            order.save()
        else:
            # A resting limit or a stop waiting for its trigger: it holds initial margin, not funds.
            price_then = limit or stop or request.activation or mark
            require_margin(locked, market, info, position, is_buy, qty, price_then, price_then, Decimal(0))
            order.save()
        return order


def _take(locked, market, info, order: FuturesOrder, position, qty: Decimal, ctx: FillContext, *, limit=None) -> None:
    """Fill a MARKET order or a marketable LIMIT as taker now, as the fill model allows.

    Under the BOOK model it takes what the book offers (at most to its limit): a MARKET order expires its
    rest, as Binance's market orders never rest, and so do IOC orders; a FOK order fills whole or expires
    whole; a GTC limit rests with what is left (PARTIALLY_FILLED), holding the initial margin of its rest.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api (timeInForce)
    """
    settings = ctx.settings
    is_buy = order.side == FuturesOrder.Side.BUY
    plan = taker_fills(ctx, info, is_buy=is_buy, quantity=qty, limit=limit)
    if order.time_in_force == TIF.FOK and not plan.complete:
        order.status, order.status_reason = Status.EXPIRED, "FOK: the order could not fill in full at once."
        order.save()
        return
    if plan.fills:
        price = plan.average
        assert price is not None
        require_margin(locked, market, info, position, is_buy, plan.quantity, price, info.mark, settings.taker_fee)
    order.save()
    for level in plan.fills:
        fill(locked, info, order, quantity=level.quantity, price=level.price, fee_rate=settings.taker_fee)
    if plan.complete or order.type == Type.MARKET or order.time_in_force == TIF.IOC:
        finish(order, complete=plan.complete)
        return
    # A GTC limit the book could not fill whole rests with its rest, which must hold its initial margin.
    rest = qty - order.executed_qty
    require_margin(locked, market, info, locked.position(info.symbol), is_buy, rest, limit, limit, Decimal(0))
    order.status = Status.PARTIALLY_FILLED if order.executed_qty else Status.NEW
    order.save()
