"""Output serializers whose fields are made once per class (issue 15 item 2: do less per order).

DRF deep-copies every declared field and binds the copies on each serializer instance: for an order's
answer that is a third of a millisecond before a single value is written, and an account's answer pays
it again for each balance. The fields of an ``OutputSerializer`` are made once per class, bound to an instance of
their own, and shared by every instance; what they write is the same.

Only for answers: a shared field must not keep state per instance, nor read the serializer's context or
its instance (``self.context``, ``self.parent.instance``), which are not the caller's. Plain
fields, nested output serializers and ``SerializerMethodField`` methods that use only their argument
qualify; ``tests/core/test_serializers.py`` holds each one used to DRF's own output.
"""

from __future__ import annotations

import threading

from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

_lock = threading.Lock()


class OutputSerializer(serializers.Serializer):
    """A read-only serializer with its fields made and bound once per class."""

    @property
    def fields(self) -> BindingDict:  # type: ignore[override]
        cls = type(self)
        bound = cls.__dict__.get("_shared_fields")
        if bound is None:
            with _lock:
                bound = cls.__dict__.get("_shared_fields")
                if bound is None:
                    # Bound to an instance of their own: none holds on to the object first written.
                    prototype = cls()
                    bound = BindingDict(prototype)
                    for name, field in prototype.get_fields().items():
                        bound[name] = field
                    cls._shared_fields = bound
        return bound

    @property
    def _readable_fields(self):
        cls = type(self)
        readable = cls.__dict__.get("_shared_readable")
        if readable is None:
            readable = [field for field in self.fields.values() if not field.write_only]
            cls._shared_readable = readable
        return readable

    def to_internal_value(self, data):
        raise TypeError(f"{type(self).__name__} only writes answers")
