"""Celery tasks of the risk engine: thin doors into services, idempotent, acknowledged late."""

from celery import shared_task

from trading.services.loans import interest_accrue_due


@shared_task(name="risk.tasks.accrue_interest", acks_late=True)
def accrue_interest() -> int:
    """Hourly: charge one hour of interest on every outstanding loan (safe to run twice)."""
    return interest_accrue_due()
