"""Scenarios as data, read and played by pure functions (no database): what a price is at scenario time t.

A spec (JSON, see ``scenarios/README.md``) has a default ``speed``, an optional historical ``replay``
(candles in the replay price source's format, ``risk/data/README.md``: each candle's close is played at
its ``open_time`` less the first one's, so real time between candles is kept, compressed by the speed)
and ``events``: ``shock`` (a symbol's price moved by a percentage, linearly over a span),
``interest`` (an asset's daily borrow rate set) and ``funding`` (a funding payment of the class's
perpetual at a rate the scenario gives: a spike; classes with futures only). Symbols and assets are the main market's names; a class
plays them on its own copies. Prices follow from t alone, so playing a step twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
REPLAY_COLUMNS = ["open_time", "symbol", "open", "high", "low", "close"]
SPEED_MAX = Decimal(1_000_000)
TIME_MAX = 366 * 24 * 3600  # seconds of scenario time: a year
SHOCK_MIN, SHOCK_MAX = Decimal("-99.99"), Decimal(1000)
EVENTS_MAX = 1000
# Binance caps a perpetual's funding rate at +/- 3 % an interval for most symbols ("adjustedFundingRateCap":
# "0.03000000" in GET /fapi/v1/fundingInfo, https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-Info).
FUNDING_RATE_MAX = Decimal("0.03")


class ScenarioError(ValueError):
    """The spec cannot be played; the message says where and why."""


@dataclass(frozen=True)
class Shock:
    symbol: str
    at: Decimal
    percent: Decimal
    over: Decimal

    def fraction(self, t: Decimal) -> Decimal:
        if t < self.at:
            return Decimal(0)
        if self.over == 0:
            return Decimal(1)
        return min(Decimal(1), (t - self.at) / self.over)


@dataclass(frozen=True)
class RateChange:
    index: int
    asset: str
    at: Decimal
    daily_rate: Decimal


@dataclass(frozen=True)
class FundingSpike:
    index: int
    symbol: str
    at: Decimal
    rate: Decimal


@dataclass(frozen=True)
class Spec:
    speed: Decimal
    replay: dict[str, list[tuple[Decimal, Decimal]]] = field(default_factory=dict)
    shocks: list[Shock] = field(default_factory=list)
    rates: list[RateChange] = field(default_factory=list)
    duration: Decimal = Decimal(0)
    fundings: list[FundingSpike] = field(default_factory=list)

    @property
    def symbols(self) -> list[str]:
        return sorted(set(self.replay) | {s.symbol for s in self.shocks})

    @property
    def assets(self) -> list[str]:
        return sorted({r.asset for r in self.rates})


def _decimal(value, *, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ScenarioError(f'{where}: give a number as an integer or a decimal string, e.g. "-12.5".')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ScenarioError(f"{where}: {value!r} is not a number.") from None
    if not number.is_finite():
        raise ScenarioError(f"{where}: {value!r} is not a number.")
    return number


def seconds(value, *, where: str) -> Decimal:
    """Seconds of scenario time: a number, or "m:ss" / "h:mm:ss" (``"14:10"`` is 14 minutes 10 seconds)."""
    if isinstance(value, str) and re.fullmatch(r"\d{1,4}(:[0-5]\d){1,2}", value.strip()):
        total = 0
        for part in value.strip().split(":"):
            total = total * 60 + int(part)
        result = Decimal(total)
    else:
        result = _decimal(value, where=where)
    if not 0 <= result <= TIME_MAX:
        raise ScenarioError(f"{where}: a time from 0 to {TIME_MAX} seconds.")
    return result


def _symbol(value, *, where: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9]{2,20}", value):
        raise ScenarioError(f'{where}: a symbol such as "BTCUSDT".')
    return value.upper()


def replay_parse(text: str, *, source: str) -> dict[str, list[tuple[Decimal, Decimal]]]:
    """Candles (the replay source's CSV) as, per symbol, (seconds after the first candle, close)."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != REPLAY_COLUMNS:
        raise ScenarioError(f"{source}: the header must be {','.join(REPLAY_COLUMNS)}.")
    rows: list[tuple[datetime, str, Decimal]] = []
    for line, row in enumerate(reader, start=2):
        if not row or not "".join(row).strip():
            continue
        where = f"{source} line {line}"
        if len(row) != len(REPLAY_COLUMNS):
            raise ScenarioError(f"{where}: {len(REPLAY_COLUMNS)} fields expected, {len(row)} found.")
        try:
            when = datetime.fromisoformat(row[0].strip().replace("Z", "+00:00"))
        except ValueError:
            raise ScenarioError(f"{where}: {row[0]!r} is not an ISO 8601 time.") from None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        open_, high, low, close = (
            _decimal(v, where=f"{where} {c}") for c, v in zip(REPLAY_COLUMNS[2:], row[2:], strict=True)
        )
        if min(open_, high, low, close) <= 0 or not low <= min(open_, close) <= max(open_, close) <= high:
            raise ScenarioError(f"{where}: prices must be positive with low <= open, close <= high.")
        rows.append((when, _symbol(row[1].strip(), where=where), close))
    if not rows:
        raise ScenarioError(f"{source}: no candles.")
    first = min(when for when, _, _ in rows)
    replay: dict[str, list[tuple[Decimal, Decimal]]] = {}
    for when, symbol, close in sorted(rows):
        offset = Decimal((when - first).total_seconds())
        points = replay.setdefault(symbol, [])
        if points and points[-1][0] == offset:
            raise ScenarioError(f"{source}: two candles of {symbol} at {when.isoformat()}.")
        points.append((offset, close))
    return replay


def spec_parse(spec, *, files: Path = SCENARIO_DIR) -> Spec:
    """Read and check a spec; every mistake is a ScenarioError naming its place."""
    if not isinstance(spec, dict):
        raise ScenarioError("A scenario is a JSON object.")
    unknown = set(spec) - {"speed", "replay", "events", "duration"}
    if unknown:
        raise ScenarioError(f"Unknown keys: {', '.join(sorted(unknown))}.")
    speed = _decimal(spec.get("speed", 1), where="speed")
    if not 0 < speed <= SPEED_MAX:
        raise ScenarioError(f"speed: more than 0, at most {SPEED_MAX}.")
    replay: dict[str, list[tuple[Decimal, Decimal]]] = {}
    if "replay" in spec:
        source = spec["replay"]
        if not isinstance(source, dict) or len(source) != 1 or not set(source) <= {"file", "csv"}:
            raise ScenarioError('replay: {"file": "name.csv"} (a shipped file) or {"csv": "<candles>"}.')
        if "file" in source:
            name = source["file"]
            if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]+\.csv", name):
                raise ScenarioError("replay.file: the name of a CSV file in classrooms/scenarios/.")
            path = files / name
            if not path.is_file():
                raise ScenarioError(f"replay.file: no such file {name}.")
            replay = replay_parse(path.read_text(encoding="utf-8"), source=name)
        else:
            if not isinstance(source["csv"], str):
                raise ScenarioError("replay.csv: the candles as CSV text.")
            replay = replay_parse(source["csv"], source="replay.csv")
    events = spec.get("events", [])
    if not isinstance(events, list) or len(events) > EVENTS_MAX:
        raise ScenarioError(f"events: a list of at most {EVENTS_MAX} events.")
    shocks, rates, fundings = [], [], []
    for index, event in enumerate(events):
        where = f"events[{index}]"
        if not isinstance(event, dict):
            raise ScenarioError(f"{where}: an object.")
        kind = event.get("type")
        at = seconds(event.get("at", 0), where=f"{where}.at")
        if kind == "shock":
            _only(event, {"type", "at", "symbol", "percent", "over"}, where)
            percent = _decimal(event.get("percent"), where=f"{where}.percent")
            if percent == 0 or not SHOCK_MIN <= percent <= SHOCK_MAX:
                raise ScenarioError(f"{where}.percent: non-zero, from {SHOCK_MIN} to {SHOCK_MAX}.")
            over = seconds(event.get("over", 0), where=f"{where}.over")
            shocks.append(
                Shock(symbol=_symbol(event.get("symbol"), where=f"{where}.symbol"), at=at, percent=percent, over=over)
            )
        elif kind == "interest":
            _only(event, {"type", "at", "asset", "daily_rate"}, where)
            asset = event.get("asset")
            if not isinstance(asset, str) or not re.fullmatch(r"[A-Za-z0-9]{1,10}", asset):
                raise ScenarioError(f'{where}.asset: an asset code such as "BTC".')
            rate = _decimal(event.get("daily_rate"), where=f"{where}.daily_rate")
            if not 0 <= rate < 1:
                raise ScenarioError(f"{where}.daily_rate: from 0 to under 1 (0.001 is 0.1 % a day).")
            rates.append(RateChange(index=index, asset=asset.upper(), at=at, daily_rate=rate))
        elif kind == "funding":
            _only(event, {"type", "at", "symbol", "rate"}, where)
            rate = _decimal(event.get("rate"), where=f"{where}.rate")
            if rate == 0 or abs(rate) > FUNDING_RATE_MAX:
                raise ScenarioError(f"{where}.rate: non-zero, from -{FUNDING_RATE_MAX} to {FUNDING_RATE_MAX}.")
            symbol = _symbol(event.get("symbol"), where=f"{where}.symbol")
            fundings.append(FundingSpike(index=index, symbol=symbol, at=at, rate=rate))
        else:
            raise ScenarioError(f'{where}.type: "shock", "interest" or "funding".')
    ends = [s.at + s.over for s in shocks] + [r.at for r in rates + fundings] + [p[-1][0] for p in replay.values()]
    duration = seconds(spec["duration"], where="duration") if "duration" in spec else max(ends, default=Decimal(0))
    if not ends and not replay:
        raise ScenarioError("A scenario needs a replay or at least one event.")
    return Spec(speed=speed, replay=replay, shocks=shocks, rates=rates, duration=duration, fundings=fundings)


def _only(event: dict, keys: set[str], where: str) -> None:
    unknown = set(event) - keys
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {', '.join(sorted(unknown))}.")


def prices_at(spec: Spec, t: Decimal, *, start: dict[str, Decimal]) -> dict[str, Decimal]:
    """Every played symbol's price at scenario time ``t`` (not rounded): the replay's last close at or
    before t (before its first candle, the price at the start), times each shock's share so far."""
    prices = {}
    for symbol in spec.symbols:
        base = start.get(symbol)
        points = spec.replay.get(symbol)
        if points:
            i = bisect_right([offset for offset, _ in points], t)
            if i:
                base = points[i - 1][1]
        if base is None:
            continue
        for shock in spec.shocks:
            if shock.symbol == symbol:
                base = base * (1 + shock.percent / 100 * shock.fraction(t))
        prices[symbol] = base
    return prices


def rates_due(spec: Spec, t: Decimal) -> list[RateChange]:
    return [r for r in spec.rates if r.at <= t]


def fundings_due(spec: Spec, t: Decimal) -> list[FundingSpike]:
    return [f for f in spec.fundings if f.at <= t]
