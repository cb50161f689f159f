"""The timeline of a replay, from the stored history only: the margin points the ledger recorded after every
entry (``trading.MarginPoint``), the engine's status-change snapshots, and the 1-minute price candles of the
pairs held. Nothing is read from today's prices or balances, so a replay is the same tomorrow as today."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from risk.models import MarginSnapshot
from trading import margin
from trading.margin import Holding, Ratios, Status, Valuation
from trading.models import Account, MarginPoint, PriceCandle
from trading.selectors import QUOTE_ASSET

WINDOW = timedelta(days=90)  # how far back a replay looks for the last safe moment
MAX_POINTS = 2000
CANDLE = timedelta(minutes=1)


@dataclass(frozen=True)
class Point:
    at: datetime
    source: str  # "action" (a journal entry), "price" (a price candle), "status" (the engine), "event"
    kind: str
    label: str
    holdings: tuple[Holding, ...]
    prices: dict[str, Decimal]
    level: Decimal | None
    assets: Decimal
    debt: Decimal
    status: Status
    entry_id: int | None = None

    @property
    def valuation(self) -> Valuation:
        return Valuation(assets=self.assets, debt=self.debt)


@dataclass
class Timeline:
    points: list[Point] = field(default_factory=list)
    truncated: bool = False

    @property
    def valued(self) -> list[Point]:
        """The points valued from their own holdings and prices (the engine's status points are its word)."""
        return [p for p in self.points if p.source != "status"]


def holdings_from_point(raw: dict) -> tuple[Holding, ...]:
    return tuple(
        Holding(asset=a, free=Decimal(v[0]), locked=Decimal(v[1]), borrowed=Decimal(v[2]), interest=Decimal(v[3]))
        for a, v in sorted(raw.items())
    )


def holdings_from_balances(raw: dict) -> tuple[Holding, ...]:
    """``Liquidation.balances_before`` / ``_after``: {asset: {free, locked, borrowed, interest}}."""
    return tuple(
        Holding(
            asset=a,
            free=Decimal(v["free"]),
            locked=Decimal(v["locked"]),
            borrowed=Decimal(v["borrowed"]),
            interest=Decimal(v["interest"]),
        )
        for a, v in sorted(raw.items())
    )


def valued_point(
    *, at, source: str, kind: str, label: str, holdings, prices: dict, ratios: Ratios, entry_id=None
) -> Point:
    held = [h for h in holdings if h.gross or h.debt]
    valuation = (
        margin.value(held, prices) if all(h.asset in prices for h in held) else Valuation(Decimal(0), Decimal(0))
    )
    return Point(
        at=at,
        source=source,
        kind=kind,
        label=label,
        holdings=tuple(held),
        prices={a: p for a, p in prices.items() if any(h.asset == a for h in held) and a != QUOTE_ASSET},
        level=valuation.level,
        assets=valuation.assets,
        debt=valuation.debt,
        status=margin.classify(valuation.level, ratios),
        entry_id=entry_id,
    )


def _safe(point: MarginPoint, ratios: Ratios) -> bool:
    """Safely NORMAL: no debt, or a level above the initial ratio (room to borrow more). At the initial
    ratio itself nothing more may be borrowed, so a position opened at the maximum starts its story there."""
    return point.margin_level is None or point.margin_level > ratios.initial


def prices_at(*, assets: set[str], at: datetime) -> dict[str, Decimal]:
    """The last mark price of each asset at ``at`` from the candles (1-minute, else 1-hour)."""
    prices = {QUOTE_ASSET: Decimal(1)}
    for interval in (PriceCandle.Interval.MINUTE, PriceCandle.Interval.HOUR):
        for code in sorted(assets - set(prices)):
            candle = (
                PriceCandle.objects.filter(
                    pair__base__code=code, pair__quote__code=QUOTE_ASSET, interval=interval, open_time__lte=at
                )
                .order_by("-open_time")
                .first()
            )
            if candle is not None:
                prices[code] = candle.close
    return prices


def timeline_build(*, account: Account, until: datetime, ratios: Ratios, exclude_entry: int | None = None) -> Timeline:
    """Every point from the last safely NORMAL one (within ``WINDOW``) up to ``until``."""
    rows = list(
        MarginPoint.objects.filter(account=account, created_at__lte=until, created_at__gte=until - WINDOW)
        .exclude(entry_id=exclude_entry)
        .select_related("entry")
        .order_by("created_at", "id")
    )
    start = max((i for i, row in enumerate(rows) if _safe(row, ratios)), default=0)
    rows = rows[start:]
    timeline = Timeline()
    if not rows:
        return timeline
    begin = rows[0].created_at
    held = {a for row in rows for a in row.holdings if a != QUOTE_ASSET}
    # The latest candles only, if the story is long: the table and chart are cut to MAX_POINTS anyway.
    candles = list(
        PriceCandle.objects.filter(
            pair__base__code__in=held,
            pair__quote__code=QUOTE_ASSET,
            interval=PriceCandle.Interval.MINUTE,
            open_time__gt=begin - CANDLE,
            open_time__lte=until,
        )
        .select_related("pair__base")
        .order_by("-open_time", "-pair_id")[:MAX_POINTS]
    )[::-1]
    snapshots = list(
        MarginSnapshot.objects.filter(
            account=account,
            reason=MarginSnapshot.Reason.STATUS_CHANGE,
            created_at__gt=begin,
            created_at__lte=until,
        ).order_by("created_at", "id")
    )
    # One stream in time order: (time, order among equals, kind of record, the record).
    stream: list[tuple[datetime, int, str, object]] = [(r.created_at, 0, "action", r) for r in rows]
    stream += [(min(c.open_time + CANDLE, until), 2, "price", c) for c in candles if c.open_time + CANDLE > begin]
    stream += [(s.created_at, 1, "status", s) for s in snapshots]
    stream.sort(key=lambda item: (item[0], item[1], getattr(item[3], "pk", 0)))

    holdings: tuple[Holding, ...] = ()
    prices: dict[str, Decimal] = {QUOTE_ASSET: Decimal(1)}
    for at, _, source, record in stream:
        if source == "action":
            assert isinstance(record, MarginPoint)
            holdings = holdings_from_point(record.holdings)
            prices.update({a: Decimal(p) for a, p in record.prices.items()})
            point = valued_point(
                at=at,
                source="action",
                kind=record.kind,
                label=record.entry.memo or record.kind,
                holdings=holdings,
                prices=prices,
                ratios=ratios,
                entry_id=record.entry_id,
            )
        elif source == "price":
            assert isinstance(record, PriceCandle)
            code = record.pair.base.code
            if prices.get(code) == record.close:
                continue  # nothing moved: no point of its own
            prices[code] = record.close
            point = valued_point(
                at=at,
                source="price",
                kind="price",
                label=f"{record.pair.symbol} {record.close.normalize():f}",
                holdings=holdings,
                prices=prices,
                ratios=ratios,
            )
        else:
            assert isinstance(record, MarginSnapshot)
            point = Point(
                at=at,
                source="status",
                kind="status_change",
                label=f"status {record.status}",
                holdings=holdings,
                prices={a: p for a, p in prices.items() if a != QUOTE_ASSET},
                level=record.margin_level,
                assets=record.asset_value,
                debt=record.debt_value,
                status=Status(record.status),
            )
        timeline.points.append(point)
    timeline.truncated = len(candles) == MAX_POINTS
    if len(timeline.points) > MAX_POINTS:
        timeline.points = timeline.points[:1] + timeline.points[-(MAX_POINTS - 1) :]
        timeline.truncated = True
    return timeline
