"""Template filters of the web UI: amounts as people read them, and where a margin level sits on a gauge."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()

# The gauge's scale: (level - 1) / (level - 1 + GAUGE_HALF) puts 1.0 at the left end, 1 + GAUGE_HALF
# at the middle and infinity at the right, so the lines near 1.05-1.3 stay apart and a large level fits.
GAUGE_HALF = Decimal("0.5")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def amount(value, places: int = 8) -> str:
    """1234.50000000 -> 1,234.5; at least two decimals, at most ``places``, no trailing zeros beyond."""
    number = _decimal(value)
    if number is None:
        return "—"
    number = number.quantize(Decimal(1).scaleb(-int(places)))
    text = f"{number:,f}"
    if "." in text:
        whole, fraction = text.split(".")
        fraction = fraction.rstrip("0").ljust(2, "0")
        text = f"{whole}.{fraction}"
    else:
        text += ".00"
    return text


@register.filter
def money(value) -> str:
    """A USDT value: two decimals with thousands separators."""
    number = _decimal(value)
    return "—" if number is None else f"{number.quantize(Decimal('0.01')):,f}"


@register.filter
def level(value) -> str:
    number = _decimal(value)
    return "no debt" if number is None else f"{number.quantize(Decimal('0.0001')):f}"


@register.filter
def percent(value, places: int = 2) -> str:
    number = _decimal(value)
    if number is None:
        return "—"
    return f"{(number * 100).quantize(Decimal(1).scaleb(-int(places))):+f} %"


@register.filter
def sign(value) -> str:
    """'up', 'down' or 'flat', for colouring a change."""
    number = _decimal(value)
    if not number:
        return "flat"
    return "up" if number > 0 else "down"


@register.filter
def gauge(value) -> str:
    """Where a margin level sits on the gauge, as a CSS percentage (no debt: the right end)."""
    number = _decimal(value)
    if number is None:
        return "100%"
    over = max(number - 1, Decimal(0))
    return f"{(over / (over + GAUGE_HALF) * 100).quantize(Decimal('0.1'))}%"


@register.filter
def plain(value) -> str:
    """An exact amount without trailing zeros or exponent, for a form field: 1234.50000000 -> 1234.5."""
    number = _decimal(value)
    return "" if number is None else f"{number.normalize():f}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
