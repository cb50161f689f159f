"""The agreed decimal precisions of amounts, prices and ratios."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from core.money import AMOUNT_PLACES


def amount_field(**kwargs) -> models.DecimalField:
    """The one agreed precision for amounts and prices: 32 digits, 8 of them after the point."""
    kwargs.setdefault("default", Decimal(0))
    return models.DecimalField(max_digits=32, decimal_places=AMOUNT_PLACES, **kwargs)


def ratio_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=8, **kwargs)
