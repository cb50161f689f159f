"""The explained replay of one liquidation or margin call (issue 17): the timeline from the last time the
account was safely NORMAL, the rule that fired with the numbers of the moment, what the liquidation did, and
what would have saved it. Another user's record, or junk, is "not found"."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from accounts.models import User
from core.errors import NotFound
from risk.models import Liquidation, MarginCall
from risk.replay import whatif
from risk.replay.access import records_visible_to
from risk.replay.timeline import Point, Timeline, holdings_from_balances, prices_at, timeline_build, valued_point
from trading import margin
from trading.margin import Ratios, Status
from trading.models import Account, RiskProfile, Trade
from trading.selectors import QUOTE_ASSET, as_id, risk_tiers

LOWER_LEVERAGES = [10, 5, 3, 2]


@dataclass
class Replay:
    kind: str  # "liquidation" or "margin_call"
    record: Liquidation | MarginCall
    account: Account
    ratios: Ratios
    profile: str
    timeline: Timeline
    event: Point
    rule: dict
    sold: list[dict] = field(default_factory=list)
    outcome: dict = field(default_factory=dict)
    what_ifs: list[whatif.WhatIf] = field(default_factory=list)

    @property
    def points(self) -> list[Point]:
        return [*self.timeline.points, self.event]


def _ratios(
    *, profile: str, account: Account, liquidation: Decimal, margin_call: Decimal | None
) -> tuple[Ratios, dict]:
    """The tier in force: the record's own lines over its profile's tier (as ``trading.selectors.tier_ratios``
    built it: the one place a tier becomes Ratios); a profile since deleted leaves the record's lines alone."""
    found = RiskProfile.objects.filter(name=profile).first()
    tiers = risk_tiers(profile_id=found.pk) if found else {}
    tier = tiers.get((account.kind, account.leverage or 0))
    if tier is None:
        line = margin_call if margin_call is not None else liquidation
        return Ratios(initial=Decimal(0), margin_call=line, liquidation=liquidation), tiers
    return replace(
        tier, margin_call=margin_call if margin_call is not None else tier.margin_call, liquidation=liquidation
    ), tiers


def _rule(*, kind: str, ratios: Ratios, record, profile: str) -> dict:
    line = ratios.liquidation if kind == "liquidation" else ratios.margin_call
    level = record.margin_level
    name = "liquidation" if kind == "liquidation" else "margin call"
    return {
        "name": name,
        "line": line,
        "level": level,
        "asset_value": record.asset_value,
        "debt_value": record.debt_value,
        "profile": profile,
        "sentence": (
            f"The {name} rule fired: margin level = total asset value / (borrowed + unpaid interest) = "
            f"{record.asset_value} / {record.debt_value} = {level:.4f}, at or below the {name} line {line.normalize()} "
            f"of the '{profile}' risk profile."
        ),
    }


def _finish(replay: Replay, *, at: datetime) -> Replay:
    points = replay.points
    valued = [p for p in points if p.source != "status"]
    basis = whatif.basis_of(valued)
    last_action = next((p for p in reversed(replay.timeline.points) if p.source == "action"), None)
    _, tiers = _ratios(
        profile=replay.profile, account=replay.account, liquidation=replay.ratios.liquidation, margin_call=None
    )
    replay.what_ifs = [
        whatif.collateral(valued, replay.ratios),
        whatif.largest_fall(basis, replay.ratios),
        whatif.other_mode(account=replay.account, event=replay.event, last_action=last_action, tiers=tiers, at=at),
        whatif.lower_leverage(valued, basis, replay.ratios, LOWER_LEVERAGES),
    ]
    return replay


def liquidation_replay_get(*, user: User, liquidation_id) -> Replay:
    pk = as_id(liquidation_id)
    record = (
        Liquidation.objects.select_related("account__pair", "entry").filter(records_visible_to(user), pk=pk).first()
        if pk is not None and user.is_authenticated
        else None
    )
    if record is None:
        raise NotFound("Liquidation not found.")
    account = record.account
    ratios, _ = _ratios(profile=record.profile, account=account, liquidation=record.liquidation_ratio, margin_call=None)
    timeline = timeline_build(account=account, until=record.created_at, ratios=ratios, exclude_entry=record.entry_id)
    prices = {a: Decimal(p) for a, p in record.prices.items()}
    event = valued_point(
        at=record.created_at,
        source="event",
        kind="liquidation",
        label="liquidation",
        holdings=holdings_from_balances(record.balances_before),
        prices=prices,
        ratios=ratios,
        entry_id=record.entry_id,
    )
    trades = Trade.objects.filter(entry_id=record.entry_id).select_related("pair", "fee_asset").order_by("id")
    replay = Replay(
        kind="liquidation",
        record=record,
        account=account,
        ratios=ratios,
        profile=record.profile,
        timeline=timeline,
        event=event,
        rule=_rule(kind="liquidation", ratios=ratios, record=record, profile=record.profile),
        sold=[
            {
                "symbol": t.pair.symbol,
                "side": t.side,
                "quantity": t.quantity,
                "price": t.price,
                "quote_quantity": t.quote_quantity,
                "fee": t.fee,
                "fee_asset": t.fee_asset.code,
            }
            for t in trades
        ],
        outcome={
            "value_liquidated": record.value_liquidated,
            "fee_nominal": record.fee_nominal,
            "fee": record.fee,
            "insurance_fund_paid": record.shortfall,
            "balances_after": record.balances_after,
        },
    )
    return _finish(replay, at=record.created_at)


def margin_call_replay_get(*, user: User, margin_call_id) -> Replay:
    pk = as_id(margin_call_id)
    record = (
        MarginCall.objects.select_related("account__pair").filter(records_visible_to(user), pk=pk).first()
        if pk is not None and user.is_authenticated
        else None
    )
    if record is None:
        raise NotFound("Margin call not found.")
    account = record.account
    ratios, _ = _ratios(
        profile=record.profile,
        account=account,
        liquidation=record.liquidation_ratio,
        margin_call=record.margin_call_ratio,
    )
    timeline = timeline_build(account=account, until=record.created_at, ratios=ratios)
    last = timeline.points[-1] if timeline.points else None
    holdings = last.holdings if last else ()
    prices = prices_at(assets={h.asset for h in holdings}, at=record.created_at)
    event = valued_point(
        at=record.created_at,
        source="event",
        kind="margin_call",
        label="margin call",
        holdings=holdings,
        prices=prices,
        ratios=ratios,
    )
    if event.level is None and record.margin_level is not None:
        # Holdings unknown to the stored history (older than the window): the record's own numbers.
        event = Point(
            at=record.created_at,
            source="event",
            kind="margin_call",
            label="margin call",
            holdings=(),
            prices={},
            level=record.margin_level,
            assets=record.asset_value,
            debt=record.debt_value,
            status=margin.classify(record.margin_level, ratios),
        )
    replay = Replay(
        kind="margin_call",
        record=record,
        account=account,
        ratios=ratios,
        profile=record.profile,
        timeline=timeline,
        event=event,
        rule=_rule(kind="margin_call", ratios=ratios, record=record, profile=record.profile),
    )
    return _finish(replay, at=record.created_at)


__all__ = ["QUOTE_ASSET", "Replay", "Status", "liquidation_replay_get", "margin_call_replay_get"]
