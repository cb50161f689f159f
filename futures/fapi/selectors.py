"""The reads of /fapi: the caller's futures orders, trades, income, margin changes and liquidations in
Binance's windows (startTime, endTime, fromId / orderId, limit), and the market's 24-hour figures.

Every read is scoped to the caller's futures wallet first (``futures.selectors.wallet_get_for_user``), so
another user's order id is simply "not found". Times are Binance's milliseconds, already range-checked by
``Params`` (``trading.binance.params``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Max, Min, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from core.errors import NotFound
from futures import selectors as futures_selectors
from futures.models import (
    ALGO_CONDITIONAL,
    LIQUIDATION_REASON,
    OPEN_ORDER_STATUSES,
    FundingRate,
    FuturesOrder,
    FuturesTrade,
    Income,
)
from futures.selectors import SymbolInfo
from trading.binance import errors
from trading.binance.markets import current_market_id
from trading.binance.selectors import from_ms
from trading.models import Account, JournalEntry

# Liquidation closes a position with an order of this client id prefix, as Binance's own ("autoclose-").
AUTOCLOSE_PREFIX = "autoclose-"


def market() -> dict[str, SymbolInfo]:
    """The perpetuals of the request's market (a class key's: the class's, ``trading.binance.markets``)."""
    return futures_selectors.market_get(market_id=current_market_id())


def symbol_info(market: dict[str, SymbolInfo], symbol: str) -> SymbolInfo:
    """A listed perpetual by its symbol (any case); unknown is -1121. It may have no mark yet."""
    info = market.get(symbol.upper())
    if info is None:
        raise errors.BinanceError(errors.BAD_SYMBOL)
    return info


def priced(infos) -> list[SymbolInfo]:
    return [info for info in infos if info.mark_price is not None]


def _window(queryset: QuerySet, field: str, start: int | None, end: int | None) -> QuerySet:
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": from_ms(start)})
    if end is not None:
        queryset = queryset.filter(**{f"{field}__lte": from_ms(end)})
    return queryset


def _page(queryset: QuerySet, *, start: int | None, from_id: int | None, limit: int, id_field: str = "id") -> list:
    """Oldest first: from ``from_id`` or ``start`` on, else the most recent ``limit``."""
    if from_id is not None:
        return list(queryset.filter(**{f"{id_field}__gte": from_id}).order_by(id_field)[:limit])
    if start is not None:
        return list(queryset.order_by(id_field)[:limit])
    return sorted(queryset.order_by(f"-{id_field}")[:limit], key=lambda row: getattr(row, id_field))


# --- orders --------------------------------------------------------------------------------------------


def wallet_of(user: User) -> Account | None:
    return futures_selectors.wallet_get_for_user(user=user)


def _all_orders(wallet: Account | None) -> QuerySet[FuturesOrder]:
    if wallet is None:
        return FuturesOrder.objects.none()
    return FuturesOrder.objects.filter(account=wallet).select_related("symbol")


def _orders(wallet: Account | None) -> QuerySet[FuturesOrder]:
    """The orders of the matching engine: an algo order joins them when it triggers (Binance places its
    actual order then), not before."""
    return _all_orders(wallet).exclude(algo_type=ALGO_CONDITIONAL, triggered_at__isnull=True)


def _waiting_algo(order: FuturesOrder) -> bool:
    return order.algo_type == ALGO_CONDITIONAL and order.triggered_at is None


def order_find(*, user: User, info: SymbolInfo, order_id: int | None, client_order_id: str | None) -> FuturesOrder:
    """One of the caller's orders on this symbol by orderId or origClientOrderId (-2013 / -2011 if none)."""
    if order_id is None and client_order_id is None:
        raise errors.BinanceError(
            (-1102, "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!")
        )
    order = None
    if order_id is not None:
        # The permission-checked selector: another user's id is "unknown order", like a missing one.
        found = futures_selectors.order_get_for_user(user=user, order_id=order_id)
        order = found if found.symbol_id == info.symbol.pk and not _waiting_algo(found) else None
    else:
        order = _orders(wallet_of(user)).filter(symbol=info.symbol, client_order_id=client_order_id).first()
    if order is None:
        raise NotFound("Unknown order sent.", code="unknown_order")
    return order


def open_orders(*, user: User, info: SymbolInfo | None) -> list[FuturesOrder]:
    orders = _orders(wallet_of(user)).filter(status__in=OPEN_ORDER_STATUSES)
    if info is not None:
        orders = orders.filter(symbol=info.symbol)
    return list(orders.order_by("id"))


def all_orders(
    *, user: User, info: SymbolInfo, order_id: int | None, start: int | None, end: int | None, limit: int
) -> list[FuturesOrder]:
    orders = _window(_orders(wallet_of(user)).filter(symbol=info.symbol), "created_at", start, end)
    return _page(orders, start=start, from_id=order_id, limit=limit)


# --- algo (conditional) orders ------------------------------------------------------------------------


def _algo_orders(user: User) -> QuerySet[FuturesOrder]:
    return _all_orders(wallet_of(user)).filter(algo_type=ALGO_CONDITIONAL)


def algo_order_find(
    *, user: User, info: SymbolInfo | None, algo_id: int | None, client_algo_id: str | None
) -> FuturesOrder:
    """One of the caller's algo orders by algoId or clientAlgoId (-2013 / -2011 if none): another user's
    algoId is unknown, like a missing one, since the lookup starts from the caller's wallet."""
    if algo_id is None and client_algo_id is None:
        raise errors.BinanceError((-1102, "Param 'algoId' or 'clientAlgoId' must be sent, but both were empty/null!"))
    orders = _algo_orders(user)
    if info is not None:
        orders = orders.filter(symbol=info.symbol)
    order = (
        orders.filter(pk=algo_id).first()
        if algo_id is not None
        else orders.filter(client_order_id=client_algo_id).first()
    )
    if order is None:
        raise NotFound("Unknown order sent.", code="unknown_order")
    return order


def algo_status(order: FuturesOrder) -> str:
    """Binance's algoStatus of the order: NEW while it waits for its trigger, TRIGGERED once it works in
    the matching engine, FINISHED when that order filled or was cancelled, REJECTED when the engine
    refused it (margin, nothing left to reduce), CANCELED / EXPIRED before it triggered.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/user-data-streams/Event-Algo-Order-Update
    """
    Status = FuturesOrder.Status
    if order.triggered_at is None:
        if order.status == Status.CANCELED:
            return "CANCELED"
        return "EXPIRED" if order.status in (Status.EXPIRED, Status.REJECTED) else "NEW"
    if order.status in OPEN_ORDER_STATUSES:
        return "TRIGGERED"
    if order.status in (Status.EXPIRED, Status.REJECTED) and order.executed_qty == 0:
        # Expired by a liquidation once in the engine: its engine order ended, not refused by the engine.
        return "FINISHED" if order.status_reason == LIQUIDATION_REASON else "REJECTED"
    return "FINISHED"


def open_algo_orders(*, user: User, info: SymbolInfo | None, algo_id: int | None = None) -> list[FuturesOrder]:
    """The algo orders waiting for their trigger (Binance's algoStatus NEW)."""
    orders = _algo_orders(user).filter(status__in=OPEN_ORDER_STATUSES, triggered_at__isnull=True)
    if info is not None:
        orders = orders.filter(symbol=info.symbol)
    if algo_id is not None:
        orders = orders.filter(pk=algo_id)
    return list(orders.order_by("id"))


def all_algo_orders(
    *,
    user: User,
    info: SymbolInfo,
    algo_id: int | None,
    start: int | None,
    end: int | None,
    page: int,
    limit: int,
) -> list[FuturesOrder]:
    """allAlgoOrders: from ``algoId`` on (oldest first), or in the time window, else the most recent;
    ``page`` (from 1) skips ``limit`` orders a page."""
    orders = _window(_algo_orders(user).filter(symbol=info.symbol), "created_at", start, end)
    offset = (page - 1) * limit
    if algo_id is not None:
        return list(orders.filter(id__gte=algo_id).order_by("id")[offset : offset + limit])
    if start is not None:
        return list(orders.order_by("id")[offset : offset + limit])
    return sorted(orders.order_by("-id")[offset : offset + limit], key=lambda o: o.pk)


def force_orders(*, user: User, info: SymbolInfo | None, start: int | None, end: int | None, limit: int):
    orders = _orders(wallet_of(user)).filter(client_order_id__startswith=AUTOCLOSE_PREFIX)
    if info is not None:
        orders = orders.filter(symbol=info.symbol)
    return _page(_window(orders, "created_at", start, end), start=start, from_id=None, limit=limit)


def user_trades(
    *,
    user: User,
    info: SymbolInfo,
    order_id: int | None,
    from_id: int | None,
    start: int | None,
    end: int | None,
    limit: int,
) -> list[FuturesTrade]:
    wallet = wallet_of(user)
    trades = FuturesTrade.objects.filter(account=wallet, symbol=info.symbol) if wallet else FuturesTrade.objects.none()
    trades = _window(trades.select_related("symbol", "order"), "created_at", start, end)
    if order_id is not None:
        trades = trades.filter(order_id=order_id)
    return _page(trades, start=start, from_id=from_id, limit=limit)


def trades_of(order: FuturesOrder) -> list[FuturesTrade]:
    return list(order.trades.order_by("id"))


# --- income, funding, margin changes -----------------------------------------------------------------


def income(
    *, user: User, info: SymbolInfo | None, income_type: str | None, start: int | None, end: int | None, limit: int
) -> list[Income]:
    wallet = wallet_of(user)
    rows = Income.objects.filter(account=wallet).select_related("symbol") if wallet else Income.objects.none()
    if info is not None:
        rows = rows.filter(symbol=info.symbol)
    if income_type is not None:
        rows = rows.filter(income_type=income_type)
    return _page(_window(rows, "time", start, end), start=start, from_id=None, limit=limit)


def funding_rates(*, info: SymbolInfo | None, start: int | None, end: int | None, limit: int) -> list[FundingRate]:
    rows = FundingRate.objects.select_related("symbol")
    if info is not None:
        rows = rows.filter(symbol=info.symbol)
    return _page(_window(rows, "funding_time", start, end), start=start, from_id=None, limit=limit)


@dataclass(frozen=True)
class MarginChange:
    symbol: str
    added: bool
    amount: Decimal
    time: object


def margin_changes(
    *, user: User, info: SymbolInfo, type: int | None, start: int | None, end: int | None, limit: int
) -> list[MarginChange]:
    """positionMargin/history: the isolated margin the caller added (1) or took out (2) on a symbol.

    Each change is a POSITION_MARGIN journal entry of the wallet (``futures_position_margin_change``); its
    memo names the direction and the symbol ("isolated margin add 10 USDT BTCUSDT"), its ledger lines the
    amount moved into or out of the locked bucket.
    """
    wallet = wallet_of(user)
    if wallet is None:
        return []
    entries = JournalEntry.objects.filter(
        account=wallet, kind=JournalEntry.Kind.POSITION_MARGIN, memo__endswith=f" {info.code}"
    ).prefetch_related("lines")
    changes = []
    for entry in _page(_window(entries, "created_at", start, end), start=start, from_id=None, limit=limit):
        added = " add " in entry.memo
        amount = sum((line.amount for line in entry.lines.all() if line.amount > 0), Decimal(0))
        if type is None or type == (1 if added else 2):
            changes.append(MarginChange(symbol=info.code, added=added, amount=amount, time=entry.created_at))
    return changes


# --- 24 hours ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayVolume:
    volume: Decimal
    quote_volume: Decimal
    count: int
    first_id: int | None
    last_id: int | None
    last_qty: Decimal


def day_volumes(infos: list[SymbolInfo]) -> dict[int, DayVolume]:
    """The perpetuals' fills of the last 24 hours, per symbol, in two queries."""
    since = timezone.now() - timedelta(hours=24)
    rows = (
        FuturesTrade.objects.filter(symbol__in=[i.symbol for i in infos], created_at__gte=since)
        .values("symbol")
        .annotate(volume=Sum("qty"), quote=Sum("quote_qty"), count=Count("id"), first=Min("id"), last=Max("id"))
    )
    last_qty = dict(FuturesTrade.objects.filter(pk__in=[r["last"] for r in rows]).values_list("symbol_id", "qty"))
    return {
        row["symbol"]: DayVolume(
            row["volume"],
            row["quote"],
            row["count"],
            row["first"],
            row["last"],
            last_qty.get(row["symbol"], Decimal(0)),
        )
        for row in rows
    }


def settings_of(user: User, market: dict[str, SymbolInfo]) -> dict[int, tuple[int, str]]:
    """(leverage, margin type) per symbol id: the caller's own, else Binance's defaults (20x capped by the
    first bracket, cross), in one query."""
    from futures.models import FuturesSetting

    defaults = {
        info.symbol.pk: (min(futures_selectors.DEFAULT_LEVERAGE, info.max_leverage(Decimal(0))), "CROSSED")
        for info in market.values()
    }
    wallet = wallet_of(user)
    if wallet is None:
        return defaults
    rows = FuturesSetting.objects.filter(account=wallet).values_list("symbol_id", "leverage", "margin_type")
    return defaults | {symbol_id: (leverage, margin_type) for symbol_id, leverage, margin_type in rows}


def state_of(user: User, market: dict[str, SymbolInfo]) -> futures_selectors.AccountState | None:
    return futures_selectors.state_for_user(user=user, market=market)
