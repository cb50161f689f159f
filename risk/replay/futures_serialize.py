"""A futures replay as plain data: what the API's serializer formats and the page's chart and table draw."""

from __future__ import annotations

from risk.replay.futures_build import FuturesReplay
from risk.replay.futures_timeline import FPoint


def point_data(point: FPoint, code: str) -> dict:
    state = point.state
    risk = point.risk(code)
    return {
        "at": point.at,
        "source": point.source,
        "kind": point.kind,
        "label": point.label,
        "margin_ratio": point.ratio_of(code),
        "cross_margin_ratio": state.cross_margin_ratio,
        "wallet_balance": state.wallet_balance,
        "cross_wallet_balance": state.cross_wallet_balance,
        "cross_margin_balance": state.cross_margin_balance,
        "cross_maintenance": state.cross_maintenance,
        "mark_price": risk.mark_price if risk else point.marks.get(code),
        "marks": dict(sorted(point.marks.items())),
        "positions": [
            {
                "symbol": r.info.code,
                "position_amt": r.position.position_amt,
                "entry_price": r.position.entry_price,
                "margin_type": r.position.margin_type,
                "leverage": r.position.leverage,
                "isolated_margin": r.position.isolated_margin,
                "mark_price": r.mark_price,
                "unrealized_pnl": r.unrealized_pnl,
                "maintenance": r.maintenance,
                "margin_ratio": r.margin_ratio,
                "liquidation_price": r.liquidation_price,
            }
            for r in state.positions
        ],
    }


def futures_replay_data(replay: FuturesReplay) -> dict:
    record = replay.record
    return {
        "id": record.pk,
        "kind": "futures_liquidation",
        "account": record.account_id,
        "margin_type": record.margin_type,
        "symbol": replay.case.code or None,
        "created_at": record.created_at,
        "rule": replay.rule,
        "timeline": [point_data(p, replay.case.code) for p in replay.points],
        "truncated": replay.timeline.truncated,
        "sold": replay.sold,
        "outcome": replay.outcome,
        "what_would_have_saved_it": [{"key": w.key, "value": w.value, "sentence": w.sentence} for w in replay.what_ifs],
    }
