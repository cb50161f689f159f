"""Futures liquidation and the set-based sweep.

An isolated position is liquidated alone when its margin plus uPnL falls to its maintenance margin; the
cross part of a wallet when its margin balance (cross wallet + cross uPnL) falls to the total cross
maintenance margin. Open orders go first; positions close at the mark against the paper market. What is
left of the margin (the clearance fee and any surplus) goes to the insurance fund; a loss beyond the
margin is paid by the insurance fund (the shortfall, recorded). When the fund holds less than that,
it pays anyway and goes negative: the part it did not hold is recorded as ``uncovered`` on the
liquidation (no auto-deleveraging of other users; the README says so).

The sweep values every open position in one SQL query (marks from the spot pairs' mark prices with the
symbol's basis, the bracket joined on the notional); only the wallets that query returns as near or past
a line come back to Python, where the exact Decimal state under the wallet's lock decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Notification
from core.money import Q8
from futures import formulas as f
from futures import selectors
from futures.models import (
    FuturesLiquidation,
    FuturesOrder,
    FuturesTrade,
    FuturesWarning,
    Income,
    MarginType,
)
from futures.services.common import LockedWallet, system, wallet_lock
from futures.services.orders import orders_cancel_all
from trading.models import Asset, Bucket, JournalEntry, SystemAccount
from trading.services.ledger import Posting, ledger_post

# The SQL values marks without the tick rounding and, on SQLite, in floating point: the candidates'
# line is widened by this much so that Python's exact check is never skipped for one that is due.
SQL_TOLERANCE = Decimal("1.001")


def warning_ratio() -> Decimal:
    return Decimal(str(settings.MARGINLAB_FUTURES_WARNING_RATIO))


# --- the set-based valuation ----------------------------------------------------------------------

POSITIONS_SQL = """
SELECT p.id, p.account_id, p.margin_type, p.isolated_margin,
       p.position_amt * (mp.price * (1 + s.basis_rate) - p.entry_price) AS pnl,
       ABS(p.position_amt) * mp.price * (1 + s.basis_rate) * b.maint_margin_ratio - b.cum AS mm
FROM futures_futuresposition p
JOIN futures_futuressymbol s ON s.id = p.symbol_id
JOIN trading_markprice mp ON mp.pair_id = s.pair_id
JOIN futures_leveragebracket b ON b.symbol_id = s.id
     AND b.notional_floor <= ABS(p.position_amt) * mp.price * (1 + s.basis_rate)
     AND ABS(p.position_amt) * mp.price * (1 + s.basis_rate) < b.notional_cap
WHERE p.position_amt <> 0 {symbol_filter}
"""

CANDIDATES_SQL = """
WITH v AS ({positions})
SELECT 'ISOLATED', v.account_id, v.id
FROM v
WHERE v.margin_type = 'ISOLATED' AND (v.isolated_margin + v.pnl) * %(warn)s <= v.mm * %(tol)s
UNION ALL
SELECT 'CROSSED', c.account_id, NULL
FROM (SELECT v.account_id, SUM(v.pnl) AS pnl, SUM(v.mm) AS mm FROM v
      WHERE v.margin_type = 'CROSSED' GROUP BY v.account_id) c
JOIN trading_balance bal ON bal.account_id = c.account_id AND bal.asset_id = %(usdt)s
WHERE (bal.free + c.pnl) * %(warn)s <= c.mm * %(tol)s
"""


def sweep_candidates(*, symbols: list[str] | None = None) -> list[tuple[str, int, int | None]]:
    """(margin type, wallet id, isolated position id) of everything at or past the warning line, in one query.

    With ``symbols``, only the wallets holding those symbols are valued (a one-symbol tick); a cross
    wallet is always valued with all its positions.
    """
    params: dict = {"warn": warning_ratio(), "tol": SQL_TOLERANCE}
    params["usdt"] = Asset.objects.get(code=selectors.QUOTE).pk
    symbol_filter = ""
    if symbols:
        names = ", ".join(f"%(s{i})s" for i in range(len(symbols)))
        symbol_filter = (
            "AND p.account_id IN (SELECT p2.account_id FROM futures_futuresposition p2 "
            f"JOIN futures_futuressymbol s2 ON s2.id = p2.symbol_id WHERE p2.position_amt <> 0 AND s2.symbol IN ({names}))"
        )
        params.update({f"s{i}": name for i, name in enumerate(symbols)})
    sql = CANDIDATES_SQL.format(positions=POSITIONS_SQL.format(symbol_filter=symbol_filter))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(kind, account_id, position_id) for kind, account_id, position_id in cursor.fetchall()]


@dataclass
class SweepResult:
    candidates: int = 0
    liquidations: list[FuturesLiquidation] = field(default_factory=list)
    warnings: int = 0


def futures_sweep(*, symbols: list[str] | None = None) -> SweepResult:
    """Liquidate what is due and warn at the margin-ratio line; one transaction per wallet."""
    result = SweepResult()
    candidates = sweep_candidates(symbols=symbols)
    result.candidates = len(candidates)
    if not candidates:
        if not symbols:
            futures_warnings_clear(keep=set())
        return result
    market = selectors.market_get()
    by_wallet: dict[int, set[int | None]] = {}
    for _kind, account_id, position_id in candidates:
        by_wallet.setdefault(account_id, set()).add(position_id)
    for account_id in sorted(by_wallet):
        with transaction.atomic():
            locked = wallet_lock(account_id)
            liquidations, warned = _decide(locked, market)
            result.liquidations.extend(liquidations)
            result.warnings += warned
    if not symbols:
        futures_warnings_clear(keep=set(by_wallet))
    return result


def _decide(locked: LockedWallet, market) -> tuple[list[FuturesLiquidation], int]:
    """Under the wallet's lock: re-value exactly, liquidate what is due, warn what is near."""
    done = []
    state = locked.state(market)
    for risk in state.isolated:
        if f.isolated_liquidatable(
            isolated_margin=risk.position.isolated_margin, pnl=risk.unrealized_pnl, maintenance=risk.maintenance
        ):
            done.append(isolated_liquidate(locked, risk))
    state = locked.state(market)
    if state.cross_liquidatable:
        done.append(cross_liquidate(locked, state))
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
        user=locked.account.user,
        kind=Notification.Kind.MARGIN_CALL,
        title=f"Futures margin ratio {ratio * 100:.1f} %",
        body=(
            "Your USDⓈ-M futures margin ratio passed the warning line: at 100 % positions are liquidated. "
            "Reduce positions or add margin."
        ),
        account_ref=locked.account.pk,
    )
    return 1


def futures_warnings_clear(*, keep: set[int]) -> int:
    """End the warning episode of every wallet the sweep no longer returned."""
    return FuturesWarning.objects.filter(cleared=False).exclude(account_id__in=keep).update(cleared=True)


# --- liquidation ---------------------------------------------------------------------------------------


def _close_at_mark(locked: LockedWallet, risk: selectors.PositionRisk) -> tuple[Decimal, FuturesOrder]:
    """Close the position at the mark (Binance's autoclose order); returns its realized PnL."""
    position = risk.position
    qty = position.position_amt
    pnl = risk.unrealized_pnl.quantize(Q8)
    order = FuturesOrder.objects.create(
        account=locked.account,
        symbol=risk.info.symbol,
        side=FuturesOrder.Side.SELL if qty > 0 else FuturesOrder.Side.BUY,
        type=FuturesOrder.Type.MARKET,
        orig_qty=abs(qty),
        executed_qty=abs(qty),
        avg_price=risk.mark_price,
        cum_quote=(abs(qty) * risk.mark_price).quantize(Q8),
        reduce_only=True,
        status=FuturesOrder.Status.FILLED,
        client_order_id=f"autoclose-{position.pk}-{timezone.now():%Y%m%d%H%M%S%f}"[:36],
        status_reason="liquidation",
    )
    position.position_amt = Decimal(0)
    position.entry_price = Decimal(0)
    position.isolated_margin = Decimal(0)
    position.save(update_fields=["position_amt", "entry_price", "isolated_margin", "updated_at"])
    return pnl, order


def _insurance_fund_before(asset) -> Decimal:
    return system(SystemAccount.INSURANCE_FUND, asset).free


def _book(
    locked: LockedWallet,
    *,
    closed: list[tuple[selectors.PositionRisk, Decimal, FuturesOrder]],
    bucket: str,
    margin: Decimal,
    margin_type: str,
    margin_balance: Decimal,
    maintenance: Decimal,
    orders_cancelled: int,
) -> FuturesLiquidation:
    """Post a liquidation: the user's margin goes, the market gets the loss, the fund the rest (or pays)."""
    asset = locked.balance.asset
    pnl = sum((p for _, p, _ in closed), Decimal(0))
    remaining = margin + pnl  # > 0: clearance fee and surplus; < 0: the shortfall
    fund_before = _insurance_fund_before(asset)
    posting = Posting()
    posting.add(locked.balance, bucket, -margin)
    posting.add(system(SystemAccount.MARKET, asset), Bucket.FREE, -pnl)
    posting.add(system(SystemAccount.INSURANCE_FUND, asset), Bucket.FREE, remaining)
    symbol = closed[0][0].info.symbol if margin_type == MarginType.ISOLATED else None
    entry = ledger_post(
        kind=JournalEntry.Kind.LIQUIDATION,
        posting=posting,
        account=locked.account,
        memo=f"futures liquidation {margin_type} {symbol or 'cross'}: margin {margin}, PnL {pnl}",
    )
    shortfall = max(-remaining, Decimal(0))
    for risk, position_pnl, order in closed:
        trade = FuturesTrade.objects.create(
            order=order,
            account=locked.account,
            symbol=risk.info.symbol,
            side=order.side,
            price=order.avg_price,
            qty=order.executed_qty,
            quote_qty=order.cum_quote,
            realized_pnl=position_pnl,
            entry=entry,
        )
        Income.objects.create(
            account=locked.account,
            symbol=risk.info.symbol,
            income_type=Income.Type.REALIZED_PNL,
            income=position_pnl,
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
        entry=entry,
    )
    what = f"{symbol} isolated position" if symbol else "cross positions"
    Notification.objects.create(
        user=locked.account.user,
        kind=Notification.Kind.LIQUIDATION,
        title=f"Futures {what} liquidated",
        body=(
            f"Margin balance {margin_balance.quantize(Q8)} USDT reached the maintenance margin "
            f"{maintenance.quantize(Q8)} USDT; {len(closed)} position(s) closed at the mark, realized PnL {pnl} USDT."
        ),
        account_ref=locked.account.pk,
    )
    return liquidation


def isolated_liquidate(locked: LockedWallet, risk: selectors.PositionRisk) -> FuturesLiquidation:
    """Liquidate one isolated position of a locked wallet; nothing else of the wallet moves."""
    cancelled = orders_cancel_all(locked, symbol=risk.info.symbol, reason="liquidation")
    margin = risk.position.isolated_margin
    margin_balance = margin + risk.unrealized_pnl
    pnl, order = _close_at_mark(locked, risk)
    return _book(
        locked,
        closed=[(risk, pnl, order)],
        bucket=Bucket.LOCKED,
        margin=margin,
        margin_type=MarginType.ISOLATED,
        margin_balance=margin_balance,
        maintenance=risk.maintenance,
        orders_cancelled=cancelled,
    )


def cross_liquidate(locked: LockedWallet, state: selectors.AccountState) -> FuturesLiquidation:
    """Liquidate every cross position of a locked wallet; isolated positions keep their own margin."""
    isolated_symbols = {r.info.symbol.pk for r in state.isolated}
    cancelled = 0
    for order in locked.open_orders():
        if order.symbol_id not in isolated_symbols:
            cancelled += orders_cancel_all(locked, symbol=order.symbol, reason="liquidation")
    margin = locked.balance.free
    closed = []
    for risk in state.cross:
        pnl, order = _close_at_mark(locked, risk)
        closed.append((risk, pnl, order))
    return _book(
        locked,
        closed=closed,
        bucket=Bucket.FREE,
        margin=margin,
        margin_type=MarginType.CROSSED,
        margin_balance=state.cross_margin_balance,
        maintenance=state.cross_maintenance,
        orders_cancelled=cancelled,
    )
