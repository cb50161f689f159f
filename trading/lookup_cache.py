"""Per-process copies of what every order reads and staff seldom change: the platform settings, risk tiers,
assets and pairs (issue 15: "read once or cached with invalidation"); and the mark prices, which change on
every tick of the price feed but are read by every order far more often than that (a tick retires all the
copies: each process reads its few rows again on its next look-up).

Each copy is tagged with a generation token kept in the shared cache (Redis). Any write to one of those
tables replaces the token, at once and again after its transaction commits, and every process drops its
copies on its next read: one cache GET instead of a query per look-up, and never a stale copy after the
change committed. A reader that loaded the old rows just before the commit stored them under the old
token, which the after-commit replacement retires.

Writes are seen through ``post_save``/``post_delete`` and through ``LookupQuerySet`` (``update()``,
``delete()``, bulk writes), the manager of those models. Raw SQL is not seen: call ``lookups_changed()``.

A request reads the token once (``lookups_request_started``, connected to Django's ``request_started``):
every look-up of that request uses the copies of the generation it began with, so one request sees one
consistent set of settings, tiers and pairs and pays one cache GET, not one per look-up (an API request
not even that: the token comes with its throttle's or Binance weight's read, ``core.cache.request_key_add``).
A write of its own still retires them at once (``lookups_changed``). A liquidation batch opens the same scope
(``lookups_pinned``): hundreds of accounts, one cache GET. Outside a scope (tasks, the shell) each look-up
reads the token, as before.

On when ``MARGINLAB_LOOKUP_CACHE`` (default: when REDIS_URL is set). Without a shared cache the token
would live in one process only and another process (the worker, a second web process) would never see
a change, so it stays off: every look-up reads the database, as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.core import signals
from django.core.cache import cache
from django.db import models, transaction

from core.cache import request_key_add, request_value_take

GENERATION_KEY = "marginlab:lookups:generation"
T = TypeVar("T")

_local: dict[str, Any] = {"generation": None, "values": {}}
# Inside a request or a pinned block: a dict holding the generation token it read first; None outside.
_request: ContextVar[dict[str, Any] | None] = ContextVar("lookup_request", default=None)


def lookups_enabled() -> bool:
    return settings.MARGINLAB_LOOKUP_CACHE


def lookup_cached(name: str, load: Callable[[], T]) -> T:
    """``load()``, or this process's copy of it while no write has replaced the generation token."""
    if not lookups_enabled():
        return load()
    request = _request.get()
    generation = request.get("generation") if request is not None else None
    if generation is None:
        # In a request, the token came with its first cache read (core.cache.request_key_add), once.
        generation = (request is not None and request_value_take(GENERATION_KEY)) or _generation()
        if request is not None:
            request["generation"] = generation
    if _local["generation"] != generation:
        _local["generation"], _local["values"] = generation, {}
    values = _local["values"]
    if name not in values:
        values[name] = load()
    return values[name]


def _generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def lookups_request_started(**kwargs) -> None:
    _request.set({})


def lookups_request_finished(**kwargs) -> None:
    _request.set(None)


@contextmanager
def lookups_pinned() -> Iterator[None]:
    """Within: the token is read once, as in a request (a liquidation batch reads its settings, tiers and
    pairs for hundreds of accounts: one cache GET, not one per account and look-up). A write to the tables
    inside (``lookups_changed``) still makes the next look-up read it again. Inside a request or another
    pinned block, the scope already open is kept."""
    if _request.get() is not None:
        yield
        return
    token = _request.set({})
    try:
        yield
    finally:
        _request.reset(token)


def _bump() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def lookups_changed() -> None:
    """Retire every process's copies: now (this transaction reads its own writes) and after commit."""
    _local["generation"], _local["values"] = None, {}
    request = _request.get()
    if request is not None:
        request.pop("generation", None)
        request_value_take(GENERATION_KEY)  # the token the request's first read fetched is old now too
    if not lookups_enabled():
        return
    _bump()
    transaction.on_commit(_bump)


def lookups_forget() -> None:
    """This process's copies only (tests start each from the database)."""
    _local["generation"], _local["values"] = None, {}
    _request.set(None)


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
    request_key_add(GENERATION_KEY)
    signals.request_started.connect(lookups_request_started, dispatch_uid="lookups-request-started")
    signals.request_finished.connect(lookups_request_finished, dispatch_uid="lookups-request-finished")
    for model in model_classes:
        models.signals.post_save.connect(_changed, sender=model, dispatch_uid=f"lookups-save-{model.__name__}")
        models.signals.post_delete.connect(_changed, sender=model, dispatch_uid=f"lookups-delete-{model.__name__}")
