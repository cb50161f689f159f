"""What would have saved a futures position: each answer a number and a sentence, computed with
``futures.formulas`` and the one valuation (``selectors.account_state``, through ``futures_timeline.value_of``)
over the stored timeline, never with a second implementation of the margin math."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.money import Q8
from futures import formulas as f
from futures.models import MarginType
from risk.replay.futures_timeline import FPoint, Holding, value_of
from trading.models import Account

LOWER_LEVERAGES = [20, 10, 5, 3, 2, 1]


@dataclass(frozen=True)
class WhatIf:
    key: str
    value: Decimal | None
    sentence: str
    detail: dict = field(default_factory=dict)


def _fmt(value: Decimal | None, places: int = 8) -> str:
    if value is None:
        return "none"
    return f"{f.round_to(value, Decimal(1).scaleb(-places)).normalize():f}"


def _pct(value: Decimal) -> str:
    return f"{_fmt(value * 100, 2)} %"


@dataclass(frozen=True)
class Case:
    """What was liquidated: one isolated position (``code``), or the cross positions (``code`` is the largest)."""

    account: Account
    margin_type: str
    code: str
    symbols: dict  # code -> FuturesSymbol (with its brackets)

    @property
    def isolated(self) -> bool:
        return self.margin_type == MarginType.ISOLATED


def holdings_of(point: FPoint, symbols: dict) -> dict[str, Holding]:
    return {
        r.info.code: Holding(
            symbol=symbols[r.info.code],
            qty=r.position.position_amt,
            entry=r.position.entry_price,
            isolated_margin=r.position.isolated_margin,
            leverage=r.position.leverage,
        )
        for r in point.state.positions
    }


def _gap(point: FPoint, case: Case) -> Decimal | None:
    """How far the margin balance is under the maintenance margin (negative: above it)."""
    if case.isolated:
        risk = point.risk(case.code)
        return None if risk is None else risk.maintenance - (risk.position.isolated_margin + risk.unrealized_pnl)
    if not point.state.cross:
        return None
    return point.state.cross_maintenance - point.state.cross_margin_balance


def _liquidated_with(point: FPoint, case: Case, extra: Decimal) -> bool:
    if case.isolated:
        risk = point.risk(case.code)
        return risk is not None and f.isolated_liquidatable(
            isolated_margin=risk.position.isolated_margin + extra, pnl=risk.unrealized_pnl, maintenance=risk.maintenance
        )
    state = point.state
    return f.cross_liquidatable(
        wallet_balance=state.cross_wallet_balance + extra, pnl=state.cross_pnl, maintenance=state.cross_maintenance
    )


def margin_to_add(points: list[FPoint], case: Case) -> WhatIf:
    gaps = [(g, p) for p in points if (g := _gap(p, case)) is not None]
    if not gaps:
        return WhatIf("margin", None, "The position was not open in this timeline.")
    need, worst = max(gaps, key=lambda item: item[0])
    add = max(f.round_to(need, Q8, up=True), Decimal(0))
    if any(_liquidated_with(p, case, add) for p in points):
        add += Q8  # the rule liquidates AT the maintenance margin: one unit more keeps it above
    where = f"the isolated {case.code} position's margin" if case.isolated else "the cross wallet"
    mark = worst.marks.get(case.code)
    return WhatIf(
        "margin",
        add,
        f"{_fmt(add)} USDT more in {where} at the start would have kept the margin balance above the maintenance "
        f"margin all the way, even at the worst mark ({case.code} {_fmt(mark)}), where it was "
        f"{_fmt(-need)} USDT above it; any less and it is liquidated there.",
        {"worst_at": worst.at, "worst_mark": mark, "shortfall_at_worst": need},
    )


def basis_of(points: list[FPoint], case: Case) -> FPoint | None:
    """The first moment of the timeline with the liquidated position open: the start of the what-ifs."""
    return next((p for p in points if p.risk(case.code) is not None), None)


def largest_move(basis: FPoint | None, case: Case) -> WhatIf:
    risk = basis.risk(case.code) if basis else None
    if risk is None:
        return WhatIf("largest_move", None, "The position was not open in this timeline.")
    mark, price = risk.mark_price, risk.liquidation_price
    long = risk.position.position_amt > 0
    if price is None:
        return WhatIf(
            "largest_move", None, f"At the start no move of the {case.code} mark alone could have liquidated it."
        )
    move = (mark - price) / mark if long else (price - mark) / mark
    others = "" if case.isolated else ", the other cross positions' marks unchanged"
    return WhatIf(
        "largest_move",
        move,
        f"At the start ({case.code} mark {_fmt(mark)}) the {'long' if long else 'short'} could take a "
        f"{'fall' if long else 'rise'} of the mark of just under {_pct(move)}, to the estimated liquidation price "
        f"{_fmt(price)}{others}.",
        {"mark": mark, "liquidation_price": price},
    )


def lower_leverage(points: list[FPoint], basis: FPoint | None, case: Case) -> WhatIf:
    risk = basis.risk(case.code) if basis else None
    if risk is None:
        return WhatIf("lower_leverage", None, "The position was not open in this timeline.")
    used = risk.position.leverage
    qty, entry = risk.position.position_amt, risk.position.entry_price
    if not case.isolated:
        return WhatIf(
            "lower_leverage",
            None,
            f"In cross margin the leverage ({used}x) sets only the initial margin a position holds; what liquidates "
            "it is the cross margin balance against the maintenance margin, so the same position at a lower leverage "
            f"would have been liquidated at the same mark (estimated {_fmt(risk.liquidation_price)} at the start). "
            "Only more wallet balance, or a smaller position, would have saved it.",
            {"leverage_used": used},
        )
    rows: list[dict[str, Any]] = []
    for k in sorted({k for k in LOWER_LEVERAGES if k < used}, reverse=True):
        margin = f.round_to(f.initial_margin(notional_value=f.notional(quantity=qty, price=entry), leverage=k), Q8)
        extra = margin - risk.position.isolated_margin
        survived = not any(_liquidated_with(p, case, extra) for p in points)
        price = f.liquidation_price_in(
            brackets=risk.info.brackets,
            wallet_balance=margin,
            other_maintenance=Decimal(0),
            other_pnl=Decimal(0),
            quantity=qty,
            entry_price=entry,
        )
        rows.append({"leverage": k, "margin": margin, "liquidation_price": price, "survived": survived})
    best = next((r["leverage"] for r in rows if r["survived"]), None)
    parts = [
        f"at {r['leverage']}x ({_fmt(r['margin'], 2)} USDT of margin, liquidation near "
        f"{_fmt(r['liquidation_price'], 2)}) {'it would have survived' if r['survived'] else 'still liquidated'}"
        for r in rows
    ]
    return WhatIf(
        "lower_leverage",
        Decimal(best) if best is not None else None,
        f"The position was opened at {used}x" + (": " + "; ".join(parts) if parts else "") + ".",
        {"leverage_used": used, "rows": rows},
    )


def _switched(point: FPoint, case: Case) -> tuple[Decimal, dict[str, Holding]]:
    """The same wallet with the liquidated position(s) in the other margin mode (Binance moves the isolated
    margin to the cross wallet; a position opened isolated locks its initial margin at the entry price)."""
    holdings = holdings_of(point, case.symbols)
    free = point.state.cross_wallet_balance
    for code, h in holdings.items():
        if case.isolated and code == case.code:
            free += h.isolated_margin
            h.isolated_margin = Decimal(0)
        elif not case.isolated and h.isolated_margin == 0:
            margin = f.round_to(h.qty.copy_abs() * h.entry / h.leverage, Q8, up=True)
            free -= margin
            h.isolated_margin = margin
    return free, holdings


def other_mode(points: list[FPoint], basis: FPoint | None, case: Case) -> WhatIf:
    if basis is None:
        return WhatIf("other_mode", None, "The position was not open in this timeline.")
    valued = []
    for p in points:
        free, holdings = _switched(p, case)
        valued.append((p, value_of(case.account, free, holdings, p.marks)))
    event, at_event = valued[-1]
    if case.isolated:
        liquidated = [p for p, s in valued if s.cross_liquidatable]
        ratio = at_event.cross_margin_ratio
        start = value_of(case.account, *_switched(basis, case), basis.marks).position(case.code)
        price = start.liquidation_price if start else None
        return WhatIf(
            "other_mode",
            ratio,
            f"In cross margin, backed by the whole cross wallet (the isolated margin moved into it), the cross margin "
            f"ratio at the moment of the liquidation would have been {_pct(ratio) if ratio is not None else 'beyond 100 %'}"
            + (
                f": liquidated as well (first at {liquidated[0].at:%Y-%m-%d %H:%M:%S})"
                if liquidated
                else ": not liquidated"
            )
            + f"; its estimated liquidation price at the start would have been {_fmt(price)}.",
            {"mode": "CROSSED", "liquidated": bool(liquidated), "liquidation_price_at_start": price},
        )
    rows: list[dict[str, Any]] = []
    for r in at_event.isolated:
        hit = any(
            (risk := s.position(r.info.code)) is not None
            and f.isolated_liquidatable(
                isolated_margin=risk.position.isolated_margin, pnl=risk.unrealized_pnl, maintenance=risk.maintenance
            )
            for _, s in valued
        )
        rows.append({"symbol": r.info.code, "margin_ratio": r.margin_ratio, "liquidated": hit})
    text = "; ".join(
        f"{r['symbol']} margin ratio {_pct(r['margin_ratio']) if r['margin_ratio'] is not None else 'beyond 100 %'}"
        f" ({'liquidated' if r['liquidated'] else 'not liquidated'})"
        for r in rows
    )
    worst = max((r["margin_ratio"] for r in rows if r["margin_ratio"] is not None), default=None)
    return WhatIf(
        "other_mode",
        worst,
        "In isolated margin, each position with its initial margin at its entry price locked and the rest of the "
        f"wallet kept apart, at the moment of the liquidation: {text or 'none'}.",
        {"mode": "ISOLATED", "rows": rows},
    )
