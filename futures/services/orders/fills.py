"""One fill into a one-way position and the ledger, the margin an order needs, cancellation."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from core.money import Q8
from futures import formulas as f
from futures import selectors
from futures.models import FuturesOrder, FuturesPosition, FuturesTrade, Income, MarginType
from futures.services.common import FuturesError, LockedWallet, bands_clear, system, wallet_lock
from trading.models import Bucket, JournalEntry, SystemAccount
from trading.services.ledger import Posting, ledger_post

Type = FuturesOrder.Type
TIF = FuturesOrder.TimeInForce
Status = FuturesOrder.Status

LIMIT_TYPES = {Type.LIMIT, Type.STOP, Type.TAKE_PROFIT}
STOP_TYPES = {Type.STOP, Type.STOP_MARKET, Type.TAKE_PROFIT, Type.TAKE_PROFIT_MARKET}
STOP_LOSS_TYPES = {Type.STOP, Type.STOP_MARKET}
CLOSE_POSITION_TYPES = {Type.STOP_MARKET, Type.TAKE_PROFIT_MARKET}
# What Binance's algo service takes (New Algo Order, type "For CONDITIONAL algoType").
CONDITIONAL_TYPES = STOP_TYPES | {Type.TRAILING_STOP_MARKET}
TRAILING_MIN, TRAILING_MAX = Decimal("0.1"), Decimal(10)


def position_for(locked: LockedWallet, info: selectors.SymbolInfo) -> FuturesPosition:
    position = locked.position(info.symbol)
    if position.position_amt == 0:
        # A flat position takes the symbol's current settings when it opens.
        setting = selectors.setting_get(wallet=locked.account, symbol=info.symbol)
        if (position.margin_type, position.leverage) != (setting.margin_type, setting.leverage):
            position.margin_type, position.leverage = setting.margin_type, setting.leverage
            position.save(update_fields=["margin_type", "leverage", "updated_at"])
    return position


def reduces(position_amt: Decimal, is_buy: bool) -> bool:
    return (position_amt < 0) if is_buy else (position_amt > 0)


def fillable(order: FuturesOrder, position: FuturesPosition, qty: Decimal) -> Decimal:
    """A reduce-only or close-position order fills at most the position, so it can never flip it."""
    if order.close_position:
        return abs(position.position_amt)
    if order.reduce_only:
        return min(qty, abs(position.position_amt))
    return qty


def require_margin(locked, market, info, position, is_buy, qty, fill_price, mark, fee_rate, exclude=None) -> None:
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


def finish(order: FuturesOrder, *, complete: bool = True) -> None:
    """The order is done: filled (a reduce-only one capped at the position), or expired with its rest.

    ``complete`` is False when the book could not fill all of it: what filled stays filled (its
    ``executedQty``), the rest expires, as Binance's market and IOC orders do.
    """
    if order.close_position:
        order.orig_qty = order.executed_qty
    order.status = Status.FILLED if order.executed_qty > 0 and complete else Status.EXPIRED
    if not complete:
        order.status_reason = "Market depth exhausted: the rest of the order expired."
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
    bands_clear(account_id=locked.account.pk)  # the sweep values the wallet again
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
        mark_price=info.mark_price,
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


def futures_order_cancel(*, user, order_id, untriggered: bool = False) -> FuturesOrder:
    """Cancel an open order. ``untriggered`` (the algo service's cancel): only while it still waits for its
    trigger; checked under the wallet's lock, so a stop that triggers meanwhile is refused, not cancelled."""
    order = selectors.order_get_for_user(user=user, order_id=order_id)
    with transaction.atomic():
        locked = wallet_lock(order.account_id)
        still_open = next((o for o in locked.orders if o.pk == order.pk), None)
        if still_open is None or (untriggered and still_open.triggered_at is not None):
            raise FuturesError("Unknown order sent: it is no longer open.", code="unknown_order", status=409)
        cancel(still_open, reason="cancelled by the user")
        return still_open


def cancel(order: FuturesOrder, *, reason: str, status: str = Status.CANCELED) -> None:
    order.status = status
    order.status_reason = reason[:120]
    order.save(update_fields=["status", "status_reason", "updated_at"])


def orders_cancel_all(locked: LockedWallet, *, symbol=None, reason: str, status: str = Status.CANCELED) -> int:
    """Cancel every open order of the locked wallet (of one symbol): liquidation does this first, with
    ``status=EXPIRED`` (Binance expires the orders the system removes)."""
    orders = locked.open_orders(symbol)
    for order in orders:
        cancel(order, reason=reason, status=status)
    return len(orders)
