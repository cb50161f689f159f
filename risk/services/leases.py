"""Named leases: one tick at a time, and one sweep of each chunk at a time."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.db.models import Q
from django.utils import timezone

from risk.models import EngineLock

logger = logging.getLogger(__name__)

T = TypeVar("T")

CHUNK_LEASE_TTL = timedelta(minutes=5)


def lock_acquire(*, name: str, ttl: timedelta, now: datetime | None = None) -> str | None:
    """Take the named lease if it is free or expired; returns the holder token, or None if taken."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    EngineLock.objects.get_or_create(name=name, defaults={"expires_at": now - timedelta(seconds=1)})
    taken = EngineLock.objects.filter(Q(expires_at__lt=now) | Q(holder=""), name=name).update(
        holder=token, expires_at=now + ttl
    )
    return token if taken else None


def lock_release(*, name: str, token: str) -> None:
    EngineLock.objects.filter(name=name, holder=token).update(holder="", expires_at=timezone.now())


def leased(name: str, work: Callable[[], T], default: Callable[[], T]) -> T:
    """Run ``work`` under the named lease; if it is taken, skip it (``default()``), never run it twice at once."""
    token = lock_acquire(name=name, ttl=CHUNK_LEASE_TTL)
    if token is None:
        logger.info("%s skipped: already running", name)
        return default()
    try:
        return work()
    finally:
        lock_release(name=name, token=token)
