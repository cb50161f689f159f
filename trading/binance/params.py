"""Request parameters as Binance reads them: from the query string and the body, for every method.

Binance takes parameters as ``application/x-www-form-urlencoded`` pairs from the query string and from the
body alike (a body parameter that is also in the query string loses to it), whatever the method and
whatever Content-Type says: python-binance, for one, sends form bodies labelled ``application/json``. So
the body is parsed here from the raw bytes, never through DRF's parsers. Parameters a view does not read
are ignored, as Binance ignores them.
"""

from __future__ import annotations

import json
import re
from typing import Literal, overload
from urllib.parse import parse_qsl

from core.fields import MAX_ID
from core.parsers import json_too_deep
from trading.binance import errors

# Binance's legal ranges, as its -1100 errors name them
# (https://developers.binance.com/docs/binance-spot-api-docs/errors).
DECIMAL = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
DECIMAL_RANGE = r"^([0-9]{1,20})(\.[0-9]{1,20})?$"
INTEGER = re.compile(r"^-?[0-9]{1,20}$")
INTEGER_RANGE = r"^-?[0-9]{1,20}$"
SYMBOL = re.compile(r"^[A-Z0-9-_.]{1,20}$")
SYMBOL_RANGE = r"^[A-Z0-9-_.]{1,20}$"
TRUE, FALSE = "TRUE", "FALSE"
# Binance's integers are LONGs: nothing outside a signed 64-bit integer reaches a query.
MIN_LONG, MAX_LONG = -(2**63), 2**63 - 1
# Times are milliseconds since the epoch up to the last millisecond of year 9999, the last a datetime holds.
MAX_TIME_MS = 253402300799999
MAX_PAGE = 10**15
# A control character (a NUL byte above all, which PostgreSQL refuses in any text) is in no parameter's
# legal range: refused as Binance refuses an illegal character, whatever the parameter.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _pairs(raw: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for name, value in parse_qsl(raw, keep_blank_values=True):
        if name in pairs:
            raise errors.BinanceError(errors.DUPLICATE_PARAMETER)
        pairs[name] = value
    return pairs


def raw_parts(request) -> tuple[bytes, bytes]:
    """The query string and the body exactly as they came, as bytes (what the signature covers)."""
    django_request = getattr(request, "_request", request)
    # PEP 3333: the query string reaches Django as the raw bytes decoded as latin-1.
    query = django_request.META.get("QUERY_STRING", "").encode("latin-1")
    return query, django_request.body


class Params:
    """The request's parameters, with Binance's checks and errors for each kind of value."""

    def __init__(self, request) -> None:
        query, body = raw_parts(request)
        try:
            values = _pairs(body.decode("utf-8")) if body else {}
            values.update(_pairs(query.decode("utf-8")))
        except UnicodeDecodeError:
            raise errors.BinanceError((-1100, "Illegal characters found in a parameter.")) from None
        self.values = values

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def get(self, name: str) -> str | None:
        """The value, or None when it was not sent or sent empty (Binance treats both as missing)."""
        value = self.values.get(name)
        if value in (None, ""):
            return None
        if CONTROL.search(value):
            raise errors.BinanceError((-1100, f"Illegal characters found in parameter '{name}'."))
        return value

    def required(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise errors.mandatory(name)
        return value

    def decimal(self, name: str, *, required: bool = False) -> str | None:
        """A decimal number as a string (handed to the services as it came: they own the amount rules)."""
        value = self.required(name) if required else self.get(name)
        if value is not None and not DECIMAL.match(value):
            raise errors.illegal_chars(name, DECIMAL_RANGE)
        return value

    def integer(self, name: str, *, default: int | None = None, minimum: int = MIN_LONG, maximum: int = MAX_LONG):
        value = self.get(name)
        if value is None:
            return default
        if not INTEGER.match(value):
            raise errors.illegal_chars(name, INTEGER_RANGE)
        number = int(value)
        if not max(minimum, MIN_LONG) <= number <= min(maximum, MAX_LONG):
            raise errors.invalid_data(name)
        return number

    def limit(self, *, default: int, maximum: int) -> int:
        return self.integer("limit", default=default, minimum=1, maximum=maximum)

    def page(self, *, default_size: int = 10, max_size: int = 100) -> dict:
        """Binance's ``current`` (from 1) and ``size`` pages of the /sapi records."""
        return {
            # (current - 1) * size is the query's OFFSET: it must stay inside PostgreSQL's bigint.
            "current": self.integer("current", default=1, minimum=1, maximum=MAX_PAGE),
            "size": self.integer("size", default=default_size, minimum=1, maximum=max_size),
        }

    def time(self, name: str) -> int | None:
        """A time in milliseconds (startTime, endTime): from the epoch to the end of year 9999."""
        return self.integer(name, minimum=0, maximum=MAX_TIME_MS)

    def id(self, name: str) -> int | None:
        """An id (orderId, fromId): one the database can hold; 0 finds nothing, as on Binance."""
        return self.integer(name, minimum=0, maximum=MAX_ID)

    @overload
    def symbol(self, name: str = "symbol", *, required: Literal[True]) -> str: ...
    @overload
    def symbol(self, name: str = "symbol", *, required: bool = False) -> str | None: ...
    def symbol(self, name: str = "symbol", *, required: bool = False) -> str | None:
        """A pair's symbol, in any case (stored upper-case); one outside Binance's legal range is -1100."""
        value = self.required(name) if required else self.get(name)
        if value is not None:
            check_symbol(name, value)
        return value

    def choice(self, name: str, choices, *, error: tuple[int, str] | None = None, required: bool = False):
        value = self.required(name) if required else self.get(name)
        if value is None:
            return None
        if value not in choices:
            raise errors.BinanceError(error) if error else errors.invalid_data(name)
        return value

    def flag(self, name: str, *, default: bool = False) -> bool:
        """``TRUE``/``FALSE`` in any case (isIsolated arrives as "TRUE", "true" and "True")."""
        value = self.get(name)
        if value is None:
            return default
        if value.upper() not in (TRUE, FALSE):
            raise errors.invalid_data(name)
        return value.upper() == TRUE

    def symbol_list(self, name: str = "symbols") -> list[str] | None:
        """``symbols=["BTCUSDT","ETHUSDT"]`` (JSON), as /api/v3 takes them."""
        value = self.get(name)
        if value is None:
            return None
        if json_too_deep(value):
            raise errors.invalid_data(name)
        try:
            symbols = json.loads(value)
        except ValueError:
            raise errors.invalid_data(name) from None
        if not isinstance(symbols, list) or not symbols or not all(isinstance(s, str) for s in symbols):
            raise errors.invalid_data(name)
        for symbol in symbols:
            check_symbol(name, symbol)
        return symbols

    def comma_list(self, name: str, *, maximum: int) -> list[str] | None:
        """``symbols=BTCUSDT,ETHUSDT``, as /sapi takes them."""
        value = self.get(name)
        if value is None:
            return None
        items = [item.strip() for item in value.split(",") if item.strip()]
        if not items or len(items) > maximum:
            raise errors.invalid_data(name)
        for item in items:
            check_symbol(name, item)
        return items


def check_symbol(name: str, value: str) -> None:
    """Every symbol parameter's one check: Binance's legal range (``symbol``, ``symbols``, ``isolatedSymbol``...)."""
    # ASCII first: upper() makes "ﬀ" "FF", and fullmatch, since "$" would let a trailing newline through.
    if not (value.isascii() and SYMBOL.fullmatch(value.upper())):
        raise errors.illegal_chars(name, SYMBOL_RANGE)
