"""One fill of an order, with its side effects, written into the operation's single posting.

Every service that fills (placement, the matcher, liquidation) collects the borrow, the lock, the fill,
the fee and the repayment of one transaction into ONE Posting and posts it once: system balances are
then always updated in one sorted batch, which is what keeps two transactions from deadlocking on them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from trading import margin, selectors
from trading.margin import ZERO
from trading.models import (  # OPEN_STATUSES: still imported from here by risk.services.liquidation
    OPEN_STATUSES,  # noqa: F401
    Balance,
    Bucket,
    JournalEntry,
    Order,
    Pair,
    PlatformSettings,
    SystemAccount,
    Trade,
)
from trading.services.common import margin_rule_check
from trading.services.ledger import LockedAccount, Posting, ledger_post, system_balance_to_post
from trading.services.loans import LoanBook, borrow_locked, repay_locked
from trading.services.positions import entry_price_update

BORROWING = {Order.SideEffect.MARGIN_BUY, Order.SideEffect.AUTO_BORROW_REPAY}
REPAYING = {Order.SideEffect.AUTO_REPAY, Order.SideEffect.AUTO_BORROW_REPAY}


@dataclass
class Operation:
    """What one transaction on one locked account writes: one journal entry and its records."""

    locked: LockedAccount
    settings: PlatformSettings
    prices: dict[str, Decimal]
    now: datetime
    posting: Posting = field(default_factory=Posting)
    book: LoanBook = field(default_factory=LoanBook)
    trades: list[Trade] = field(default_factory=list)
    borrowed: Decimal = ZERO
    _system: dict = field(default_factory=dict)

    def system(self, code: SystemAccount, asset) -> Balance:
        """A system balance, looked up once per operation (its rows are only ever changed by UPDATEs)."""
        key = (code, asset.pk)
        if key not in self._system:
            self._system[key] = system_balance_to_post(code, asset)
        return self._system[key]

    def commit(self, *, kind: str, memo: str, orders: list[Order]) -> JournalEntry | None:
        """Check the initial ratio if anything was borrowed, post the entry, then save the records."""
        account = self.locked.account
        if self.borrowed and account.is_margin:
            margin_rule_check(
                valuation=selectors.valuation_of(balances=self.locked.all(), prices=self.prices),
                ratios=selectors.ratios_get(account=account, profile_id=self.settings.risk_profile_id),
                rule="initial",
                action="The order",
            )
        entry = ledger_post(kind=kind, posting=self.posting, account=account, memo=memo) if self.posting.lines else None
        for order in orders:
            order.save()
        for trade in self.trades:
            assert entry is not None  # a trade always moves money, so the posting has lines
            trade.entry = entry
        Trade.objects.bulk_create(self.trades)
        if entry is not None:
            self.book.save(entry, orders[0] if len(orders) == 1 else None)
        return entry


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
    if order.side_effect in REPAYING:
        repay = min(receive - fill.fee, recv_balance.borrowed + recv_balance.interest, recv_balance.free)
        if repay > 0:
            events = len(op.book.events)
            repay_locked(locked=op.locked, asset=recv_asset, amount=repay, posting=op.posting, book=op.book, now=op.now)
            for event in op.book.events[events:]:
                event.order = order
    entry_price_update(balance=base_balance, net_before=base_net_before, price=fill.price)
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

    It fills at the mark price moved against it by the platform's slippage, like any MARKET order, and
    pays no trading fee: a forced close (liquidation) charges its own fee instead. ``before_fill`` sees
    the priced fill before it is applied, so a caller can fund it first (liquidation's insurance fund
    pays for a buy-back the account cannot). The order is returned unsaved: ``op.commit`` saves it.
    """
    priced = margin.market_fill(
        is_buy=side == Order.Side.BUY,
        mark=op.prices[pair.base.code],
        quantity=quantity,
        quote_quantity=None,
        slippage_bps=op.settings.slippage_bps,
        fee_rate=ZERO,
        tick=pair.tick_size,
        step=pair.step_size,
    )
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
    fill(op, order, priced, is_maker=False)
    return order, priced
