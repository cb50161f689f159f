"""One fill of an order, with its side effects, written into the operation's single posting; and the
fill model, which says at what prices and how much a taker fills (``taker_plan``).

Every service that fills (placement, the matcher, liquidation) collects the borrow, the lock, the fill,
the fee and the repayment of one transaction into ONE Posting and posts it once: system balances are
then always updated in one sorted batch, which is what keeps two transactions from deadlocking on them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from core.bulk import rows_insert, rows_update
from trading import book as order_book
from trading import margin, selectors
from trading.book import BookParams, Level
from trading.margin import ZERO
from trading.models import (  # OPEN_STATUSES: still imported from here by risk.services.liquidation
    OPEN_STATUSES,  # noqa: F401
    Balance,
    Bucket,
    FillModel,
    JournalEntry,
    Order,
    Pair,
    PlatformSettings,
    SystemAccount,
    Trade,
)
from trading.services.common import margin_rule_check
from trading.services.ledger import (
    DEFERRED_FIELDS,
    LockedAccount,
    NewRows,
    Posting,
    ledger_post,
    system_balance_to_post,
)
from trading.services.loans import LoanBook, borrow_locked, initial_check_valuation, repay_locked
from trading.services.positions import entry_price_update

BORROWING = {Order.SideEffect.MARGIN_BUY, Order.SideEffect.AUTO_BORROW_REPAY}
REPAYING = {Order.SideEffect.AUTO_REPAY, Order.SideEffect.AUTO_BORROW_REPAY}
FIRST_LEVELS = 3  # levels a taker's walk builds first (``taker_plan``)


@dataclass
class Operation:
    """What one transaction on one locked account writes: one journal entry and its records."""

    locked: LockedAccount
    settings: PlatformSettings
    prices: dict[str, Decimal]
    now: datetime
    posting: Posting = field(default_factory=Posting)
    # The interest clock and entry price of its balances are saved with its entry (``commit``).
    book: LoanBook = field(default_factory=lambda: LoanBook(deferred=set()))
    trades: list[Trade] = field(default_factory=list)
    borrowed: Decimal = ZERO
    _system: dict = field(default_factory=dict)
    # Each pair's book parameters, looked up once; the matcher shares one dict between its operations.
    book_params: dict[int, BookParams] = field(default_factory=dict)

    def book_side(self, pair: Pair, mark: Decimal, *, is_buy: bool, top: int | None = None) -> tuple[Level, ...]:
        return book_side_get(self.book_params, pair=pair, mark=mark, now=self.now, is_buy=is_buy, top=top)

    def system(self, code: SystemAccount, asset) -> Balance:
        """A system balance, looked up once per operation (its rows are only ever changed by UPDATEs)."""
        # The lending pool and insurance fund of the account's market (a class's own); a liquidation batch
        # shares this dict between the accounts of several markets.
        market = self.locked.account.market_id
        key = (code, asset.pk, market)
        if key not in self._system:
            self._system[key] = system_balance_to_post(code, asset, market=market)
        return self._system[key]

    def initial_check(self) -> None:
        """Anything borrowed: the account must still meet its initial ratio."""
        account = self.locked.account
        if self.borrowed and account.is_margin:
            margin_rule_check(
                # The borrow's own first hour is not counted (the rule and its sources: initial_check_valuation).
                valuation=initial_check_valuation(balances=self.locked.all(), prices=self.prices, book=self.book),
                ratios=selectors.ratios_get(
                    account=account, profile_id=self.settings.risk_profile_id, balances=self.locked.all()
                ),
                rule="initial",
                action="The order",
            )

    def commit(self, *, kind: str, memo: str, orders: list[Order]) -> JournalEntry | None:
        """Check the initial ratio if anything was borrowed, post the entry, then save the records."""
        account = self.locked.account
        self.initial_check()
        entry = None
        deferred = sorted(self.book.deferred or (), key=lambda balance: balance.pk)
        new = [order for order in orders if order.pk is None]
        for order in orders:
            if order.pk is not None:
                order.save()
        # A new order (placement): it, its trades and its loan events go with the entry, in its statement.
        together = (
            bool(self.posting.lines) and len(orders) == 1 and _only_of_new(orders[0], [*self.trades, *self.book.events])
        )
        if together:
            for event in self.book.events:
                event.order = orders[0]
        if self.posting.lines:
            entry = ledger_post(
                kind=kind,
                posting=self.posting,
                account=account,
                memo=memo,
                held=self.locked.all(),
                prices=self.prices,
                deferred=deferred,
                rows=[
                    NewRows("new_order", new),
                    NewRows("new_trades", self.trades, {"entry": "entry", "order": "new_order"}),
                    NewRows("new_loan_events", self.book.events, {"entry": "entry", "order": "new_order"}),
                ]
                if together
                else (),
            )
            if together:
                return entry
        elif deferred:
            rows_update(Balance, deferred, DEFERRED_FIELDS)
        rows_insert(new, ids=True)
        for trade in self.trades:
            assert entry is not None  # a trade always moves money, so the posting has lines
            trade.entry = entry
        rows_insert(self.trades, ids=True)  # the answer lists them by id
        if entry is not None:
            self.book.save(entry, orders[0] if len(orders) == 1 else None)
        return entry


def _only_of_new(order: Order, records: list) -> bool:
    """Whether ``order`` is new and every record (trade, loan event) is its own or no order's yet."""
    if order.pk is not None:
        return False
    return all(
        record.order_id is None and record._state.fields_cache.get("order", order) is order for record in records
    )


def book_side_get(
    params: dict[int, BookParams], *, pair: Pair, mark: Decimal, now: datetime, is_buy: bool, top: int | None = None
) -> tuple[Level, ...]:
    """The side of ``pair``'s book a taker meets at ``mark`` (the same book the depth views show).

    ``params`` caches each pair's book parameters, so one operation (or one match) reads them once.
    ``top``: only the first levels (the same as the whole side's first ones: level i depends on i alone).
    """
    if pair.pk not in params:
        params[pair.pk] = selectors.book_params_get(pair=pair)
    shape = params[pair.pk]
    if top is not None and top < shape.levels:
        shape = replace(shape, levels=top)
    return order_book.book_side(
        mark=mark,
        params=shape,
        tick=pair.tick_size,
        step=pair.step_size,
        is_ask=is_buy,
        bucket=shape.bucket(now.timestamp()),
        key=pair.symbol,
    )


def spend_and_receive(order: Order):
    pair = order.pair
    return (pair.quote, pair.base) if order.side == Order.Side.BUY else (pair.base, pair.quote)


def borrow_missing(op: Operation, order: Order, amount: Decimal) -> None:
    """MARGIN_BUY / AUTO_BORROW_REPAY: borrow what the free balance lacks for ``amount``."""
    if order.side_effect not in BORROWING:
        return
    spend_asset, _ = spend_and_receive(order)
    missing = amount - op.locked.balance(spend_asset).free
    if missing > 0:
        events = len(op.book.events)
        borrow_locked(locked=op.locked, asset=spend_asset, amount=missing, posting=op.posting, book=op.book, now=op.now)
        for event in op.book.events[events:]:
            event.order = order
        order.borrowed_amount += missing
        order.borrowed_asset = spend_asset
        op.borrowed += missing


def lock(op: Operation, order: Order, amount: Decimal) -> None:
    spend_asset, _ = spend_and_receive(order)
    balance = op.locked.balance(spend_asset)
    op.posting.move(balance, balance, amount, dst_bucket=Bucket.LOCKED)
    order.locked_amount += amount


def release(op: Operation, order: Order) -> Decimal:
    """Give the order's locked funds back to free; with autoRepayAtCancel, repay what it borrowed."""
    spend_asset, _ = spend_and_receive(order)
    balance = op.locked.balance(spend_asset)
    released = order.locked_amount
    if released:
        op.posting.move(balance, balance, released, src_bucket=Bucket.LOCKED)
        order.locked_amount = ZERO
    if order.auto_repay_at_cancel and order.borrowed_amount and order.side_effect in BORROWING:
        repay = min(order.borrowed_amount, released, balance.free, balance.borrowed + balance.interest)
        if repay > 0:
            repay_locked(
                locked=op.locked, asset=spend_asset, amount=repay, posting=op.posting, book=op.book, now=op.now
            )
    return released


def fill(op: Operation, order: Order, fill: margin.Fill, *, is_maker: bool) -> Trade:
    """Apply one fill: funds from the order's lock first, then from free (borrowing if allowed)."""
    account = op.locked.account
    is_buy = order.side == Order.Side.BUY
    spend_asset, recv_asset = spend_and_receive(order)
    spend = fill.quote_quantity if is_buy else fill.quantity
    receive = fill.quantity if is_buy else fill.quote_quantity
    spend_balance, recv_balance = op.locked.balance(spend_asset), op.locked.balance(recv_asset)
    base_balance = op.locked.balance(order.pair.base)
    base_net_before = base_balance.net
    market = op.system(SystemAccount.MARKET, spend_asset)

    from_lock = min(spend, order.locked_amount)
    if from_lock:
        op.posting.move(spend_balance, market, from_lock, src_bucket=Bucket.LOCKED)
        order.locked_amount -= from_lock
    if spend - from_lock:
        borrow_missing(op, order, spend - from_lock)
        op.posting.move(spend_balance, market, spend - from_lock)
    op.posting.move(op.system(SystemAccount.MARKET, recv_asset), recv_balance, receive)
    op.posting.move(recv_balance, op.system(SystemAccount.FEES, recv_asset), fill.fee)

    order.executed_qty += fill.quantity
    order.cummulative_quote_qty += fill.quote_quantity
    if order.quantity is None or order.executed_qty >= order.quantity:
        order.status = Order.Status.FILLED
        if order.locked_amount:
            op.posting.move(spend_balance, spend_balance, order.locked_amount, src_bucket=Bucket.LOCKED)
            order.locked_amount = ZERO
    else:
        order.status = Order.Status.PARTIALLY_FILLED
        _release_excess(op, order, spend_balance)
    if order.side_effect in REPAYING:
        repay = min(receive - fill.fee, recv_balance.borrowed + recv_balance.interest, recv_balance.free)
        if repay > 0:
            events = len(op.book.events)
            repay_locked(locked=op.locked, asset=recv_asset, amount=repay, posting=op.posting, book=op.book, now=op.now)
            for event in op.book.events[events:]:
                event.order = order
    entry_price_update(balance=base_balance, net_before=base_net_before, price=fill.price, deferred=op.book.deferred)
    trade = Trade(
        order=order,
        account=account,
        pair=order.pair,
        side=order.side,
        price=fill.price,
        quantity=fill.quantity,
        quote_quantity=fill.quote_quantity,
        fee=fill.fee,
        fee_asset=recv_asset,
        is_maker=is_maker,
    )
    op.trades.append(trade)
    return trade


def _release_excess(op: Operation, order: Order, spend_balance: Balance) -> None:
    """A partly filled buy keeps locked only what its rest can cost at its limit; the rest comes free.

    A fill at a better price than the limit leaves more locked than the rest needs (Binance locks
    remaining quantity x price). A sell locks its base quantity, which its fills use up exactly.
    """
    if order.side != Order.Side.BUY or order.price is None or order.quantity is None:
        return
    needed = margin.buy_lock(quantity=order.quantity - order.executed_qty, price=order.price)
    excess = order.locked_amount - needed
    if excess > 0:
        op.posting.move(spend_balance, spend_balance, excess, src_bucket=Bucket.LOCKED)
        order.locked_amount = needed


# --- the fill model ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TakerPlan:
    """How a taker fills now: one fill per price, and whether that is all the order wanted."""

    fills: list[margin.Fill]
    wanted: Decimal  # the base quantity the order is for (a quote order's: what its quote buys)
    complete: bool

    @property
    def quantity(self) -> Decimal:
        return sum((f.quantity for f in self.fills), ZERO)


def taker_plan(
    op: Operation,
    *,
    pair: Pair,
    is_buy: bool,
    mark: Decimal,
    fee_rate: Decimal,
    quantity: Decimal | None = None,
    quote_quantity: Decimal | None = None,
    limit: Decimal | None = None,
    sweep: bool = False,
) -> TakerPlan:
    """What a taker of ``quantity`` (or ``quote_quantity``) fills at ``mark``, never beyond ``limit``.

    The platform's fill model decides. BOOK walks the pair's book: price and slippage grow with size,
    and what is beyond the book's depth (or limit) does not fill. FIXED fills the whole order at the mark
    moved by ``slippage_bps`` (capped by ``max_fill_notional``). ``sweep`` is a forced close: it must
    fill whole, so what is beyond the book fills at the book's last price.
    """
    if op.settings.fill_model == FillModel.BOOK:
        # Most orders fill within the first levels: build those, and the whole side only when they do not suffice.
        levels = op.book_side(pair, mark, is_buy=is_buy, top=None if sweep else FIRST_LEVELS)
        amounts = {"step": pair.step_size, "quantity": quantity, "quote": quote_quantity, "limit": limit}
        walked = order_book.walk(levels, is_buy=is_buy, sweep=sweep, **amounts)
        if not walked.complete and not sweep:
            levels = op.book_side(pair, mark, is_buy=is_buy)
            walked = order_book.walk(levels, is_buy=is_buy, **amounts)
        if walked.fills or not sweep:
            fills = [
                margin.fill_at(is_buy=is_buy, price=lv.price, quantity=lv.quantity, fee_rate=fee_rate)
                for lv in walked.fills
            ]
            wanted = quantity if quantity is not None else walked.quantity
            return TakerPlan(fills=fills, wanted=wanted, complete=walked.complete)
        # A book so thin it has no level at all: a forced close still closes, at the fixed price.
    price = margin.slipped_price(mark=mark, is_buy=is_buy, slippage_bps=op.settings.slippage_bps, tick=pair.tick_size)
    if limit is not None:
        price = min(price, limit) if is_buy else max(price, limit)
    if quantity is None:
        if quote_quantity is None:
            raise ValueError("a taker fill needs quantity or quote_quantity")
        quantity = margin.round_down(quote_quantity / price, pair.step_size)
    filled = quantity
    if not sweep:
        filled = margin.capped_quantity(
            quantity=quantity, price=price, max_notional=op.settings.max_fill_notional, step=pair.step_size
        )
    fills = [margin.fill_at(is_buy=is_buy, price=price, quantity=filled, fee_rate=fee_rate)] if filled > 0 else []
    return TakerPlan(fills=fills, wanted=quantity, complete=filled >= quantity)


def fills_total(fills: list[margin.Fill]) -> margin.Fill:
    """Several fills as one, at their average price (on 8 places): what a caller funding them needs."""
    quantity = sum((f.quantity for f in fills), ZERO)
    quote = sum((f.quote_quantity for f in fills), ZERO)
    price = margin.round_half_up(quote / quantity) if quantity else ZERO
    return margin.Fill(price=price, quantity=quantity, quote_quantity=quote, fee=sum((f.fee for f in fills), ZERO))


def fill_memo(order: Order) -> str:
    return f"{order.type} {order.side} {order.pair.symbol} #{order.client_order_id}"


def position_close(
    *,
    op: Operation,
    pair: Pair,
    side: str,
    quantity: Decimal,
    reason: str,
    before_fill: Callable[[margin.Fill], None] | None = None,
) -> tuple[Order, margin.Fill]:
    """Close ``quantity`` of a position at market: a MARKET order filled at once into ``op``.

    It fills as a MARKET order does under the fill model (walking the book: a large close moves down it,
    and what is beyond its depth fills at its last price, for a forced close must close whole), and pays
    no trading fee: a forced close (liquidation) charges its own fee instead. ``before_fill`` sees the
    fills' total before they are applied, so a caller can fund it first (liquidation's insurance fund
    pays for a buy-back the account cannot). The order is returned unsaved: ``op.commit`` saves it.
    """
    plan = taker_plan(
        op,
        pair=pair,
        is_buy=side == Order.Side.BUY,
        mark=op.prices[pair.base.code],
        quantity=quantity,
        fee_rate=ZERO,
        sweep=True,
    )
    priced = fills_total(plan.fills)
    if before_fill is not None:
        before_fill(priced)
    order = Order(
        account=op.locked.account,
        pair=pair,
        side=side,
        type=Order.Type.MARKET,
        quantity=quantity,
        client_order_id=f"autoclose-{uuid.uuid4().hex[:20]}",
        status_reason=reason,
    )
    for one in plan.fills:
        fill(op, order, one, is_maker=False)
    return order, priced
