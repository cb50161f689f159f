"""Work whose database writes are all undone: the order previews and Binance's ``order/test``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction

T = TypeVar("T")


class _Undo(Exception):
    def __init__(self, result: Any) -> None:
        self.result = result


def rolled_back(work: Callable[[], T]) -> T:
    """``work()``'s result, with every database write it made undone: its transaction (a savepoint inside
    another) rolled back, and the ``on_commit`` callbacks it registered dropped with it. An exception
    ``work`` raises passes through, its writes undone too."""
    try:
        with transaction.atomic():
            raise _Undo(work())
    except _Undo as undone:
        return undone.result
