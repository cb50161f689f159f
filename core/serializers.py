"""Serializers whose fields are made once per class (issue 15 item 2: do less per order).

DRF deep-copies every declared field and binds the copies on each serializer instance: for an order's
answer that is a third of a millisecond before a single value is written, and an account's answer pays
it again for each balance, and an order's request as much to be read. The fields of an ``OutputSerializer``
(answers) or ``RequestSerializer`` (requests) are made once per class, bound to an instance of their own, and
shared by every instance; what they write, validate and refuse is the same.

A shared field must not keep state per instance, nor read the serializer's context or its instance
(``self.context``, ``self.parent.instance``, ``self.root.partial``), which are not the caller's. Plain
fields, nested output serializers and ``SerializerMethodField`` methods that use only their argument
qualify; ``tests/core/test_serializers.py`` holds each one used to DRF's own output and validation.
"""

from __future__ import annotations

import threading

from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

_lock = threading.RLock()  # reentrant: a nested serializer may make its own fields meanwhile


class SharedFieldsSerializer(serializers.Serializer):
    """A serializer with its fields made and bound once per class (see the module's note)."""

    _shared_fields: BindingDict  # set on each class by its first use, read from the class's own __dict__

    @property
    def fields(self) -> BindingDict:
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
        return self._shared_list("_shared_readable", lambda field: not field.write_only)

    @property
    def _writable_fields(self):
        return self._shared_list("_shared_writable", lambda field: not field.read_only)

    def _shared_list(self, name: str, keep) -> list:
        cls = type(self)
        fields = cls.__dict__.get(name)
        if fields is None:
            fields = [field for field in self.fields.values() if keep(field)]
            setattr(cls, name, fields)
        return fields


class OutputSerializer(SharedFieldsSerializer):
    """An answer's serializer: it reads no input."""

    def to_internal_value(self, data):
        raise TypeError(f"{type(self).__name__} only writes answers")


class RequestSerializer(SharedFieldsSerializer):
    """A request's serializer, never partial: a shared field asks its own root, not the caller's, whether
    a missing value may be skipped (``partial``), so a partial update needs DRF's own Serializer."""

    def __init__(self, *args, **kwargs) -> None:
        if kwargs.get("partial"):
            raise TypeError(f"{type(self).__name__} cannot validate a partial update")
        super().__init__(*args, **kwargs)
