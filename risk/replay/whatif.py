"""What would have saved it: each answer a number and a sentence, computed with the margin math of
``trading.margin`` (the same functions the engine and the services decide with) over the stored timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from risk.replay.timeline import Point, prices_at
from trading import margin
from trading.margin import Holding, Ratios, Status, Valuation
from trading.models import Account, AccountKind, MarginPoint
from trading.selectors import QUOTE_ASSET


@dataclass(frozen=True)
class LeverageRow:
    leverage: int
    own_funds: Decimal
    worst_level: Decimal | None
    survived: bool


@dataclass(frozen=True)
class WhatIf:
    key: str
    value: Decimal | None
    sentence: str
    detail: dict


def _fmt(value: Decimal | None, places: int = 8) -> str:
    if value is None:
        return "none"
    return f"{margin.round_half_up(value, Decimal(1).scaleb(-places)).normalize():f}"


def _pct(value: Decimal) -> str:
    return f"{_fmt(value * 100, 2)} %"


def worst_of(points: list[Point], line: Decimal) -> Point | None:
    """The moment closest to (or furthest past) the line: the largest line x D - A."""
    with_debt = [p for p in points if p.debt > 0]
    return max(with_debt, key=lambda p: line * p.debt - p.assets, default=None)


def basis_of(points: list[Point]) -> Point | None:
    """The position as it stood when its debt was first there: the start of the what-ifs."""
    return next((p for p in points if p.debt > 0), None)


def collateral(points: list[Point], ratios: Ratios) -> WhatIf:
    needed = margin.collateral_to_stay_above(valuations=[p.valuation for p in points], liquidation=ratios.liquidation)
    worst = worst_of(points, ratios.liquidation)
    detail: dict = {"liquidation_line": ratios.liquidation}
    if worst is None or needed == 0:
        return WhatIf("collateral", needed, "The account never reached the liquidation line in this timeline.", detail)
    level = margin.margin_level(worst.assets + needed, worst.debt)
    prices = ", ".join(f"{a} {_fmt(p)}" for a, p in sorted(worst.prices.items()))
    detail.update({"worst_at": worst.at, "worst_prices": worst.prices, "level_with_it": level})
    return WhatIf(
        "collateral",
        needed,
        f"{_fmt(needed)} {QUOTE_ASSET} more collateral at the start would have kept the margin level above "
        f"{_fmt(ratios.liquidation)} all the way, even at the worst moment ({prices}), where it fell to "
        f"{_fmt(worst.level, 4)}; any less and it reaches the line there.",
        detail,
    )


def largest_fall(basis: Point | None, ratios: Ratios) -> WhatIf:
    if basis is None:
        return WhatIf("largest_fall", None, "The account had no debt: no price move could liquidate it.", {})
    m = margin.liquidation_multiplier(
        holdings=list(basis.holdings),
        prices=basis.prices | {QUOTE_ASSET: Decimal(1)},
        quote=QUOTE_ASSET,
        liquidation=ratios.liquidation,
    )
    if m is None:
        return WhatIf("largest_fall", None, "No move of prices alone could have liquidated it from the start.", {})
    at_line = {a: margin.round_half_up(p * m) for a, p in sorted(basis.prices.items())}
    moves = ", ".join(f"{a} {_fmt(basis.prices[a])} to {_fmt(p)}" for a, p in at_line.items())
    if m >= 1:
        rise = m - 1
        return WhatIf(
            "largest_fall",
            -rise,
            f"At the start every price could rise by {_pct(rise)} ({moves}) before the liquidation line.",
            {"multiplier": m, "prices_at_line": at_line},
        )
    fall = 1 - m
    return WhatIf(
        "largest_fall",
        fall,
        f"At the start it could take a fall of every price of just under {_pct(fall)} ({moves} reaches the "
        f"liquidation line {_fmt(ratios.liquidation)}).",
        {"multiplier": m, "prices_at_line": at_line},
    )


def lower_leverage(points: list[Point], basis: Point | None, ratios: Ratios, leverages: list[int]) -> WhatIf:
    if basis is None:
        return WhatIf("lower_leverage", None, "The account had no debt: there was no leverage to lower.", {})
    position = sum(
        (abs(h.net) * basis.prices.get(h.asset, Decimal(0)) for h in basis.holdings if h.asset != QUOTE_ASSET),
        Decimal(0),
    )
    equity = basis.assets - basis.debt
    if position <= 0 or equity <= 0:
        return WhatIf("lower_leverage", None, "There was no position to take at a lower leverage.", {})
    used = position / equity
    rows: list[LeverageRow] = []
    for k in sorted({k for k in leverages if k < used}, reverse=True):
        less = margin.debt_at_leverage(position_value=position, equity=equity, leverage=Decimal(k))
        valuations = [Valuation(p.assets, max(p.debt - less, Decimal(0))) for p in points]
        worst = min((v.level for v in valuations if v.level is not None), default=None)
        survived = all(margin.classify(v.level, ratios) != Status.LIQUIDATION for v in valuations)
        rows.append(LeverageRow(leverage=k, own_funds=position / k, worst_level=worst, survived=survived))
    best = margin.max_surviving_leverage(
        position_value=position, equity=equity, valuations=[p.valuation for p in points], liquidation=ratios.liquidation
    )
    parts = [
        f"at {r.leverage}x ({_fmt(r.own_funds, 2)} {QUOTE_ASSET} of own funds) the lowest level would have been "
        f"{_fmt(r.worst_level, 4)}: {'it would have survived' if r.survived else 'still liquidated'}"
        for r in rows
    ]
    tail = f"; below {_fmt(margin.round_down(best, Decimal('0.01')), 2)}x it would have survived" if best else ""
    return WhatIf(
        "lower_leverage",
        best,
        f"The position was taken at {_fmt(used, 2)}x" + (": " + "; ".join(parts) if parts else "") + tail + ".",
        {"leverage_used": used, "rows": [r.__dict__ for r in rows]},
    )


def _latest_holdings(account_id: int, at: datetime) -> list[Holding]:
    from risk.replay.timeline import holdings_from_point

    point = MarginPoint.objects.filter(account_id=account_id, created_at__lte=at).order_by("-created_at", "-id").first()
    return list(holdings_from_point(point.holdings)) if point else []


def other_mode(*, account: Account, event: Point, last_action: Point | None, tiers: dict, at: datetime) -> WhatIf:
    """Isolated: the same holdings in the cross account together with the user's other margin holdings.
    Cross: each position in an isolated account of its own, the quote shared in proportion to value."""
    assert account.user_id is not None  # a margin account always has its user
    others = list(
        Account.objects.filter(user_id=account.user_id, kind__in=[AccountKind.CROSS, AccountKind.ISOLATED])
        .exclude(pk=account.pk)
        .order_by("id")
    )
    if account.kind == AccountKind.ISOLATED:
        cross = next((a for a in others if a.kind == AccountKind.CROSS), None)
        ratios = tiers.get((AccountKind.CROSS, cross.leverage if cross else 5))
        groups = [list(event.holdings), *(_latest_holdings(a.pk, at) for a in others)]
        holdings = margin.merged(*groups)
        assets = {h.asset for h in holdings}
        prices = prices_at(assets=assets, at=at) | event.prices
        valuation = margin.value(holdings, prices)
        status = margin.classify(valuation.level, ratios) if ratios else Status.NORMAL
        return WhatIf(
            "other_mode",
            valuation.level,
            f"In the cross account, together with the user's other margin holdings, the level at that moment would "
            f"have been {_fmt(valuation.level, 4)}: {status.value}"
            + (", not liquidated." if status != Status.LIQUIDATION else ", liquidated as well."),
            {"mode": "cross", "assets": valuation.assets, "debt": valuation.debt, "status": status.value},
        )
    basis = last_action or event
    weights = {
        h.asset: abs(h.net) * basis.prices.get(h.asset, Decimal(0)) for h in basis.holdings if h.asset != QUOTE_ASSET
    }
    parts = margin.split_by_value(
        holdings=list(event.holdings), prices=event.prices, quote=QUOTE_ASSET, weights=weights
    )
    rows: list[tuple[str, Decimal | None, str]] = []
    for asset, holdings in sorted(parts.items()):
        valuation = margin.value(holdings, event.prices | {QUOTE_ASSET: Decimal(1)})
        ratios = tiers.get((AccountKind.ISOLATED, account.leverage)) or tiers.get((AccountKind.ISOLATED, 5))
        status = margin.classify(valuation.level, ratios) if ratios else Status.NORMAL
        rows.append((f"{asset}{QUOTE_ASSET}", valuation.level, status.value))
    text = "; ".join(f"{symbol} {_fmt(level, 4)} {status}" for symbol, level, status in rows)
    return WhatIf(
        "other_mode",
        min((level for _, level, _ in rows if level is not None), default=None),
        f"In isolated accounts, one per position with the {QUOTE_ASSET} shared out in proportion to each position's "
        f"value, the levels at that moment would have been: {text or 'none'}.",
        {"mode": "isolated", "rows": [{"symbol": s, "level": lv, "status": st} for s, lv, st in rows]},
    )
