"""Order placement. MARKET orders fill at once at the mark price (moved by slippage against the taker).

Other order types (LIMIT, stops, OCO) come with the orders issue; the order row already carries their
fields, and a fill is one ``_fill_locked`` call whatever the type, so resting orders will reuse it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.errors import ApplicationError, Conflict, MarginRuleViolation
from trading import margin, selectors
from trading.models import Account, AccountKind, JournalEntry, Order, Pair, PlatformSettings, SystemAccount, Trade
from trading.services.common import clean_amount, clean_choice
from trading.services.ledger import LockedAccount, Posting, accounts_lock, ledger_post, system_balance
from trading.services.loans import LoanBook, borrow_locked, ensure_tradable, repay_locked
from trading.services.positions import entry_price_update

CLIENT_ORDER_ID = re.compile(r"^[a-zA-Z0-9_.:-]{1,36}$")
BORROWING = {Order.SideEffect.MARGIN_BUY, Order.SideEffect.AUTO_BORROW_REPAY}
REPAYING = {Order.SideEffect.AUTO_REPAY, Order.SideEffect.AUTO_BORROW_REPAY}


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


def _clean_request(
    *, account: Account, symbol, side, type, quantity, quote_quantity, price, stop_price, time_in_force, side_effect
) -> OrderRequest:
    pair = selectors.pair_get(symbol=symbol)
    side = clean_choice(side, field="side", choices=Order.Side)
    type = clean_choice(type, field="type", choices=Order.Type)
    side_effect = clean_choice(
        side_effect or Order.SideEffect.NO_SIDE_EFFECT, field="side_effect", choices=Order.SideEffect
    )
    if type != Order.Type.MARKET:
        raise ApplicationError(
            f"{type} orders are not supported yet; use MARKET.",
            code="unsupported_order_type",
            fields={"type": ["Only MARKET for now."]},
        )
    for name, value in (("price", price), ("stop_price", stop_price), ("time_in_force", time_in_force)):
        if value not in (None, ""):
            raise ApplicationError(
                f"Parameter '{name}' sent when not required.", fields={name: ["Not used by MARKET orders."]}
            )
    if (quantity in (None, "")) == (quote_quantity in (None, "")):
        raise ApplicationError(
            "Send either quantity or quote_quantity.", fields={"quantity": ["Send quantity or quote_quantity."]}
        )
    quantity = clean_amount(quantity, field="quantity") if quantity not in (None, "") else None
    quote_quantity = clean_amount(quote_quantity, field="quote_quantity") if quote_quantity not in (None, "") else None

    if not pair.is_active:
        raise ApplicationError(f"{pair.symbol} is not trading.", code="symbol_halted")
    if account.kind == AccountKind.SPOT:
        if side_effect != Order.SideEffect.NO_SIDE_EFFECT:
            raise ApplicationError(
                "Side effects need a margin account.", fields={"side_effect": ["Spot orders take NO_SIDE_EFFECT."]}
            )
    elif account.kind == AccountKind.ISOLATED and account.pair_id != pair.pk:
        raise ApplicationError(
            f"The isolated {account.pair.symbol} account trades only {account.pair.symbol}.",
            code="symbol_not_allowed",
            fields={"symbol": [f"Only {account.pair.symbol}."]},
        )
    elif not pair.margin_enabled:
        raise ApplicationError(f"{pair.symbol} is not open for margin trading.", code="margin_not_allowed")
    return OrderRequest(
        pair=pair,
        side=side,
        type=type,
        side_effect=side_effect,
        quantity=quantity,
        quote_quantity=quote_quantity,
        price=None,
        stop_price=None,
        time_in_force="",
    )


def _clean_client_order_id(value) -> str:
    if value in (None, ""):
        return f"ml-{uuid.uuid4().hex[:30]}"
    if not isinstance(value, str) or not CLIENT_ORDER_ID.match(value):
        raise ApplicationError(
            "client_order_id must be 1 to 36 letters, digits or _.:-", fields={"client_order_id": ["Invalid id."]}
        )
    return value


def order_place(
    *,
    user,
    account_id,
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
    now: datetime | None = None,
) -> Order:
    """Place an order; the same client order id with the same order returns the first one."""
    account = selectors.account_get_for_user(user=user, account_id=account_id)
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
    client_order_id = _clean_client_order_id(client_order_id)
    mark = selectors.mark_price_get(pair=request.pair)
    prices = selectors.mark_prices()
    settings = selectors.platform_settings_get()
    now = now or timezone.now()

    with transaction.atomic():
        account = accounts_lock(account.pk)[account.pk]
        existing = Order.objects.filter(account=account, client_order_id=client_order_id).first()
        if existing is not None:
            if request.matches(existing):
                return existing
            raise Conflict(
                f"client_order_id {client_order_id!r} was already used for a different order.",
                code="duplicate_client_order_id",
            )
        ensure_tradable(account)
        locked = LockedAccount(account, [request.pair.base, request.pair.quote])
        order = Order(
            account=account,
            pair=request.pair,
            side=request.side,
            type=request.type,
            side_effect=request.side_effect,
            quantity=request.quantity,
            quote_quantity=request.quote_quantity,
            client_order_id=client_order_id,
        )
        fill = margin.market_fill(
            is_buy=request.side == Order.Side.BUY,
            mark=mark,
            quantity=request.quantity,
            quote_quantity=request.quote_quantity,
            slippage_bps=settings.slippage_bps,
            fee_rate=settings.taker_fee,
            tick=request.pair.tick_size,
            step=request.pair.step_size,
        )
        failure = margin.filter_failure(
            quantity=fill.quantity,
            price=mark,
            step=request.pair.step_size,
            min_qty=request.pair.min_qty,
            min_notional=request.pair.min_notional,
        )
        if failure:
            raise ApplicationError(
                f"Filter failure: {failure}", code="filter_failure", fields={"quantity": [f"Filter failure: {failure}"]}
            )
        _fill_locked(locked=locked, order=order, fill=fill, is_maker=False, prices=prices, settings=settings, now=now)
    return order


def _fill_locked(
    *,
    locked: LockedAccount,
    order: Order,
    fill: margin.Fill,
    is_maker: bool,
    prices: dict[str, Decimal],
    settings: PlatformSettings,
    now: datetime,
) -> Trade:
    """Apply one fill with the order's side effects, in one journal entry, or change nothing."""
    account, pair = locked.account, order.pair
    is_buy = order.side == Order.Side.BUY
    spend_asset, recv_asset = (pair.quote, pair.base) if is_buy else (pair.base, pair.quote)
    spend = fill.quote_quantity if is_buy else fill.quantity
    receive = fill.quantity if is_buy else fill.quote_quantity
    posting, book = Posting(), LoanBook()
    spend_balance, recv_balance = locked.balance(spend_asset), locked.balance(recv_asset)
    base_balance = locked.balance(pair.base)
    base_net_before = base_balance.net

    borrowed = Decimal(0)
    if order.side_effect in BORROWING and spend > spend_balance.free:
        borrowed = spend - spend_balance.free
        borrow_locked(locked=locked, asset=spend_asset, amount=borrowed, posting=posting, book=book, now=now)
    posting.move(spend_balance, system_balance(SystemAccount.MARKET, spend_asset), spend)
    posting.move(system_balance(SystemAccount.MARKET, recv_asset), recv_balance, receive)
    posting.move(recv_balance, system_balance(SystemAccount.FEES, recv_asset), fill.fee)
    if order.side_effect in REPAYING:
        owed = recv_balance.borrowed + recv_balance.interest
        repay = min(receive - fill.fee, owed)
        if repay > 0:
            repay_locked(locked=locked, asset=recv_asset, amount=repay, posting=posting, book=book, now=now)
    entry_price_update(balance=base_balance, net_before=base_net_before, price=fill.price)

    if borrowed and account.is_margin:
        ratios = selectors.ratios_get(account=account, profile_id=settings.risk_profile_id)
        level = selectors.valuation_of(balances=locked.all(), prices=prices).level
        if not margin.level_allows(level, ratios.initial):
            raise MarginRuleViolation(
                f"The order would leave the margin level at {level:.4f}, below the initial ratio {ratios.initial}.",
            )

    entry = ledger_post(
        kind=JournalEntry.Kind.TRADE,
        posting=posting,
        account=account,
        memo=f"{order.side} {fill.quantity} {pair.symbol} @ {fill.price}",
    )
    order.executed_qty += fill.quantity
    order.cummulative_quote_qty += fill.quote_quantity
    order.status = Order.Status.FILLED
    if borrowed:
        order.borrowed_amount += borrowed
        order.borrowed_asset = spend_asset
    order.save()
    book.save(entry, order)
    return Trade.objects.create(
        order=order,
        account=account,
        pair=pair,
        side=order.side,
        price=fill.price,
        quantity=fill.quantity,
        quote_quantity=fill.quote_quantity,
        fee=fill.fee,
        fee_asset=recv_asset,
        is_maker=is_maker,
        entry=entry,
    )
