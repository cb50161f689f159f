"""What the matcher does to one locked account's reached orders, in memory: trigger, fill, cancel OCO legs.

Both ways of working an account (alone, ``matching.account_work``; in a batch of accounts,
``matching.batch``) run this same loop on an ``Operation``; they differ only in how they read the orders
and write what it leaves (the posting, the changed orders, the trades, the OCO lists it closed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from trading import margin, selectors
from trading.book import BookParams
from trading.models import Account, FillModel, Order, Pair, PlatformSettings
from trading.services import fills
from trading.services.fills import Operation
from trading.services.orders import cancel_locked, take

SL, TP = Order.Type.STOP_LOSS_LIMIT, Order.Type.TAKE_PROFIT_LIMIT
BUY, SELL = Order.Side.BUY, Order.Side.SELL


@dataclass
class MatchResult:
    triggered: int = 0
    filled: int = 0
    failed: int = 0

    def add(self, other: MatchResult) -> None:
        self.triggered += other.triggered
        self.filled += other.filled
        self.failed += other.failed


@dataclass
class Context:
    """What every account's work of one match shares."""

    mark: Decimal
    settings: PlatformSettings
    prices: dict
    now: datetime
    touch: dict[int, Decimal]  # order id -> what it may fill at the touch (orders at the mark's price only)
    books: dict[int, BookParams]
    pair: Pair  # the pair whose price moved
    # Read once per move, as the mark prices are: each market's settings (``account_settings``) and the
    # write-only system balances the fills post to (``matching.batch``).
    market_settings: dict[int | None, PlatformSettings] = field(default_factory=dict)
    system: dict = field(default_factory=dict)

    def account_settings(self, account: Account) -> PlatformSettings:
        """The settings of the account's market (its fees, fill model), looked up once per move."""
        if account.market_id not in self.market_settings:
            self.market_settings[account.market_id] = selectors.account_settings_get(account)
        return self.market_settings[account.market_id]


@dataclass
class Worked:
    """What working one account's orders left to write, besides its operation's posting and trades."""

    changed: dict[int, Order] = field(default_factory=dict)  # every order triggered, filled or cancelled
    lists_done: set[int] = field(default_factory=set)  # OCO lists now ALL_DONE
    outcome: MatchResult = field(default_factory=MatchResult)

    @property
    def memo(self) -> str:
        return f"({len(self.changed)} orders)"


def orders_work(
    op: Operation, orders: Iterable[Order], ctx: Context, siblings: Callable[[Order], list[Order]]
) -> Worked:
    """Work ``orders`` (the account's open reached orders, in id order) into ``op``.

    Each is re-checked against the mark, for its state is the one read under the account's lock.
    ``siblings(order)``: the other open legs of its OCO list.
    """
    mark, worked = ctx.mark, Worked()
    changed, outcome = worked.changed, worked.outcome
    for order in orders:
        if order.pk in changed:  # an OCO leg this batch already cancelled
            continue
        changed[order.pk] = order
        is_buy = order.side == BUY
        trades_before = len(op.trades)
        if not order.is_working:
            if not margin.stop_reached(is_stop_loss=order.type == SL, is_buy=is_buy, stop=order.stop_price, mark=mark):
                continue
            order.is_working = True
            outcome.triggered += 1
            if order.order_list_id:
                changed.update((o.pk, o) for o in _oco_hand_over(op, order, siblings(order)))
                worked.lists_done.add(order.order_list_id)
            if margin.is_marketable(is_buy=is_buy, limit=order.price, mark=mark):
                take(op, order, mark)
        elif margin.is_marketable(is_buy=is_buy, limit=order.price, mark=mark):
            _make(op, order, ctx.touch.get(order.pk))
            if order.order_list_id:
                changed.update((o.pk, o) for o in _oco_cancel_others(op, siblings(order)))
                worked.lists_done.add(order.order_list_id)
        if len(op.trades) > trades_before:
            outcome.filled += 1
    return worked


def _make(op: Operation, order: Order, touch_share: Decimal | None) -> None:
    """A resting limit the price reached fills at its own price, as maker, as far as depth allows.

    ``touch_share``: what it may fill when the mark only touches its price (BOOK: see the package's doc).
    """
    pair, settings = order.pair, op.settings
    remaining = order.quantity - order.executed_qty
    if settings.fill_model == FillModel.BOOK:
        quantity = remaining if touch_share is None else min(remaining, touch_share)
    else:
        quantity = margin.capped_quantity(
            quantity=remaining, price=order.price, max_notional=settings.max_fill_notional, step=pair.step_size
        )
    if quantity > 0:
        fill = margin.fill_at(
            is_buy=order.side == BUY, price=order.price, quantity=quantity, fee_rate=settings.maker_fee
        )
        fills.fill(op, order, fill, is_maker=True)


def _oco_hand_over(op: Operation, stop_leg: Order, others: list[Order]) -> list[Order]:
    """The stop leg triggered: the limit leg is cancelled and its lock passes to the stop leg."""
    for other in others:
        stop_leg.locked_amount += other.locked_amount
        other.locked_amount = 0
        if other.borrowed_amount:
            stop_leg.borrowed_amount, stop_leg.borrowed_asset = other.borrowed_amount, other.borrowed_asset
            other.borrowed_amount = 0
        cancel_locked(op, other, "OCO: the other leg triggered.")
    return others


def _oco_cancel_others(op: Operation, others: list[Order]) -> list[Order]:
    """The limit leg filled (even partly): the stop leg is cancelled."""
    for other in others:
        cancel_locked(op, other, "OCO: the other leg filled.")
    return others
