"""A replay as plain data: what the API's serializer formats and the page's chart and table draw."""

from __future__ import annotations

from decimal import Decimal

from risk.replay.build import Replay
from risk.replay.timeline import Point


def point_data(point: Point) -> dict:
    return {
        "at": point.at,
        "source": point.source,
        "kind": point.kind,
        "label": point.label,
        "margin_level": point.level,
        "status": point.status.value,
        "asset_value": point.assets,
        "debt_value": point.debt,
        "prices": {a: p for a, p in sorted(point.prices.items())},
    }


def replay_data(replay: Replay) -> dict:
    record = replay.record
    return {
        "id": record.pk,
        "kind": replay.kind,
        "account": replay.account.pk,
        "account_kind": replay.account.kind,
        "symbol": replay.account.pair.symbol if replay.account.pair else None,
        "created_at": record.created_at,
        "profile": replay.profile,
        "lines": {
            "initial": replay.ratios.initial,
            "margin_call": replay.ratios.margin_call,
            "liquidation": replay.ratios.liquidation,
        },
        "rule": replay.rule,
        "timeline": [point_data(p) for p in replay.points],
        "truncated": replay.timeline.truncated,
        "sold": replay.sold,
        "outcome": {k: v for k, v in replay.outcome.items() if isinstance(v, Decimal)},
        "what_would_have_saved_it": [{"key": w.key, "value": w.value, "sentence": w.sentence} for w in replay.what_ifs],
    }
