"""Celery doors into the futures services; declared in ``config/celery.py``'s one schedule block."""

from celery import shared_task

from futures.services.funding import futures_funding_apply
from futures.services.liquidation import futures_sweep
from futures.services.orders import futures_orders_match


@shared_task(name="futures.tasks.tick")
def tick() -> dict:
    """Resting and stop orders against the current marks, then the set-based liquidation sweep.

    Idempotent: every order and every wallet is re-checked under its lock, so a repeated or overlapping
    run fills and liquidates nothing twice.
    """
    fills = futures_orders_match()
    result = futures_sweep()
    return {"fills": fills, "candidates": result.candidates, "liquidations": len(result.liquidations)}


@shared_task(name="futures.tasks.funding")
def funding() -> int:
    """Settle the funding interval that began last (00:00, 08:00, 16:00 UTC); a second run pays nothing."""
    return len(futures_funding_apply())
