"""Reads for the Binance-compatible API: which of the user's accounts a request means, their orders and
trades, and market statistics from the price history.

Binance has one cross margin account per user and one isolated account per pair, picked by ``isIsolated``
and ``symbol``: here they are the user's cross account and the user's isolated account of that pair. Every
lookup is scoped to the calling user first, so another user's order id is simply "not found".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from accounts.models import User
from core.errors import NotFound
from trading import selectors
from trading.binance import errors
from trading.models import (
    OPEN_STATUSES,
    Account,
    AccountKind,
    Asset,
    JournalEntry,
    LoanEvent,
    Order,
    Pair,
    PriceCandle,
    Trade,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- accounts -----------------------------------------------------------------------------------------


def cross_account_get(*, user: User) -> Account:
    account = selectors.margin_account_for_user(user=user, isolated=False, symbol=None)
    if account is None:
        raise errors.BinanceError(errors.NO_MARGIN_ACCOUNT)
    return account


def isolated_account_get(*, user: User, symbol: str) -> Account:
    pair = selectors.pair_get(symbol=symbol)  # an unknown symbol first (-1121), then "no isolated account"
    account = selectors.margin_account_for_user(user=user, isolated=True, symbol=pair.symbol)
    if account is None:
        raise errors.BinanceError(errors.NO_ISOLATED_ACCOUNT)
    return account


def spot_account_get(*, user: User) -> Account:
    account = Account.objects.filter(user=user, kind=AccountKind.SPOT).first()
    if account is None:
        raise errors.BinanceError(errors.UNAUTHORIZED)
    return account


def margin_account_route(*, user: User, is_isolated: bool, symbol: str | None, symbol_param: str = "symbol") -> Account:
    """The account a margin request means: the pair's isolated account, or the cross account."""
    if not is_isolated:
        return cross_account_get(user=user)
    if symbol is None:
        raise errors.mandatory(symbol_param)
    return isolated_account_get(user=user, symbol=symbol)


def margin_accounts_route(*, user: User, symbol: str | None) -> list[Account]:
    """The isolated account of ``symbol`` if given, else every margin account of the user."""
    if symbol is not None:
        return [isolated_account_get(user=user, symbol=symbol)]
    return list(Account.objects.filter(user=user, kind__in=(AccountKind.CROSS, AccountKind.ISOLATED)))


def isolated_accounts(*, user: User) -> QuerySet[Account]:
    return Account.objects.filter(user=user, kind=AccountKind.ISOLATED)


def summaries_for(*, user: User, kinds: tuple[str, ...], prices: dict[str, Decimal]) -> list[selectors.AccountSummary]:
    summaries = selectors.account_summaries_for_user(user=user, prices=prices)
    return [s for s in summaries if s.account.kind in kinds]


def assets() -> list[Asset]:
    return list(Asset.objects.order_by("code"))


# --- orders and trades --------------------------------------------------------------------------------


def _orders_of(accounts: list[Account]) -> QuerySet[Order]:
    return Order.objects.filter(account__in=accounts).select_related("pair", "account", "borrowed_asset")


def _orders(account: Account) -> QuerySet[Order]:
    return _orders_of([account])


def order_find(*, user: User, account: Account, pair: Pair, order_id: int | None, client_order_id: str | None) -> Order:
    """One of the user's orders in this account and pair, by orderId or origClientOrderId."""
    order = None
    if order_id is not None:
        # The permission-checked selector first: another user's id is "unknown order", like a missing one.
        found = selectors.order_get_for_user(user=user, order_id=order_id)
        if found.account_id == account.pk and found.pair_id == pair.pk:
            order = _orders(account).get(pk=found.pk)
    elif client_order_id is not None:
        order = _orders(account).filter(pair=pair, client_order_id=client_order_id).first()
    else:
        raise errors.BinanceError(
            (-1102, "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!")
        )
    if order is None:
        # The service's "unknown order": -2013 for a query, -2011 for a cancel (errors.translate).
        raise NotFound("Unknown order sent.", code="unknown_order")
    return order


def open_orders(*, account: Account, pair: Pair | None) -> list[Order]:
    orders = _orders(account).filter(status__in=OPEN_STATUSES)
    if pair is not None:
        orders = orders.filter(pair=pair)
    return list(orders.order_by("id"))


def _time_range(queryset: QuerySet, field: str, start: int | None, end: int | None) -> QuerySet:
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": from_ms(start)})
    if end is not None:
        queryset = queryset.filter(**{f"{field}__lte": from_ms(end)})
    return queryset


def all_orders(
    *, account: Account, pair: Pair, from_id: int | None, start: int | None, end: int | None, limit: int
) -> list[Order]:
    """Oldest first: from ``from_id`` on, or else the most recent ``limit`` (Binance's allOrders)."""
    orders = _time_range(_orders(account).filter(pair=pair), "created_at", start, end)
    if from_id is not None:
        return list(orders.filter(pk__gte=from_id).order_by("id")[:limit])
    if start is not None:
        return list(orders.order_by("id")[:limit])
    return sorted(orders.order_by("-id")[:limit], key=lambda o: o.pk)


def trades_of(order: Order) -> list[Trade]:
    return list(order.trades.select_related("fee_asset").order_by("id"))


def my_trades(
    *,
    account: Account,
    pair: Pair,
    order_id: int | None,
    from_id: int | None,
    start: int | None,
    end: int | None,
    limit: int,
) -> list[Trade]:
    trades = Trade.objects.filter(account=account, pair=pair).select_related("pair", "account", "fee_asset", "order")
    trades = _time_range(trades, "created_at", start, end)
    if order_id is not None:
        trades = trades.filter(order_id=order_id)
    if from_id is not None:
        return list(trades.filter(pk__gte=from_id).order_by("id")[:limit])
    if start is not None:
        return list(trades.order_by("id")[:limit])
    return sorted(trades.order_by("-id")[:limit], key=lambda t: t.pk)


# --- loan, interest and liquidation records ------------------------------------------------------------


def loan_events(
    *,
    account: Account,
    kind: str,
    asset: str | None,
    tx_id: int | None,
    start: int | None,
    end: int | None,
) -> QuerySet[LoanEvent]:
    """The account's borrows, repayments or interest charges, newest first."""
    events = LoanEvent.objects.filter(account=account, kind=kind).select_related("asset", "account__pair")
    if asset is not None:
        events = events.filter(asset__code=asset.upper())
    if tx_id is not None:
        events = events.filter(pk=tx_id)
    return _time_range(events, "created_at", start, end).order_by("-id")


def liquidation_orders(*, accounts: list[Account], start: int | None, end: int | None) -> QuerySet[Order]:
    """Orders the risk engine placed to liquidate these accounts (their fills are liquidation entries)."""
    orders = _orders_of(accounts).filter(trades__entry__kind=JournalEntry.Kind.LIQUIDATION).distinct()
    return _time_range(orders, "updated_at", start, end).order_by("-id")


def page(queryset: QuerySet, *, current: int, size: int) -> tuple[list, int]:
    """Binance's ``current``/``size`` pages: the rows of page ``current`` and the total."""
    return list(queryset[(current - 1) * size : current * size]), queryset.count()


# --- market data --------------------------------------------------------------------------------------


def from_ms(value: int) -> datetime:
    return EPOCH + timedelta(milliseconds=value)


def pairs(symbols: list[str] | None = None) -> list[Pair]:
    """Listed pairs, or the named ones (each must exist: an unknown one is -1121)."""
    queryset = Pair.objects.select_related("base", "quote").order_by("symbol")
    if symbols is None:
        return list(queryset)
    found = {p.symbol: p for p in queryset.filter(symbol__in=[s.upper() for s in symbols])}
    if len(found) != len({s.upper() for s in symbols}):
        raise errors.BinanceError(errors.BAD_SYMBOL)
    return [found[s.upper()] for s in symbols]


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
    queryset = Pair.objects.select_related("base", "quote").filter(margin_enabled=True).order_by("symbol")
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
        Pair.objects.filter(pk__in=[p.pk for p in pair_list])
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
    rows = _time_range(PriceCandle.objects.filter(pair=pair, interval=source), "open_time", start, end)
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
