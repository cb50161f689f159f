"""Placing orders (``shared/spec/margin-rules.md``, "Orders (paper fills)"); OCO and cancelling sit beside it.

MARKET fills at once against the fill model (``fills.taker_plan``: the pair's book, or the slipped mark
price); what it cannot fill expires. LIMIT locks its funds and fills at once as taker when
marketable, else rests until the matcher sees the mark price reach it and fills it as maker at its
price. LIMIT_MAKER that would take is rejected. Stop-limits rest unworking until the mark price
reaches their stop, then become LIMITs. OCO is a LIMIT_MAKER leg and a STOP_LOSS_LIMIT leg sharing
one lock; whichever works first cancels the other. A rejected order changes nothing.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import ApplicationError, Conflict
from core.prepared import Prepared
from trading import margin, selectors
from trading.models import OPEN_STATUSES, Account, AccountKind, JournalEntry, Order, Pair
from trading.services import fills
from trading.services.common import clean_amount, clean_choice
from trading.services.fills import Operation
from trading.services.ledger import LockedAccount, own_account_lock
from trading.services.loans import ensure_tradable

CLIENT_ORDER_ID = re.compile(r"^[a-zA-Z0-9_.:-]{1,36}$")
LIMIT_TYPES = (Order.Type.LIMIT, Order.Type.LIMIT_MAKER)
STOP_TYPES = (Order.Type.STOP_LOSS_LIMIT, Order.Type.TAKE_PROFIT_LIMIT)


@dataclass(frozen=True)
class OrderRequest:
    """A cleaned order: what idempotency compares a repeated client order id against."""

    pair: Pair
    side: str
    type: str
    side_effect: str
    quantity: Decimal | None
    quote_quantity: Decimal | None
    price: Decimal | None
    stop_price: Decimal | None
    time_in_force: str

    @property
    def is_buy(self) -> bool:
        return self.side == Order.Side.BUY

    def matches(self, order: Order) -> bool:
        return (
            order.pair_id == self.pair.pk
            and order.side == self.side
            and order.type == self.type
            and order.side_effect == self.side_effect
            and order.quantity == self.quantity
            and order.quote_quantity == self.quote_quantity
            and order.price == self.price
            and order.stop_price == self.stop_price
            and order.time_in_force == self.time_in_force
        )


def _given(value) -> bool:
    return value not in (None, "")


def _forbid(**params) -> None:
    for name, value in params.items():
        if _given(value):
            raise ApplicationError(
                f"Parameter '{name}' sent when not required.", fields={name: ["Not used by this order type."]}
            )


def _require(**params) -> None:
    for name, value in params.items():
        if not _given(value):
            raise ApplicationError(
                f"Mandatory parameter '{name}' was not sent.", fields={name: ["This field is required."]}
            )


def clean_side_effect(value) -> str:
    return clean_choice(value or Order.SideEffect.NO_SIDE_EFFECT, field="side_effect", choices=Order.SideEffect)


def _check_account_and_pair(account: Account, pair: Pair, side_effect: str) -> None:
    if not pair.is_active:
        raise ApplicationError(f"{pair.symbol} is not trading.", code="symbol_halted")
    if account.kind == AccountKind.SPOT:
        if side_effect != Order.SideEffect.NO_SIDE_EFFECT:
            raise ApplicationError(
                "Side effects need a margin account.", fields={"side_effect": ["Spot orders take NO_SIDE_EFFECT."]}
            )
    elif account.kind == AccountKind.ISOLATED and account.pair_id != pair.pk:
        raise ApplicationError(
            f"The isolated {account.isolated_pair.symbol} account trades only {account.isolated_pair.symbol}.",
            code="symbol_not_allowed",
            fields={"symbol": [f"Only {account.isolated_pair.symbol}."]},
        )
    elif not pair.margin_enabled:
        raise ApplicationError(f"{pair.symbol} is not open for margin trading.", code="margin_not_allowed")


def _clean_request(
    *, account: Account, symbol, side, type, quantity, quote_quantity, price, stop_price, time_in_force, side_effect
) -> OrderRequest:
    pair = selectors.pair_get(symbol=symbol, market=account.market_id)
    side = clean_choice(side, field="side", choices=Order.Side)
    type = clean_choice(type, field="type", choices=Order.Type)
    side_effect = clean_side_effect(side_effect)
    if type == Order.Type.MARKET:
        _forbid(price=price, stop_price=stop_price, time_in_force=time_in_force)
        if _given(quantity) == _given(quote_quantity):
            raise ApplicationError(
                "Send either quantity or quote_quantity.", fields={"quantity": ["Send quantity or quote_quantity."]}
            )
        tif = ""
    else:
        _forbid(quote_quantity=quote_quantity)
        _require(quantity=quantity, price=price)
        if type in STOP_TYPES:
            _require(stop_price=stop_price)
        else:
            _forbid(stop_price=stop_price)
        if type == Order.Type.LIMIT_MAKER:
            _forbid(time_in_force=time_in_force)
            tif = ""
        else:
            tif = clean_choice(time_in_force or Order.TimeInForce.GTC, field="time_in_force", choices=Order.TimeInForce)
    _check_account_and_pair(account, pair, side_effect)
    return OrderRequest(
        pair=pair,
        side=side,
        type=type,
        side_effect=side_effect,
        quantity=clean_amount(quantity, field="quantity") if _given(quantity) else None,
        quote_quantity=clean_amount(quote_quantity, field="quote_quantity") if _given(quote_quantity) else None,
        price=clean_amount(price, field="price") if _given(price) else None,
        stop_price=clean_amount(stop_price, field="stop_price") if _given(stop_price) else None,
        time_in_force=tif,
    )


def clean_client_order_id(value, field: str = "client_order_id") -> str:
    if not _given(value):
        return f"ml-{uuid.uuid4().hex[:30]}"
    if not isinstance(value, str) or not CLIENT_ORDER_ID.match(value):
        raise ApplicationError(f"{field} must be 1 to 36 letters, digits or _.:-", fields={field: ["Invalid id."]})
    return value


def check_filters(*, pair: Pair, quantity: Decimal, price: Decimal, prices: tuple = ()) -> None:
    failure = margin.filter_failure(
        quantity=quantity,
        price=price,
        step=pair.step_size,
        min_qty=pair.min_qty,
        min_notional=pair.min_notional,
        tick=pair.tick_size,
        prices=prices,
    )
    if failure:
        field = "price" if failure == "PRICE_FILTER" else "quantity"
        raise ApplicationError(
            f"Filter failure: {failure}", code="filter_failure", fields={field: [f"Filter failure: {failure}"]}
        )


# --- placement --------------------------------------------------------------------------------------


def order_place(
    *,
    user: User,
    account_id=None,
    symbol: str,
    side: str,
    type: str = Order.Type.MARKET,
    quantity=None,
    quote_quantity=None,
    price=None,
    stop_price=None,
    time_in_force=None,
    side_effect: str | None = None,
    client_order_id: str | None = None,
    auto_repay_at_cancel: bool = True,
    now: datetime | None = None,
    account: Account | None = None,
) -> Order:
    """Place an order; the same client order id with the same order returns the first one.

    ``account`` instead of ``account_id``: an account the caller already looked up as the user's (the
    Binance routes pick it by isIsolated and symbol), not read again; anything not the user's own is
    looked up by its id as ``account_id`` is, and so not found. The order comes back with its trades
    (``order.trades.all()`` reads nothing)."""
    prices = selectors.mark_prices()
    now = now or timezone.now()

    with transaction.atomic():
        # Found and locked at once: checking the request takes no time worth holding the row free for.
        locked = _own_account_locked(user=user, account_id=account_id, account=account)
        account = locked.account
        request = _clean_request(
            account=account,
            symbol=symbol,
            side=side,
            type=type,
            quantity=quantity,
            quote_quantity=quote_quantity,
            price=price,
            stop_price=stop_price,
            time_in_force=time_in_force,
            side_effect=side_effect,
        )
        # A client order id of the caller's may repeat an order (idempotency); one made here cannot.
        given_id = _given(client_order_id)
        client_order_id = clean_client_order_id(client_order_id)
        mark = mark_of(request.pair, prices)
        if request.quantity is not None:
            check_filters(
                pair=request.pair,
                quantity=request.quantity,
                price=request.price or mark,
                prices=(request.price, request.stop_price),
            )
        settings = selectors.account_settings_get(account)  # the account's market's fees and risk profile
        existing = _by_client_id(account.pk, client_order_id) if given_id else None
        if existing is not None:
            if request.matches(existing):
                return existing
            raise Conflict(
                f"client_order_id {client_order_id!r} was already used for a different order.",
                code="duplicate_client_order_id",
            )
        ensure_tradable(account)
        op = Operation(locked.with_assets([request.pair.base, request.pair.quote]), settings, prices, now)
        order = Order(
            account=account,
            pair=request.pair,
            side=request.side,
            type=request.type,
            side_effect=request.side_effect,
            quantity=request.quantity,
            quote_quantity=request.quote_quantity,
            price=request.price,
            stop_price=request.stop_price,
            time_in_force=request.time_in_force,
            client_order_id=client_order_id,
            auto_repay_at_cancel=bool(auto_repay_at_cancel),
        )
        if order.type == Order.Type.MARKET:
            _execute_market(op, order, mark)
        elif order.type in LIMIT_TYPES:
            _place_limit(op, order, mark)
        else:
            _place_stop(op, order, mark)
        op.commit(
            kind=JournalEntry.Kind.TRADE if op.trades else JournalEntry.Kind.LOCK,
            memo=fills.fill_memo(order),
            orders=[order],
        )
    # A new order's trades are exactly the ones this operation made (in id order): kept as Django keeps a
    # prefetch (prefetch_related fills a queryset so), and a response that lists them (Binance's FULL) does
    # not read them back.
    trades = order.trades.all()
    trades._result_cache, trades._prefetch_done = list(op.trades), True  # type: ignore[attr-defined]
    order._prefetched_objects_cache = {"trades": trades}  # type: ignore[attr-defined]
    return order


# Bots send their own client order id with most orders: compiled once (core.prepared). An account's ids are
# unique (its unique constraint).
_BY_CLIENT_ID = Prepared(
    lambda account_id, client_order_id: Order.objects.filter(
        account_id=account_id, client_order_id=client_order_id
    ).order_by()[:1],
    account_id=int,
    client_order_id=str,
)


def _by_client_id(account_id: int, client_order_id: str) -> Order | None:
    return next(iter(_BY_CLIENT_ID(account_id=account_id, client_order_id=client_order_id)), None)


def _own_account_locked(*, user: User, account_id, account: Account | None) -> LockedAccount:
    """The user's account and all its balances, locked: ``account`` (the caller looked it up) or the one
    ``account_id`` names, found and locked with its balances in one statement (``own_account_lock``). An
    account with no balance yet, or not the user's: found and locked as the user's own, then its balances
    (none), or "not found"."""
    account_id = account.pk if account is not None else account_id
    pk = selectors.as_id(account_id)
    if pk is not None and user is not None and user.is_authenticated:
        locked = own_account_lock(user=user, account_id=pk)
        if locked is not None:
            return locked
    return LockedAccount(selectors.account_get_for_user(user=user, account_id=account_id, lock=True))


def mark_of(pair: Pair, prices: dict[str, Decimal]) -> Decimal:
    """The pair's mark price out of ``mark_prices()`` (one query for both), else its own row."""
    if pair.quote.code == selectors.QUOTE_ASSET and pair.base.code in prices:
        return prices[pair.base.code]
    return selectors.mark_price_get(pair=pair)


def _execute_market(op: Operation, order: Order, mark: Decimal) -> None:
    """Fill as the fill model allows (``fills.taker_plan``); like Binance's, it never rests: the rest expires."""
    pair = order.pair
    plan = fills.taker_plan(
        op,
        pair=pair,
        is_buy=order.side == Order.Side.BUY,
        mark=mark,
        quantity=order.quantity,
        quote_quantity=order.quote_quantity,
        fee_rate=op.settings.taker_fee,
    )
    if order.quantity is None:
        check_filters(pair=pair, quantity=plan.wanted, price=mark)
    for fill in plan.fills:
        fills.fill(op, order, fill, is_maker=False)
    if order.status != Order.Status.FILLED or not plan.complete:
        order.status = Order.Status.EXPIRED
        order.status_reason = "Market depth exhausted: the rest of the order expired."


def _lock_for(op: Operation, order: Order, amount: Decimal) -> None:
    fills.borrow_missing(op, order, amount)
    fills.lock(op, order, amount)


def order_lock_amount(*, side: str, quantity: Decimal, price: Decimal) -> Decimal:
    return margin.buy_lock(quantity=quantity, price=price) if side == Order.Side.BUY else quantity


def _place_limit(op: Operation, order: Order, mark: Decimal) -> None:
    marketable = margin.is_marketable(is_buy=order.side == Order.Side.BUY, limit=order.price, mark=mark)
    if order.type == Order.Type.LIMIT_MAKER and marketable:
        raise ApplicationError("Order would immediately match and take.", code="would_take")
    _lock_for(op, order, order_lock_amount(side=order.side, quantity=order.quantity, price=order.price))
    if marketable:
        take(op, order, mark)
    elif order.time_in_force in (Order.TimeInForce.IOC, Order.TimeInForce.FOK):
        expire(op, order, f"{order.time_in_force}: not marketable when placed.")


def _place_stop(op: Operation, order: Order, mark: Decimal) -> None:
    if margin.stop_reached(
        is_stop_loss=order.type == Order.Type.STOP_LOSS_LIMIT,
        is_buy=order.side == Order.Side.BUY,
        stop=order.stop_price,
        mark=mark,
    ):
        raise ApplicationError("Order would immediately trigger.", code="would_trigger")
    _lock_for(op, order, order_lock_amount(side=order.side, quantity=order.quantity, price=order.price))
    order.is_working = False


def take(op: Operation, order: Order, mark: Decimal) -> None:
    """Fill a marketable limit as taker, as the fill model allows, never beyond its limit price."""
    remaining = order.quantity - order.executed_qty
    plan = fills.taker_plan(
        op,
        pair=order.pair,
        is_buy=order.side == Order.Side.BUY,
        mark=mark,
        quantity=remaining,
        limit=order.price,
        fee_rate=op.settings.taker_fee,
    )
    if order.time_in_force == Order.TimeInForce.FOK and not plan.complete:
        expire(op, order, "FOK: the order could not fill in full at once.")
        return
    for fill in plan.fills:
        fills.fill(op, order, fill, is_maker=False)
    if order.status in OPEN_STATUSES and order.time_in_force == Order.TimeInForce.IOC:
        expire(op, order, "IOC: the rest of the order expired.")


def expire(op: Operation, order: Order, reason: str) -> None:
    fills.release(op, order)
    order.status = Order.Status.EXPIRED
    order.status_reason = reason
