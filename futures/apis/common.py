"""What the futures REST doors share."""

from __future__ import annotations

from rest_framework import serializers

FUTURES = "USDⓈ-M futures"  # the OpenAPI tag


def signed_field(**kwargs) -> serializers.DecimalField:
    kwargs.setdefault("read_only", True)
    return serializers.DecimalField(max_digits=40, decimal_places=8, **kwargs)
