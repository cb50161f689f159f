"""The explained replay of one futures liquidation (issue 17, the futures equivalent): the timeline from the
last moment the wallet was safely under the warning line, the rule that fired with the numbers of the moment
(kept on the record: ``FuturesLiquidation.snapshot``), what was closed at what price, the fee and what the
insurance fund got or paid, and what would have saved it. Another user's record, or junk, is "not found"."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import User
from core.errors import NotFound
from futures.models import FuturesLiquidation, FuturesSetting, FuturesSymbol, FuturesTrade, MarginType
from risk.replay import futures_whatif as whatif
from risk.replay.futures_timeline import FPoint, FTimeline, timeline_build
from trading.selectors import as_id


@dataclass
class FuturesReplay:
    record: FuturesLiquidation
    case: whatif.Case
    timeline: FTimeline
    event: FPoint
    rule: dict
    sold: list[dict] = field(default_factory=list)
    outcome: dict = field(default_factory=dict)
    what_ifs: list[whatif.WhatIf] = field(default_factory=list)

    @property
    def points(self) -> list[FPoint]:
        return [*self.timeline.points, self.event]


def _d(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _rule(record: FuturesLiquidation, rows: list[dict]) -> dict:
    ratio = record.maintenance / record.margin_balance if record.margin_balance > 0 else None
    isolated = record.margin_type == MarginType.ISOLATED
    brackets = [
        {
            "symbol": r["symbol"],
            "notional": _d(r["notional"]),
            "bracket_floor": _d(r["bracket"]["floor"]),
            "bracket_cap": _d(r["bracket"]["cap"]),
            "max_leverage": r["bracket"]["max_leverage"],
            "maint_margin_ratio": _d(r["bracket"]["mmr"]),
            "maint_amount": _d(r["bracket"]["cum"]),
            "maintenance": _d(r["maintenance"]),
            "mark_price": _d(r["mark_price"]),
        }
        for r in rows
    ]
    terms = "; ".join(
        f"{b['symbol']}: notional {b['notional']:.2f} in the bracket {b['bracket_floor'].normalize():f} to "
        f"{b['bracket_cap'].normalize():f} (maintenance margin rate {b['maint_margin_ratio'] * 100:.2f} %, "
        f"maintenance amount {b['maint_amount'].normalize():f}): maintenance margin {b['maintenance']:.8f}"
        for b in brackets
    )
    what = (
        "isolated position's margin balance (its isolated margin + unrealized PnL)"
        if isolated
        else ("cross margin balance (cross wallet balance + unrealized PnL of the cross positions)")
    )
    ratio_text = f"{ratio * 100:.2f} %" if ratio is not None else "beyond 100 % (no margin balance left)"
    return {
        "name": "isolated liquidation" if isolated else "cross liquidation",
        "margin_type": record.margin_type,
        "margin_balance": record.margin_balance,
        "maintenance": record.maintenance,
        "margin_ratio": ratio,
        "brackets": brackets,
        "sentence": (
            f"The liquidation rule fired: the {what} {record.margin_balance} USDT fell to the maintenance margin "
            f"{record.maintenance} USDT, a margin ratio of {ratio_text} (liquidation at 100 %). {terms}."
        ),
    }


def futures_liquidation_replay_get(*, user: User, liquidation_id) -> FuturesReplay:
    pk = as_id(liquidation_id)
    record = (
        FuturesLiquidation.objects.select_related("account", "symbol", "entry")
        .filter(pk=pk, account__user=user)
        .first()
        if pk is not None and user.is_authenticated
        else None
    )
    if record is None:
        raise NotFound("Liquidation not found.")
    rows = record.snapshot.get("positions", [])
    trades = list(FuturesTrade.objects.filter(entry_id=record.entry_id).select_related("symbol").order_by("id"))
    leverages = dict(
        FuturesSetting.objects.filter(account=record.account).values_list("symbol__symbol", "leverage")
    ) | {r["symbol"]: r["leverage"] for r in rows}
    basis = {r["symbol"]: Decimal(r["basis_rate"]) for r in rows}
    timeline = timeline_build(
        account=record.account,
        until=record.created_at,
        exclude_entry=record.entry_id,
        leverages=leverages,
        basis=basis,
    )
    wallet = timeline.wallet
    assert wallet is not None
    marks = dict(wallet.marks) | {r["symbol"]: Decimal(r["mark_price"]) for r in rows}
    marks |= {t.symbol.symbol: t.mark_price or t.price for t in trades}
    held = {c: p for c, p in sorted(marks.items()) if c in wallet.holdings and wallet.holdings[c].qty != 0}
    event = FPoint(
        at=record.created_at,
        source="event",
        kind="liquidation",
        label=f"liquidation ({record.margin_type.lower()})",
        marks=held,
        state=wallet.value(marks),
        entry_id=record.entry_id,
    )
    largest = max(event.state.cross, key=lambda r: r.notional, default=None)
    code = record.symbol.symbol if record.symbol else (largest.info.code if largest else "")
    symbols = {s.symbol: s for s in FuturesSymbol.objects.prefetch_related("brackets")}
    case = whatif.Case(account=record.account, margin_type=record.margin_type, code=code, symbols=symbols)
    replay = FuturesReplay(
        record=record,
        case=case,
        timeline=timeline,
        event=event,
        rule=_rule(record, rows),
        sold=[
            {
                "symbol": t.symbol.symbol,
                "side": t.side,
                "quantity": t.qty,
                "price": t.price,
                "quote_quantity": t.quote_qty,
                "realized_pnl": t.realized_pnl,
                "fee": t.commission,
            }
            for t in trades
        ],
        outcome={
            "realized_pnl": record.realized_pnl,
            # What was left of the margin (Binance's clearance fee and any surplus) went to the insurance fund;
            # a loss beyond the margin was paid by it (``shortfall``), ``uncovered`` what it did not hold.
            "to_insurance_fund": record.to_insurance,
            "insurance_fund_paid": record.shortfall,
            "uncovered": record.uncovered,
            "orders_cancelled": Decimal(record.orders_cancelled),
            "positions_closed": Decimal(record.positions_closed),
        },
    )
    points = replay.points
    basis_point = whatif.basis_of(points, case)
    replay.what_ifs = [
        whatif.margin_to_add(points, case),
        whatif.largest_move(basis_point, case),
        whatif.other_mode(points, basis_point, case),
        whatif.lower_leverage(points, basis_point, case),
    ]
    return replay
