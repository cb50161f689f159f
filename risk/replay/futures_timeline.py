"""The timeline of a futures liquidation's replay, rebuilt from the stored history only.

The futures wallet keeps no margin points of its own, so the wallet is replayed from its ledger: every
journal entry that moved its USDT balance (the cross wallet in ``free``, the isolated wallets in
``locked``) or filled one of its positions, in order. Fills are applied with ``formulas.position_after_fill``
(the function the fills themselves use, with the entry price on 8 places as they store it); a locked line
belongs to the symbol of its entry (the fill's, the funding's, the position margin's). Each moment is then
valued by ``selectors.account_state`` (the valuation the engine decides with) at the marks of that moment:
the mark kept on each fill, the funding's mark, and the 1-minute candles of the index in between (with the
basis of the moment of the liquidation). Nothing is read from today's prices or balances.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from core.money import Q8
from futures import formulas as f
from futures import selectors
from futures.models import FundingRate, FuturesPosition, FuturesSymbol, FuturesTrade, Income, MarginType
from futures.services.liquidation import warning_ratio
from trading.models import Account, Balance, Bucket, JournalEntry, LedgerLine, PriceCandle

WINDOW = timedelta(days=90)  # how far back a replay shows, looking for the last safe moment
MAX_POINTS = 2000
CANDLE = timedelta(minutes=1)


@dataclass
class Holding:
    """One position as it stood: what the ledger and the fills say, before it is valued."""

    symbol: FuturesSymbol
    qty: Decimal = Decimal(0)
    entry: Decimal = Decimal(0)
    isolated_margin: Decimal = Decimal(0)
    leverage: int = selectors.DEFAULT_LEVERAGE


@dataclass
class FPoint:
    at: datetime
    source: str  # "action" (a journal entry), "price" (a candle of the index), "event" (the liquidation)
    kind: str
    label: str
    marks: dict[str, Decimal]
    state: selectors.AccountState
    entry_id: int | None = None

    def risk(self, code: str) -> selectors.PositionRisk | None:
        return self.state.position(code)

    def ratio_of(self, code: str | None) -> Decimal | None:
        """The ratio that liquidates ``code``: its own when isolated; the cross account's otherwise."""
        risk = self.risk(code) if code else None
        if risk is not None and risk.is_isolated:
            return risk.margin_ratio
        return self.state.cross_margin_ratio

    @property
    def worst_ratio(self) -> Decimal | None:
        ratios = [self.state.cross_margin_ratio] + [r.margin_ratio for r in self.state.isolated]
        if any(r is None for r in ratios if self.state.positions):
            return None  # beyond any ratio: maintenance due and no margin balance
        return max((r for r in ratios if r is not None), default=Decimal(0))

    @property
    def safe(self) -> bool:
        """Safely below the warning line (or holding nothing)."""
        if not self.state.positions:
            return True
        worst = self.worst_ratio
        return worst is not None and worst < warning_ratio()


@dataclass
class FTimeline:
    points: list[FPoint] = field(default_factory=list)
    truncated: bool = False
    wallet: _Wallet | None = None  # as it stood just before the event


@dataclass
class _Wallet:
    account: Account
    symbols: dict[str, FuturesSymbol]
    leverages: dict[str, int]
    free: Decimal = Decimal(0)
    holdings: dict[str, Holding] = field(default_factory=dict)
    marks: dict[str, Decimal] = field(default_factory=dict)

    def holding(self, code: str) -> Holding:
        if code not in self.holdings:
            self.holdings[code] = Holding(
                symbol=self.symbols[code], leverage=self.leverages.get(code, selectors.DEFAULT_LEVERAGE)
            )
        return self.holdings[code]

    def value(self, marks: dict[str, Decimal] | None = None, *, holdings: dict[str, Holding] | None = None):
        return value_of(self.account, self.free, holdings or self.holdings, marks or self.marks)


def market_at(symbols: dict[str, FuturesSymbol], marks: dict[str, Decimal]) -> dict[str, selectors.SymbolInfo]:
    """A market whose marks are ``marks``: the symbol's basis is already in them (so it is 0 here)."""
    market = {}
    for code, price in marks.items():
        symbol = symbols[code]
        flat = FuturesSymbol(
            pk=symbol.pk, symbol=symbol.symbol, pair_id=symbol.pair_id, tick_size=symbol.tick_size, basis_rate=0
        )
        brackets = tuple(
            f.Bracket(b.notional_floor, b.notional_cap, b.max_leverage, b.maint_margin_ratio, b.cum)
            for b in symbol.brackets.all()
        )
        market[code] = selectors.SymbolInfo(symbol=flat, brackets=brackets, index_price=price)
    return market


def value_of(
    account: Account, free: Decimal, holdings: dict[str, Holding], marks: dict[str, Decimal]
) -> selectors.AccountState:
    """The wallet with these holdings valued at these marks by the one valuation (``account_state``)."""
    symbols = {code: h.symbol for code, h in holdings.items()}
    positions = [
        FuturesPosition(
            account=account,
            symbol_id=h.symbol.pk,
            position_amt=h.qty,
            entry_price=h.entry,
            margin_type=MarginType.ISOLATED if h.isolated_margin > 0 else MarginType.CROSSED,
            leverage=h.leverage,
            isolated_margin=h.isolated_margin,
        )
        for code, h in sorted(holdings.items())
        if h.qty != 0 and code in marks
    ]
    locked = sum((h.isolated_margin for h in holdings.values()), Decimal(0))
    balance = Balance(account=account, free=free, locked=locked)
    market = market_at(symbols, {c: p for c, p in marks.items() if c in symbols})
    return selectors.account_state(wallet=account, market=market, balance=balance, positions=positions, orders=[])


class _Candles:
    """The closed 1-minute candles of each symbol's index in the window, as marks (with a fixed basis): the
    last ``MAX_POINTS`` of each, those that led to the liquidation (the window holds 90 days of minutes)."""

    def __init__(self, symbols: dict[str, FuturesSymbol], basis: dict[str, Decimal], begin, until) -> None:
        self.rows: list[tuple[datetime, str, Decimal]] = []
        for code, symbol in symbols.items():
            candles = PriceCandle.objects.filter(
                pair_id=symbol.pair_id,
                interval=PriceCandle.Interval.MINUTE,
                open_time__gte=begin - CANDLE,
                open_time__lte=until - CANDLE,
            ).order_by("-open_time")[:MAX_POINTS]
            rate = basis.get(code, symbol.basis_rate)
            for c in candles:
                mark = f.round_to(c.close * (1 + rate), symbol.tick_size)
                self.rows.append((c.open_time + CANDLE, code, mark))
        self.rows.sort(key=lambda r: (r[0], r[1]))
        self.times = [r[0] for r in self.rows]

    def between(self, begin: datetime, end: datetime) -> list[tuple[datetime, str, Decimal]]:
        """Candles that closed in (begin, end]."""
        return self.rows[bisect.bisect_right(self.times, begin) : bisect.bisect_right(self.times, end)]


def _entries(account: Account, until: datetime, exclude_entry: int | None):
    """Every entry that moved the wallet's USDT or filled one of its positions, oldest first, with its
    (free, locked) lines and its fills."""
    lines: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for entry_id, bucket, amount in LedgerLine.objects.filter(
        balance__account=account, balance__asset__code=selectors.QUOTE, entry__created_at__lte=until
    ).values_list("entry_id", "bucket", "amount"):
        lines[entry_id].append((bucket, amount))
    fills: dict[int, list[FuturesTrade]] = defaultdict(list)
    for trade in FuturesTrade.objects.filter(account=account, created_at__lte=until).order_by("id"):
        fills[trade.entry_id].append(trade)
    ids = (set(lines) | set(fills)) - {exclude_entry}
    entries = JournalEntry.objects.filter(pk__in=ids).order_by("created_at", "id")
    return [(e, lines.get(e.pk, []), fills.get(e.pk, [])) for e in entries]


def _symbol_of(entry: JournalEntry, fills: list[FuturesTrade], funding: dict[int, str], codes: dict[int, str]):
    if fills:
        return codes[fills[0].symbol_id]
    if entry.pk in funding:
        return funding[entry.pk]
    if entry.kind == JournalEntry.Kind.POSITION_MARGIN:
        return entry.memo.rsplit(" ", 1)[-1]  # "isolated margin add 10 USDT BTCUSDT"
    return None


def _label(entry: JournalEntry, fills: list[FuturesTrade], codes: dict[int, str]) -> str:
    if fills:
        return "; ".join(
            f"{t.side} {t.qty.normalize():f} {codes[t.symbol_id]} @ {t.price.normalize():f}" for t in fills
        )
    return entry.memo or entry.kind


def _funding(account: Account, codes: dict[int, str]) -> dict[int, tuple[str, Decimal | None]]:
    """Each funding entry of the wallet: its symbol and the funding's mark (the symbol's last funding rate at
    the entry's time), all in one query."""
    rate = FundingRate.objects.filter(
        symbol_id=OuterRef("symbol_id"), funding_time__lte=OuterRef("entry__created_at")
    ).order_by("-funding_time")
    rows = (
        Income.objects.filter(account=account, income_type=Income.Type.FUNDING_FEE, symbol__isnull=False)
        .annotate(mark=Subquery(rate.values("mark_price")[:1]))
        .values_list("entry_id", "symbol_id", "mark")
    )
    return {entry_id: (codes[symbol_id], mark) for entry_id, symbol_id, mark in rows}


def timeline_build(
    *,
    account: Account,
    until: datetime,
    exclude_entry: int | None,
    leverages: dict[str, int],
    basis: dict[str, Decimal],
) -> FTimeline:
    """Every point from the last safe one (within ``WINDOW``) up to ``until``, the liquidation excluded."""
    symbols = {s.symbol: s for s in FuturesSymbol.objects.prefetch_related("brackets")}
    codes = {s.pk: c for c, s in symbols.items()}
    wallet = _Wallet(account=account, symbols=symbols, leverages=leverages)
    funding_marks = _funding(account, codes)
    funding = {entry_id: code for entry_id, (code, _) in funding_marks.items()}
    begin = until - WINDOW
    entries = _entries(account, until, exclude_entry)
    # Only the symbols the wallet ever held (a position comes from a fill) have marks worth reading.
    held = {codes[t.symbol_id] for _, _, fills in entries for t in fills}
    candles = _Candles({c: s for c, s in symbols.items() if c in held}, basis, begin, until)
    points: list[FPoint] = []
    last_at = begin
    for entry, lines, fills in entries:
        if entry.created_at >= begin:
            points += _price_points(wallet, candles.between(last_at, entry.created_at))
            last_at = entry.created_at
        code = _symbol_of(entry, fills, funding, codes)
        for bucket, amount in lines:
            if bucket == Bucket.FREE:
                wallet.free += amount
            elif code is not None:
                wallet.holding(code).isolated_margin += amount
        for trade in fills:
            holding = wallet.holding(codes[trade.symbol_id])
            signed = trade.qty if trade.side == "BUY" else -trade.qty
            change = f.position_after_fill(
                quantity=holding.qty, entry_price=holding.entry, fill_quantity=signed, fill_price=trade.price
            )
            holding.qty, holding.entry = change.quantity, change.entry_price.quantize(Q8)
            wallet.marks[codes[trade.symbol_id]] = trade.mark_price or trade.price
        if code is not None and entry.pk in funding:
            mark = funding_marks[entry.pk][1]
            if mark is not None:
                wallet.marks[code] = mark
        if entry.created_at < begin:
            continue
        points.append(
            FPoint(
                at=entry.created_at,
                source="action",
                kind=entry.kind,
                label=_label(entry, fills, codes),
                marks=_held_marks(wallet),
                state=wallet.value(),
                entry_id=entry.pk,
            )
        )
    points += _price_points(wallet, candles.between(last_at, until))
    start = max((i for i, p in enumerate(points) if p.safe and p.at < until), default=0)
    timeline = FTimeline(points=points[start:], wallet=wallet)
    if len(timeline.points) > MAX_POINTS:
        timeline.points = timeline.points[:1] + timeline.points[-(MAX_POINTS - 1) :]
        timeline.truncated = True
    return timeline


def _held_marks(wallet: _Wallet) -> dict[str, Decimal]:
    return {c: p for c, p in sorted(wallet.marks.items()) if c in wallet.holdings and wallet.holdings[c].qty != 0}


def _price_points(wallet: _Wallet, rows) -> list[FPoint]:
    points = []
    for at, code, mark in rows:
        holding = wallet.holdings.get(code)
        if holding is None or holding.qty == 0 or wallet.marks.get(code) == mark:
            continue  # nothing held, or nothing moved: no point of its own
        wallet.marks[code] = mark
        points.append(
            FPoint(
                at=at,
                source="price",
                kind="price",
                label=f"{code} mark {mark.normalize():f}",
                marks=_held_marks(wallet),
                state=wallet.value(),
            )
        )
    return points
