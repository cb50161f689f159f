"""Template filters of the web UI: amounts as people read them, and where a margin level sits on a gauge."""

from __future__ import annotations

import time
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.html import format_html

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


# --- amounts at the asset's precision, prices at the pair's tick; the exact figure on hover -------------

QUOTE_PLACES = 2  # USDT as people count it; the title keeps every digit
_PRECISION: dict = {"at": None, "assets": {}, "pairs": {}, "lots": {}}
PRECISION_TTL = 60.0  # seconds: a pair listed or changed in the admin shows within a minute


def precision_forget() -> None:
    """Read the pairs again at the next use (a staff change shows within PRECISION_TTL anyway)."""
    _PRECISION["at"] = None


def _places_of(step: Decimal) -> int:
    exponent = step.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # a step is a finite number (only NaN and infinities have a letter)
    return max(0, -exponent)


def precision() -> dict:
    """{"assets": {code: places}, "pairs": {symbol: places}}: an asset's places are its finest pair step (as
    a base asset; a quote asset counts in cents), a pair's are its tick's."""
    from trading.models import Pair

    if _PRECISION["at"] is None or time.monotonic() - _PRECISION["at"] > PRECISION_TTL:
        assets: dict[str, int] = {}
        pairs: dict[str, int] = {}
        lots: dict[str, int] = {}
        for symbol, base, quote, tick, step in Pair.objects.values_list(
            "symbol", "base__code", "quote__code", "tick_size", "step_size"
        ):
            pairs[symbol] = _places_of(tick)
            lots[symbol] = _places_of(step)
            assets[base] = max(assets.get(base, 0), _places_of(step))
            assets.setdefault(quote, QUOTE_PLACES)
        _PRECISION.update(at=time.monotonic(), assets=assets, pairs=pairs, lots=lots)
    return _PRECISION


def _exact(value, shown: str) -> str:
    number = _decimal(value)
    if number is None:
        return shown
    return format_html('<span class="num" title="{}">{}</span>', f"{number.normalize():f}", shown)


@register.simple_tag
def qty(value, asset) -> str:
    """An amount of ``asset`` at its precision (rounded down: never more than is there), exact in the title."""
    return _rounded(value, precision()["assets"].get(str(asset), 8))


@register.simple_tag
def lot(value, symbol) -> str:
    """A base quantity of a pair at the pair's step, exact in the title."""
    return _rounded(value, precision()["lots"].get(str(symbol), 8))


def _rounded(value, places: int) -> str:
    number = _decimal(value)
    if number is None:
        return "—"
    shown = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    return _exact(number, amount(abs(shown) if shown == 0 else shown, places))


@register.simple_tag
def px(value, symbol) -> str:
    """A price at the pair's tick (every decimal of the tick shown), exact in the title."""
    number = _decimal(value)
    if number is None:
        return "—"
    places = precision()["pairs"].get(str(symbol), 8)
    return _exact(number, f"{number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,f}")
