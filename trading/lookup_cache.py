"""Per-process copies of what every order reads and staff seldom change: the platform settings, risk tiers,
assets and pairs (issue 15: "read once or cached with invalidation").

Each copy is tagged with a generation token kept in the shared cache (Redis). Any write to one of those
tables replaces the token, at once and again after its transaction commits, and every process drops its
copies on its next read: one cache GET instead of a query per look-up, and never a stale copy after the
change committed. A reader that loaded the old rows just before the commit stored them under the old
token, which the after-commit replacement retires.

Writes are seen through ``post_save``/``post_delete`` and through ``LookupQuerySet`` (``update()``,
``delete()``, bulk writes), the manager of those models. Raw SQL is not seen: call ``lookups_changed()``.

On when ``MARGINLAB_LOOKUP_CACHE`` (default: when REDIS_URL is set). Without a shared cache the token
would live in one process only and another process (the worker, a second web process) would never see
a change, so it stays off: every look-up reads the database, as before.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction

GENERATION_KEY = "marginlab:lookups:generation"
T = TypeVar("T")

_local: dict[str, Any] = {"generation": None, "values": {}}
_pin = threading.local()  # lookups_pinned(), per thread


def lookups_enabled() -> bool:
    return settings.MARGINLAB_LOOKUP_CACHE


def lookup_cached(name: str, load: Callable[[], T]) -> T:
    """``load()``, or this process's copy of it while no write has replaced the generation token."""
    if not lookups_enabled():
        return load()
    pinned = getattr(_pin, "depth", 0) > 0
    if not (pinned and _pin.checked and _local["generation"] is not None):
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
            generation = cache.get(GENERATION_KEY)
        if _local["generation"] != generation:
            _local["generation"], _local["values"] = generation, {}
        _pin.checked = pinned
    values = _local["values"]
    if name not in values:
        values[name] = load()
    return values[name]


@contextmanager
def lookups_pinned() -> Iterator[None]:
    """Within: the token is checked once, not on every look-up (a liquidation batch reads its settings,
    tiers and pairs for hundreds of accounts: one cache GET, not one per account and look-up). A write
    to the tables inside (``lookups_changed``) still makes the next look-up check again."""
    _pin.depth = getattr(_pin, "depth", 0) + 1
    if _pin.depth == 1:
        _pin.checked = False
    try:
        yield
    finally:
        _pin.depth -= 1


def _bump() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def lookups_changed() -> None:
    """Retire every process's copies: now (this transaction reads its own writes) and after commit."""
    _local["generation"], _local["values"] = None, {}
    if not lookups_enabled():
        return
    _bump()
    transaction.on_commit(_bump)


def lookups_forget() -> None:
    """This process's copies only (tests start each from the database)."""
    _local["generation"], _local["values"] = None, {}


class LookupQuerySet(models.QuerySet):
    """The queryset of cached tables: its bulk writes retire the copies too."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        lookups_changed()
        return rows

    def delete(self):
        result = super().delete()
        lookups_changed()
        return result

    def bulk_create(self, *args, **kwargs):
        created = super().bulk_create(*args, **kwargs)
        lookups_changed()
        return created

    def bulk_update(self, *args, **kwargs):
        rows = super().bulk_update(*args, **kwargs)
        lookups_changed()
        return rows


def _changed(sender, **kwargs) -> None:
    lookups_changed()


def lookups_connect(*model_classes: type[models.Model]) -> None:
    for model in model_classes:
        models.signals.post_save.connect(_changed, sender=model, dispatch_uid=f"lookups-save-{model.__name__}")
        models.signals.post_delete.connect(_changed, sender=model, dispatch_uid=f"lookups-delete-{model.__name__}")
