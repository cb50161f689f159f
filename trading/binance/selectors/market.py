"""Market data from the price history: pairs, 24-hour statistics, klines and the average price."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from trading import selectors
from trading.binance import errors
from trading.binance.markets import current_market_id
from trading.models import (
    Pair,
    PriceCandle,
    Trade,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def time_range(queryset: QuerySet, field: str, start: int | None, end: int | None) -> QuerySet:
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": from_ms(start)})
    if end is not None:
        queryset = queryset.filter(**{f"{field}__lte": from_ms(end)})
    return queryset


def from_ms(value: int) -> datetime:
    return EPOCH + timedelta(milliseconds=value)


def pairs(symbols: list[str] | None = None) -> list[Pair]:
    """Listed pairs, or the named ones (each must exist: an unknown one is -1121)."""
    queryset = _market_pairs().select_related("base", "quote").order_by("symbol")
    if symbols is None:
        return list(queryset)
    found = {p.symbol: p for p in queryset.filter(symbol__in=[s.upper() for s in symbols])}
    if len(found) != len({s.upper() for s in symbols}):
        raise errors.BinanceError(errors.BAD_SYMBOL)
    return [found[s.upper()] for s in symbols]


def _market_pairs() -> QuerySet[Pair]:
    """The pairs of the request's market (``trading.binance.markets``): the main one's unless a class key."""
    market_id = current_market_id()
    return Pair.objects.all() if market_id is None else Pair.in_all_markets.filter(market_id=market_id)


def pair_get(symbol: str) -> Pair:
    return pairs([symbol])[0]


AVG_PRICE_MINUTES = 5


def avg_price(*, pair: Pair, now_ms: int) -> tuple[Decimal, int]:
    """The mean close of the pair's 1-minute candles of the last 5 minutes, and the last one's close time;
    the mark itself (closing now) when none is that recent."""
    since = from_ms(now_ms) - timedelta(minutes=AVG_PRICE_MINUTES)
    closes = list(
        PriceCandle.objects.filter(pair=pair, interval=PriceCandle.Interval.MINUTE, open_time__gte=since)
        .order_by("open_time")
        .values_list("open_time", "close")
    )
    if not closes:
        return selectors.mark_price_get(pair=pair), now_ms
    mean = sum((close for _, close in closes), Decimal(0)) / len(closes)
    return mean.quantize(pair.tick_size), min(_ms(closes[-1][0] + MINUTE) - 1, now_ms)


def margin_pairs(*, isolated: bool) -> list[Pair]:
    queryset = _market_pairs().select_related("base", "quote").filter(margin_enabled=True).order_by("symbol")
    if isolated:
        queryset = queryset.filter(isolated_enabled=True)
    return list(queryset)


@dataclass(frozen=True)
class DayStats:
    symbol: str
    open: Decimal
    high: Decimal
    low: Decimal
    last: Decimal
    volume: Decimal
    quote_volume: Decimal
    count: int
    first_trade_id: int | None
    last_trade_id: int | None


def day_stats(*, pair_list: list[Pair], now: datetime | None = None) -> list[DayStats]:
    """The last 24 hours of each pair: prices from its 1-minute mark-price candles, volume from the fills.

    Two queries however many pairs: the candles' open, high and low per pair, and the fills per pair.
    """
    now = now or timezone.now()
    since = now - timedelta(hours=24)
    candles = PriceCandle.objects.filter(
        pair=OuterRef("pk"), interval=PriceCandle.Interval.MINUTE, open_time__gte=since
    )
    rows = (
        Pair.in_all_markets.filter(pk__in=[p.pk for p in pair_list])
        .annotate(
            first_open=Subquery(candles.order_by("open_time").values("open")[:1]),
            day_high=Subquery(candles.order_by().values("pair").annotate(x=Max("high")).values("x")[:1]),
            day_low=Subquery(candles.order_by().values("pair").annotate(x=Min("low")).values("x")[:1]),
        )
        .values("pk", "first_open", "day_high", "day_low", "mark__price")
    )
    prices = {row["pk"]: row for row in rows}
    fills = {
        row["pair"]: row
        for row in Trade.objects.filter(pair__in=pair_list, created_at__gte=since)
        .values("pair")
        .annotate(
            volume=Sum("quantity"), quote=Sum("quote_quantity"), count=Count("id"), first=Min("id"), last=Max("id")
        )
    }
    stats = []
    for pair in pair_list:
        row: Mapping[str, Any] = prices.get(pair.pk, {})
        traded: Mapping[str, Any] = fills.get(pair.pk, {})
        last = row.get("mark__price")
        if last is None:
            continue  # never priced yet: nothing to tell
        open_price = row.get("first_open") or last
        stats.append(
            DayStats(
                symbol=pair.symbol,
                open=open_price,
                high=max(row.get("day_high") or last, last),
                low=min(row.get("day_low") or last, last),
                last=last,
                volume=traded.get("volume") or Decimal(0),
                quote_volume=traded.get("quote") or Decimal(0),
                count=traded.get("count") or 0,
                first_trade_id=traded.get("first"),
                last_trade_id=traded.get("last"),
            )
        )
    return stats


# Binance's kline intervals that the stored 1-minute and 1-hour candles can make: (source, length).
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
KLINE_INTERVALS = {
    "1m": (PriceCandle.Interval.MINUTE, MINUTE),
    "3m": (PriceCandle.Interval.MINUTE, 3 * MINUTE),
    "5m": (PriceCandle.Interval.MINUTE, 5 * MINUTE),
    "15m": (PriceCandle.Interval.MINUTE, 15 * MINUTE),
    "30m": (PriceCandle.Interval.MINUTE, 30 * MINUTE),
    "1h": (PriceCandle.Interval.HOUR, HOUR),
    "2h": (PriceCandle.Interval.HOUR, 2 * HOUR),
    "4h": (PriceCandle.Interval.HOUR, 4 * HOUR),
    "6h": (PriceCandle.Interval.HOUR, 6 * HOUR),
    "8h": (PriceCandle.Interval.HOUR, 8 * HOUR),
    "12h": (PriceCandle.Interval.HOUR, 12 * HOUR),
    "1d": (PriceCandle.Interval.HOUR, DAY),
    "3d": (PriceCandle.Interval.HOUR, 3 * DAY),
    "1w": (PriceCandle.Interval.HOUR, 7 * DAY),
}
# Weeks start on Monday, as Binance's 1w klines do; the epoch was a Thursday.
WEEK_OFFSET = 3 * DAY


@dataclass
class Kline:
    open_time: int
    close_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal


def _bucket_start(moment: datetime, length: timedelta) -> datetime:
    offset = WEEK_OFFSET if length == 7 * DAY else timedelta(0)
    elapsed = moment - EPOCH + offset
    return moment - (elapsed % length)


def klines(*, pair: Pair, interval: str, start: int | None, end: int | None, limit: int) -> list[Kline]:
    """Candles of ``interval`` built from the stored ones: the first ``limit`` from ``start``, else the last."""
    source, length = KLINE_INTERVALS[interval]
    per_kline = max(1, int(length / (MINUTE if source == PriceCandle.Interval.MINUTE else HOUR)))
    rows = time_range(PriceCandle.objects.filter(pair=pair, interval=source), "open_time", start, end)
    fields = ("open_time", "open", "high", "low", "close")
    if start is not None:
        candles = list(rows.order_by("open_time").values_list(*fields)[: (limit + 1) * per_kline])
    else:
        candles = list(rows.order_by("-open_time").values_list(*fields)[: (limit + 1) * per_kline])[::-1]
    result: list[Kline] = []
    for open_time, open_, high, low, close in candles:
        bucket = _bucket_start(open_time, length)
        if result and result[-1].open_time == _ms(bucket):
            current = result[-1]
            current.high, current.low, current.close = max(current.high, high), min(current.low, low), close
        else:
            result.append(Kline(_ms(bucket), _ms(bucket + length) - 1, open_, high, low, close))
    return result[:limit] if start is not None else result[-limit:]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
