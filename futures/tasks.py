"""Celery doors into the futures services; declared in ``config/celery.py``'s one schedule block."""

from celery import shared_task

from futures.services.funding import futures_funding_apply
from futures.services.orders import futures_orders_match
from futures.services.sweep import futures_sweep, futures_tick_sweep


@shared_task(name="futures.tasks.tick")
def tick() -> dict:
    """Resting and stop orders against the current marks, then the sweep of the symbols that moved.

    Idempotent: every order and every wallet is re-checked under its lock, so a repeated or overlapping
    run fills and liquidates nothing twice.
    """
    fills = futures_orders_match()
    result = futures_tick_sweep()
    return {"fills": fills, "valued": result.valued, "liquidations": len(result.liquidations)}


@shared_task(name="futures.tasks.full_sweep")
def full_sweep() -> dict:
    """Every open position against its band: the whole book, once a minute (catches what ticks raced)."""
    result = futures_sweep()
    return {"valued": result.valued, "liquidations": len(result.liquidations)}


@shared_task(name="futures.tasks.funding")
def funding() -> int:
    """Settle the funding interval that began last (00:00, 08:00, 16:00 UTC); a second run pays nothing."""
    return len(futures_funding_apply())
