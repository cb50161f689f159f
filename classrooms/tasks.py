"""Celery doors of the classrooms app: a running scenario plays itself step by step."""

from __future__ import annotations

from celery import shared_task

from classrooms.services import scenarios


@shared_task(name="classrooms.scenario_step", ignore_result=True)
def scenario_step(run_id: int, chain: int) -> dict:
    """One step of a run; while it runs, the next follows ``STEP_SECONDS`` later (a chain per start or
    resume, so a paused, stopped or restarted run's old chain ends by itself)."""
    result = scenarios.scenario_step(run_id=run_id, chain=chain)
    if result.again:
        scenario_step.apply_async((run_id, chain), countdown=scenarios.STEP_SECONDS)
    return {"ran": result.ran, "again": result.again, "moved": result.moved}
