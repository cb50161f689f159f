"""Celery tasks of the risk engine: thin doors into services, idempotent, acknowledged late."""

import logging
import time
from typing import Any

from celery import group, shared_task

from risk.services.state import history_prune
from risk.services.sweep import sweep_all, sweep_chunk_run
from risk.services.tick import tick_run
from trading.services.loans import interest_accrue_due


@shared_task(name="risk.tasks.accrue_interest", acks_late=True)
def accrue_interest() -> int:
    """Hourly: charge one hour of interest on every outstanding loan (safe to run twice)."""
    return interest_accrue_due()


def _fan_out(chunks: list[tuple[int, int]], assets: list[int] | None) -> None:
    """One sweep_chunk task per id range: more workers sweep more chunks at once."""
    group(sweep_chunk.s(lo, hi, assets) for lo, hi in chunks).apply_async()


logger = logging.getLogger(__name__)

# A tick every 3 s would log a success line each (celery.app.trace is set to WARNING in LOGGING): instead one
# INFO line a minute per worker sums them up, and every margin call or liquidation is logged as it happens.
TICK_SUMMARY_SECONDS = 60.0
_ticks: dict[str, Any] = {"since": None, "ticks": 0, "skipped": 0, "filled": 0, "checked": 0}


def _tick_logged(result: dict, now: float | None = None) -> None:
    now = time.monotonic() if now is None else now
    if _ticks["since"] is None:
        _ticks["since"] = now
    _ticks["ticks"] += 1
    _ticks["skipped"] += bool(result.get("skipped"))
    _ticks["filled"] += result.get("orders_filled", 0)
    _ticks["checked"] += result.get("checked", 0)
    if result.get("margin_calls") or result.get("liquidations"):
        logger.info("tick: margin calls %s, liquidations %s", result.get("margin_calls"), result.get("liquidations"))
    if now - _ticks["since"] >= TICK_SUMMARY_SECONDS:
        logger.info(
            "ticks in the last %.0f s: %d (%d skipped), %d orders filled, %d account checks",
            now - _ticks["since"],
            _ticks["ticks"],
            _ticks["skipped"],
            _ticks["filled"],
            _ticks["checked"],
        )
        _ticks.update(since=now, ticks=0, skipped=0, filled=0, checked=0)


@shared_task(name="risk.tasks.tick", acks_late=True)
def tick() -> dict:
    """Beat's heartbeat: new prices, matching, then the sweep, in chunks several workers can share."""
    result = tick_run(fan_out=_fan_out).as_dict()
    _tick_logged(result)
    return result


@shared_task(name="risk.tasks.sweep_chunk", acks_late=True)
def sweep_chunk(lo: int, hi: int, assets: list[int] | None = None) -> dict:
    """Sweep one range of account ids; a chunk already being swept is skipped, not run twice."""
    return sweep_chunk_run(id_range=(lo, hi), assets=assets).as_dict()


@shared_task(name="risk.tasks.full_sweep", acks_late=True)
def full_sweep() -> dict:
    """Every margin account at current prices (after interest accrual, trades, profile changes)."""
    return sweep_all(fan_out=_fan_out).as_dict()


@shared_task(name="risk.tasks.prune_history", acks_late=True)
def prune_history() -> int:
    """Daily: old candles and interval snapshots go; status-change and liquidation snapshots stay."""
    return history_prune()
