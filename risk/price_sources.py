"""Where mark prices come from, chosen by ``settings.MARGINLAB_PRICE_SOURCE``.

- ``simulated`` (default): a seeded random walk per pair, each pair with its own volatility, so demos
  move and tests are reproducible.
- ``replay``: historical candles from a CSV file (``settings.MARGINLAB_PRICE_REPLAY_FILE``; format in
  ``risk/data/README.md``).
- ``manual``: nothing moves; staff set prices (``manage.py set_price``, the admin, later the API).

A source is pure: given the step number and each pair's feed (tick size, current price, volatility) it
answers the next prices, as Decimals on the pair's tick. It writes nothing; ``risk.price_feed`` claims
the step and writes the prices through ``trading.services.markets.mark_price_set``. No float ever
touches a price: the one random draw per pair and step is turned into a Decimal through its repr.
"""

from __future__ import annotations

import csv
import functools
import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from trading.models import Pair

logger = logging.getLogger(__name__)

REPLAY_COLUMNS = ["open_time", "symbol", "open", "high", "low", "close"]


@dataclass(frozen=True)
class Feed:
    """What a source needs to know about one pair."""

    symbol: str
    tick_size: Decimal
    price: Decimal | None  # the current mark price; None if the pair has none yet
    volatility: Decimal = Decimal("0.002")
    drift: Decimal = Decimal(0)


class PriceSource(Protocol):
    name: str

    def next_prices(self, *, step: int, feeds: Sequence[Feed]) -> dict[str, Decimal]:
        """The prices of step ``step`` (0, 1, 2, ...) by symbol; a pair left out does not move."""
        ...


class ReplayFileError(ValueError):
    """The replay CSV cannot be used; the message names the file and the line."""


def price_round(price: Decimal, *, tick_size: Decimal) -> Decimal:
    """The nearest multiple of the tick (half to even), and never less than one tick."""
    ticks = (price / tick_size).to_integral_value(rounding=ROUND_HALF_EVEN)
    # Written with the tick's places (95000.00 for a tick of 0.01000000, not 9.5E+4 or 95000.00000000).
    exponent = tick_size.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # a tick size is a finite number (only NaN and infinities have a letter)
    places = Decimal(1).scaleb(min(exponent, 0))
    return (max(ticks, Decimal(1)) * tick_size).quantize(places)


class SimulatedSource:
    """A geometric random walk: ``new = current * exp(drift + volatility * z)``, z ~ N(0, 1).

    z of a pair at step n comes from a generator seeded with (seed, symbol, n) alone, so the same seed,
    start prices and steps give the same prices on every machine and run (``random.Random`` seeded
    with a string hashes it with SHA-512, independent of PYTHONHASHSEED), and adding or disabling one
    pair does not change the path of the others.
    """

    name = "simulated"

    def __init__(self, *, seed: int) -> None:
        self.seed = seed

    def shock(self, *, symbol: str, step: int) -> Decimal:
        z = random.Random(f"{self.seed}:{symbol}:{step}").gauss(0.0, 1.0)
        # repr is the shortest string that reads back as the same double: exact and portable.
        return Decimal(repr(z))

    def next_prices(self, *, step: int, feeds: Sequence[Feed]) -> dict[str, Decimal]:
        prices = {}
        for feed in feeds:
            if feed.price is None:
                continue  # a random walk needs somewhere to start; set one with set_price
            # A fixed context, so the result does not depend on whatever precision the caller set.
            with localcontext() as ctx:
                ctx.prec = 28
                factor = (feed.drift + feed.volatility * self.shock(symbol=feed.symbol, step=step)).exp()
                prices[feed.symbol] = price_round(feed.price * factor, tick_size=feed.tick_size)
        return prices


class ReplaySource:
    """Replays the closes of historical candles, one candle per symbol per step.

    Step n sets each symbol's mark price to the close of its candle number n (in ``open_time``
    order). At the end of a symbol's candles the replay wraps around to its first candle (step n uses
    candle n modulo the number of candles), so a demo never runs dry; expect a jump at the seam. Only
    the shape of the prices is replayed, not the times: marks and the price history are stamped with
    the time of the tick. Rows of symbols that are not listed are skipped with a warning; a malformed
    row raises ``ReplayFileError`` naming its line.
    """

    name = "replay"

    def __init__(self, *, path: str | Path, symbols: Iterable[str] | None = None) -> None:
        self.path = Path(path)
        listed = None if symbols is None else frozenset(symbols)
        try:
            stat = self.path.stat()
        except OSError:
            self.closes = _replay_load(self.path, symbols=listed)  # raises the error naming the file
        else:
            # Every tick makes a source: parse (and warn about) a file once per version, not per tick.
            self.closes = _replay_load_cached(self.path, (stat.st_mtime_ns, stat.st_size), listed)

    def next_prices(self, *, step: int, feeds: Sequence[Feed]) -> dict[str, Decimal]:
        prices = {}
        for feed in feeds:
            closes = self.closes.get(feed.symbol)
            if closes:
                prices[feed.symbol] = price_round(closes[step % len(closes)], tick_size=feed.tick_size)
        return prices


class ManualSource:
    """Moves nothing: staff set prices with ``manage.py set_price`` (the admin and the API later)."""

    name = "manual"

    def next_prices(self, *, step: int, feeds: Sequence[Feed]) -> dict[str, Decimal]:
        return {}


def price_source_get() -> PriceSource:
    """The source ``settings.MARGINLAB_PRICE_SOURCE`` names: simulated (default), replay or manual."""
    kind = settings.MARGINLAB_PRICE_SOURCE
    if kind == SimulatedSource.name:
        return SimulatedSource(seed=settings.MARGINLAB_PRICE_SEED)
    if kind == ReplaySource.name:
        # A read of the listed symbols, to tell unlisted symbols from typos in the file.
        return ReplaySource(
            path=settings.MARGINLAB_PRICE_REPLAY_FILE, symbols=Pair.objects.values_list("symbol", flat=True)
        )
    if kind == ManualSource.name:
        return ManualSource()
    raise ImproperlyConfigured(
        f"MARGINLAB_PRICE_SOURCE is {kind!r}; it must be one of 'simulated', 'replay', 'manual'."
    )


@functools.lru_cache(maxsize=4)
def _replay_load_cached(
    path: Path, version: tuple[int, int], symbols: frozenset[str] | None
) -> dict[str, list[Decimal]]:
    return _replay_load(path, symbols=symbols)


def _replay_load(path: Path, *, symbols: frozenset[str] | None) -> dict[str, list[Decimal]]:
    """Closes by symbol, in open_time order, from a CSV with the header ``REPLAY_COLUMNS``."""
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise ReplayFileError(f"Cannot read the price replay file {path}: {exc.strerror}.") from exc
    candles: dict[str, dict[datetime, Decimal]] = {}
    skipped: dict[str, int] = {}
    with handle:
        reader = csv.reader(handle)
        header = [column.strip() for column in next(reader, [])]
        if header != REPLAY_COLUMNS:
            raise ReplayFileError(
                f"{path} line 1: the header must be {','.join(REPLAY_COLUMNS)}, not {','.join(header)}."
            )
        for row in reader:
            line = reader.line_num
            if not row or not "".join(row).strip():
                continue
            if len(row) != len(REPLAY_COLUMNS):
                raise ReplayFileError(f"{path} line {line}: expected {len(REPLAY_COLUMNS)} fields, found {len(row)}.")
            open_time = _replay_time(row[0], where=f"{path} line {line}")
            symbol = row[1].strip().upper()
            prices = {
                column: _replay_price(value, column=column, where=f"{path} line {line}")
                for column, value in zip(REPLAY_COLUMNS[2:], row[2:], strict=True)
            }
            if (
                not prices["low"]
                <= min(prices["open"], prices["close"])
                <= max(prices["open"], prices["close"])
                <= prices["high"]
            ):
                raise ReplayFileError(f"{path} line {line}: low <= open, close <= high does not hold.")
            if symbols is not None and symbol not in symbols:
                skipped[symbol] = skipped.get(symbol, 0) + 1
                continue
            by_time = candles.setdefault(symbol, {})
            if open_time in by_time:
                raise ReplayFileError(f"{path} line {line}: a second {symbol} candle at {row[0].strip()}.")
            by_time[open_time] = prices["close"]
    for symbol, count in sorted(skipped.items()):
        logger.warning("Price replay %s: %d rows of the unlisted symbol %s skipped.", path, count, symbol)
    if not candles:
        raise ReplayFileError(f"{path} holds no candle of a listed pair.")
    return {symbol: [by_time[t] for t in sorted(by_time)] for symbol, by_time in candles.items()}


def _replay_time(value: str, *, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ReplayFileError(f"{where}: open_time {value!r} is not an ISO 8601 date and time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the format says UTC
    return moment


def _replay_price(value: str, *, column: str, where: str) -> Decimal:
    try:
        price = Decimal(value.strip())
    except InvalidOperation:
        raise ReplayFileError(f"{where}: {column} {value!r} is not a number.") from None
    if not price.is_finite() or price <= 0:
        raise ReplayFileError(f"{where}: {column} {value!r} must be a positive number.")
    return price
