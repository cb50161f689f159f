"""Named leases: one tick at a time, and one sweep of each chunk at a time.

A lease must die with its holder. A worker killed half-way through a sweep (SIGKILL: the OOM killer,
Celery's hard time limit, a restart) used to keep its chunk's lease for the lease's whole TTL, five
minutes in which every sweep skipped that chunk and its accounts below the line waited.

On PostgreSQL a lease is therefore a session-level advisory lock (``pg_try_advisory_lock``) held by a
database connection of its own, opened with the lease and closed with it. When the holder dies, the
kernel closes its socket, the server ends that idle session and the lock goes with it at once.
This is simpler and more robust than a short TTL renewed by a heartbeat: there is no interval to
tune against the longest sweep, no renewing thread that could stall (taking the lease from a holder
that is still alive) or outlive the work, and no wait at all after a death instead of a few TTLs.
The connection is its own, not the sweep's: the sweep's connection may be in the middle of a long
query when the worker dies (the server notices a dead client only when that query ends), and Django
may close and reopen it between transactions, which would drop a lock held on it without a word.

Other databases (SQLite, the laptop default, whose single writer runs one sweep at a time anyway)
keep the ``EngineLock`` table: a lease taken with one conditional UPDATE that expires after its TTL.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils import timezone

from risk.models import EngineLock

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Table leases only (SQLite): long enough for any sweep, as a killed holder's lease is only freed by expiry.
CHUNK_LEASE_TTL = timedelta(minutes=5)


class Lease:
    """A named lease, held from a successful ``acquire()`` until ``release()`` or its holder's death.

    ``release()`` must follow every ``acquire()``, taken or not (it closes the lease's connection).
    """

    def __init__(self, name: str, *, ttl: timedelta = CHUNK_LEASE_TTL) -> None:
        self.name = name
        self.ttl = ttl
        self._session: BaseDatabaseWrapper | None = None
        self._held = False
        self._token: str | None = None

    def acquire(self) -> bool:
        """Take the lease if it is free; False if another holder has it (try again, or skip the work)."""
        if connection.vendor != "postgresql":
            self._token = self._token or _table_acquire(name=self.name, ttl=self.ttl)
            return self._token is not None
        if self._session is None:
            self._session = connections.create_connection(DEFAULT_DB_ALIAS)
        with self._session.cursor() as cursor:  # autocommit: the lock belongs to the session, not a transaction
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [advisory_key(self.name)])
            self._held = cursor.fetchone()[0]
        return self._held

    def release(self) -> None:
        if self._session is not None:
            try:
                if self._held:
                    # Unlocked before the close: the server ends a closed session a moment later, and
                    # the next holder (the next tick, seconds later) must not find it still taken.
                    with self._session.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(%s)", [advisory_key(self.name)])
            finally:
                self._session.close()  # the session ends, and its advisory lock with it if still held
                self._session, self._held = None, False
        if self._token is not None:
            _table_release(name=self.name, token=self._token)
            self._token = None


def leased(name: str, work: Callable[[], T], default: Callable[[], T]) -> T:
    """Run ``work`` under the named lease; if it is taken, skip it (``default()``), never run it twice at once."""
    lease = Lease(name)
    try:
        if not lease.acquire():
            logger.info("%s skipped: already running", name)
            return default()
        return work()
    finally:
        lease.release()


def advisory_key(name: str) -> int:
    """The advisory lock's 64-bit key for a lease name (stable across processes, unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def leases_held() -> int:
    """How many leases are held right now, by anybody (for tests and the admin)."""
    if connection.vendor != "postgresql":
        return EngineLock.objects.exclude(holder="").filter(expires_at__gte=timezone.now()).count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone()[0]


def _table_acquire(*, name: str, ttl: timedelta) -> str | None:
    """Take the named table lease if it is free or expired; returns the holder token, or None if taken."""
    now = timezone.now()
    token = uuid.uuid4().hex
    EngineLock.objects.get_or_create(name=name, defaults={"expires_at": now - timedelta(seconds=1)})
    taken = EngineLock.objects.filter(Q(expires_at__lt=now) | Q(holder=""), name=name).update(
        holder=token, expires_at=now + ttl
    )
    return token if taken else None


def _table_release(*, name: str, token: str) -> None:
    EngineLock.objects.filter(name=name, holder=token).update(holder="", expires_at=timezone.now())
