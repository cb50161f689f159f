"""Futures liquidation: the exact decision and the forced close.

An isolated position is liquidated alone when its margin plus uPnL falls to its maintenance margin; the
cross part of a wallet when its margin balance (cross wallet + cross uPnL) falls to the total cross
maintenance margin. Open orders go first; positions close at market against the paper market: into the
perpetual's order book under the BOOK fill model (a large close moves down it), at the mark under FIXED. What is
left of the margin (the clearance fee and any surplus) goes to the insurance fund; a loss beyond the
margin is paid by the insurance fund (the shortfall, recorded). When the fund holds less than that,
it pays anyway and goes negative: the part it did not hold is recorded as ``uncovered`` on the
liquidation (no auto-deleveraging of other users; the README says so).

The sweep that finds the wallets to decide is ``futures.services.sweep`` (set-based, with bands); here
is the exact Decimal decision under the wallet's lock and the liquidation itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.models import Notification
from core.money import Q8
from futures import formulas as f
from futures import selectors
from futures.models import (
    LIQUIDATION_REASON,
    FuturesLiquidation,
    FuturesOrder,
    FuturesTrade,
    FuturesWarning,
    Income,
    MarginType,
)
from futures.services.common import LockedWallet, system
from futures.services.orders import orders_cancel_all
from futures.services.orders.book import FillContext, taker_fills
from trading import selectors as trading_selectors
from trading.models import Bucket, JournalEntry, SystemAccount
from trading.services.ledger import Posting, ledger_post


def _context() -> FillContext:
    return FillContext(settings=trading_selectors.platform_settings_get())


def warning_ratio() -> Decimal:
    return Decimal(str(settings.MARGINLAB_FUTURES_WARNING_RATIO))


def decide(locked: LockedWallet, market: dict[str, selectors.SymbolInfo]) -> tuple[list[FuturesLiquidation], int]:
    """Under the wallet's lock: re-value exactly, liquidate what is due, warn what is near."""
    done = []
    ctx = _context()
    state = locked.state(market)
    for risk in state.isolated:
        if f.isolated_liquidatable(
            isolated_margin=risk.position.isolated_margin, pnl=risk.unrealized_pnl, maintenance=risk.maintenance
        ):
            done.append(isolated_liquidate(locked, risk, state, ctx))
    state = locked.state(market)
    if state.cross_liquidatable:
        done.append(cross_liquidate(locked, state, ctx))
        state = locked.state(market)
    ratios = [state.cross_margin_ratio] + [r.margin_ratio for r in state.isolated]
    worst = max((r for r in ratios if r is not None), default=Decimal(0))
    warned = 0
    if not done and worst >= warning_ratio():
        warned = _warn(locked, worst)
    return done, warned


def _warn(locked: LockedWallet, ratio: Decimal) -> int:
    """One warning per episode: again only after the ratio went back under the line."""
    warning = FuturesWarning.objects.select_for_update().filter(account=locked.account).first()
    if warning is not None and not warning.cleared:
        return 0
    FuturesWarning.objects.update_or_create(
        account=locked.account,
        defaults={"margin_ratio": ratio.quantize(Q8), "sent_at": timezone.now(), "cleared": False},
    )
    Notification.objects.create(
        user_id=locked.user_id,
        kind=Notification.Kind.MARGIN_CALL,
        title=f"Futures margin ratio {ratio * 100:.1f} %",
        body=(
            "Your USDⓈ-M futures margin ratio passed the warning line: at 100 % positions are liquidated. "
            "Reduce positions or add margin."
        ),
        account_ref=locked.account.pk,
    )
    return 1


# --- liquidation ---------------------------------------------------------------------------------------


def _text(value) -> str | None:
    return None if value is None else str(value)


def snapshot_of(state: selectors.AccountState, risks: list[selectors.PositionRisk]) -> dict:
    """What the rule saw at the moment of a liquidation, as text: kept on the record for its replay."""
    rows = []
    for risk in risks:
        bracket = risk.info.bracket(risk.notional)
        rows.append(
            {
                "symbol": risk.info.code,
                "position_amt": str(risk.position.position_amt),
                "entry_price": str(risk.position.entry_price),
                "mark_price": str(risk.mark_price),
                "index_price": _text(risk.info.index_price),
                "basis_rate": str(risk.info.symbol.basis_rate),
                "margin_type": risk.position.margin_type,
                "leverage": risk.position.leverage,
                "isolated_margin": str(risk.position.isolated_margin),
                "notional": str(risk.notional),
                "unrealized_pnl": str(risk.unrealized_pnl),
                "maintenance": str(risk.maintenance),
                "initial_margin": str(risk.initial_margin),
                "margin_ratio": _text(risk.margin_ratio),
                "liquidation_price": _text(risk.liquidation_price),
                "bracket": {
                    "floor": str(bracket.floor),
                    "cap": str(bracket.cap),
                    "max_leverage": bracket.max_leverage,
                    "mmr": str(bracket.mmr),
                    "cum": str(bracket.cum),
                },
            }
        )
    return {
        "cross_wallet_balance": str(state.cross_wallet_balance),
        "isolated_wallet_balance": str(state.isolated_wallet_balance),
        "cross_margin_balance": str(state.cross_margin_balance),
        "cross_maintenance": str(state.cross_maintenance),
        "cross_margin_ratio": _text(state.cross_margin_ratio),
        "positions": rows,
    }


@dataclass(frozen=True)
class Closed:
    """One position's forced close: its autoclose order and its fills (price, quantity, quote, PnL)."""

    risk: selectors.PositionRisk
    order: FuturesOrder
    fills: tuple[tuple[Decimal, Decimal, Decimal, Decimal], ...]

    @property
    def pnl(self) -> Decimal:
        return sum((fill[3] for fill in self.fills), Decimal(0))


def _close(locked: LockedWallet, risk: selectors.PositionRisk, ctx: FillContext) -> Closed:
    """Close the position at market (Binance's autoclose order).

    Under the BOOK model it sells (a short buys back) into the perpetual's book: a large position moves
    down it, which is why a liquidation loses more than the mark suggests; what is beyond the book's
    depth closes at its last price, for a forced close closes whole. Under FIXED it closes at the mark.
    """
    position = risk.position
    qty = position.position_amt
    size, long = abs(qty), qty > 0
    if ctx.uses_book:
        plan = taker_fills(ctx, risk.info, is_buy=not long, quantity=size, sweep=True)
        entry = position.entry_price
        fills = tuple(
            (
                lv.price,
                lv.quantity,
                (lv.quantity * lv.price).quantize(Q8),
                ((lv.price - entry) * lv.quantity * (1 if long else -1)).quantize(Q8),
            )
            for lv in plan.fills
        )
    else:
        mark = risk.mark_price
        fills = ((mark, size, (size * mark).quantize(Q8), risk.unrealized_pnl.quantize(Q8)),)
    cum_quote = sum((fill[2] for fill in fills), Decimal(0))
    order = FuturesOrder.objects.create(
        account=locked.account,
        symbol=risk.info.symbol,
        side=FuturesOrder.Side.SELL if long else FuturesOrder.Side.BUY,
        type=FuturesOrder.Type.MARKET,
        orig_qty=size,
        executed_qty=size,
        avg_price=(sum((fill[0] * fill[1] for fill in fills), Decimal(0)) / size).quantize(Q8),
        cum_quote=cum_quote,
        reduce_only=True,
        status=FuturesOrder.Status.FILLED,
        client_order_id=f"autoclose-{position.pk}-{timezone.now():%Y%m%d%H%M%S%f}"[:36],
        status_reason=LIQUIDATION_REASON,
    )
    position.position_amt = Decimal(0)
    position.entry_price = Decimal(0)
    position.isolated_margin = Decimal(0)
    position.save(update_fields=["position_amt", "entry_price", "isolated_margin", "updated_at"])
    return Closed(risk=risk, order=order, fills=fills)


def _insurance_fund_before(asset, market: int | None) -> Decimal:
    return system(SystemAccount.INSURANCE_FUND, asset, market=market).free


def _book(
    locked: LockedWallet,
    *,
    closed: list[Closed],
    bucket: str,
    margin: Decimal,
    margin_type: str,
    margin_balance: Decimal,
    maintenance: Decimal,
    orders_cancelled: int,
    snapshot: dict,
) -> FuturesLiquidation:
    """Post a liquidation: the user's margin goes, the market gets the loss, the fund the rest (or pays)."""
    asset = locked.balance.asset
    pnl = sum((c.pnl for c in closed), Decimal(0))
    remaining = margin + pnl  # > 0: clearance fee and surplus; < 0: the shortfall
    market = locked.account.market_id  # a class wallet's fund is the class's
    fund_before = _insurance_fund_before(asset, market)
    posting = Posting()
    posting.add(locked.balance, bucket, -margin)
    posting.add(system(SystemAccount.MARKET, asset), Bucket.FREE, -pnl)
    posting.add(system(SystemAccount.INSURANCE_FUND, asset, market=market), Bucket.FREE, remaining)
    symbol = closed[0].risk.info.symbol if margin_type == MarginType.ISOLATED else None
    entry = ledger_post(
        kind=JournalEntry.Kind.LIQUIDATION,
        posting=posting,
        account=locked.account,
        memo=f"futures liquidation {margin_type} {symbol or 'cross'}: margin {margin}, PnL {pnl}",
    )
    shortfall = max(-remaining, Decimal(0))
    for close in closed:
        for price, qty, quote, fill_pnl in close.fills:
            trade = FuturesTrade.objects.create(
                order=close.order,
                account=locked.account,
                symbol=close.risk.info.symbol,
                side=close.order.side,
                price=price,
                qty=qty,
                quote_qty=quote,
                realized_pnl=fill_pnl,
                mark_price=close.risk.mark_price,
                entry=entry,
            )
            Income.objects.create(
                account=locked.account,
                symbol=close.risk.info.symbol,
                income_type=Income.Type.REALIZED_PNL,
                income=fill_pnl,
                trade=trade,
                info="liquidation",
                entry=entry,
            )
    Income.objects.create(
        account=locked.account,
        symbol=symbol,
        income_type=Income.Type.INSURANCE_CLEAR,
        income=-remaining,
        info="clearance to the insurance fund" if remaining >= 0 else "shortfall paid by the insurance fund",
        entry=entry,
    )
    liquidation = FuturesLiquidation.objects.create(
        account=locked.account,
        symbol=symbol,
        margin_type=margin_type,
        margin_balance=margin_balance.quantize(Q8),
        maintenance=maintenance.quantize(Q8),
        positions_closed=len(closed),
        orders_cancelled=orders_cancelled,
        realized_pnl=pnl,
        to_insurance=max(remaining, Decimal(0)),
        shortfall=shortfall,
        uncovered=max(shortfall - max(fund_before, Decimal(0)), Decimal(0)),
        snapshot=snapshot,
        entry=entry,
    )
    what = f"{symbol} isolated position" if symbol else "cross positions"
    Notification.objects.create(
        user_id=locked.user_id,
        kind=Notification.Kind.LIQUIDATION,
        title=f"Futures {what} liquidated",
        body=(
            f"Margin balance {margin_balance.quantize(Q8)} USDT reached the maintenance margin "
            f"{maintenance.quantize(Q8)} USDT; {len(closed)} position(s) closed at market, realized PnL {pnl} USDT."
        ),
        account_ref=locked.account.pk,
    )
    return liquidation


def isolated_liquidate(
    locked: LockedWallet,
    risk: selectors.PositionRisk,
    state: selectors.AccountState,
    ctx: FillContext | None = None,
) -> FuturesLiquidation:
    """Liquidate one isolated position of a locked wallet; nothing else of the wallet moves."""
    ctx = ctx or _context()
    snapshot = snapshot_of(state, [risk])
    # Orders a liquidation removes are EXPIRED on Binance ("any order cancelled by system: liquidation, ADL"):
    # https://dev.binance.vision/t/futures-limit-order-got-expired-whats-the-reason-could-be/802
    cancelled = orders_cancel_all(
        locked, symbol=risk.info.symbol, reason=LIQUIDATION_REASON, status=FuturesOrder.Status.EXPIRED
    )
    margin = risk.position.isolated_margin
    margin_balance = margin + risk.unrealized_pnl
    closed = _close(locked, risk, ctx)
    return _book(
        locked,
        closed=[closed],
        bucket=Bucket.LOCKED,
        margin=margin,
        margin_type=MarginType.ISOLATED,
        margin_balance=margin_balance,
        maintenance=risk.maintenance,
        orders_cancelled=cancelled,
        snapshot=snapshot,
    )


def cross_liquidate(
    locked: LockedWallet, state: selectors.AccountState, ctx: FillContext | None = None
) -> FuturesLiquidation:
    """Liquidate every cross position of a locked wallet; isolated positions keep their own margin."""
    ctx = ctx or _context()
    isolated_symbols = {r.info.symbol.pk for r in state.isolated}
    cancelled = 0
    for order in locked.open_orders():
        if order.symbol_id not in isolated_symbols:
            cancelled += orders_cancel_all(
                locked, symbol=order.symbol, reason=LIQUIDATION_REASON, status=FuturesOrder.Status.EXPIRED
            )
    margin = locked.balance.free
    snapshot = snapshot_of(state, state.cross)
    closed = []
    for risk in state.cross:
        closed.append(_close(locked, risk, ctx))
    return _book(
        locked,
        closed=closed,
        bucket=Bucket.FREE,
        margin=margin,
        margin_type=MarginType.CROSSED,
        margin_balance=state.cross_margin_balance,
        maintenance=state.cross_maintenance,
        orders_cancelled=cancelled,
        snapshot=snapshot,
    )


def __getattr__(name: str):
    """The sweep moved to ``futures.services.sweep``; its old import path keeps working."""
    if name in {"futures_sweep", "sweep_candidates", "SweepResult", "SQL_TOLERANCE"}:
        from futures.services import sweep

        return getattr(sweep, name)
    raise AttributeError(name)
