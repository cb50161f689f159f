"""Celery tasks of the risk engine: thin doors into services, idempotent, acknowledged late."""

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


@shared_task(name="risk.tasks.tick", acks_late=True)
def tick() -> dict:
    """Beat's heartbeat: new prices, matching, then the sweep, in chunks several workers can share."""
    return tick_run(fan_out=_fan_out).as_dict()


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
