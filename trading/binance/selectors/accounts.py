"""Which of the user's accounts a request means, their orders, order lists, trades and loan records.

Binance has one cross margin account per user and one isolated account per pair, picked by ``isIsolated``
and ``symbol``: here they are the user's cross account and the user's isolated account of that pair. Every
lookup is scoped to the calling user first, so another user's order id is simply "not found".
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from core.errors import NotFound
from trading import selectors
from trading.binance import errors
from trading.binance.markets import current_market_id
from trading.binance.selectors.market import time_range
from trading.models import (
    OPEN_STATUSES,
    Account,
    AccountKind,
    Asset,
    JournalEntry,
    LoanEvent,
    Order,
    OrderList,
    Pair,
    Trade,
)
from trading.selectors.lookups import assets_by_code

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
    """The assets of the request's market (a class's copies and USDT, or the main ones)."""
    market_id = current_market_id()
    if market_id is None:
        return list(Asset.objects.order_by("code"))
    return sorted(assets_by_code(market_id).values(), key=lambda asset: asset.code)


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


def all_orders(
    *, account: Account, pair: Pair, from_id: int | None, start: int | None, end: int | None, limit: int
) -> list[Order]:
    """Oldest first: from ``from_id`` on, or else the most recent ``limit`` (Binance's allOrders)."""
    orders = time_range(_orders(account).filter(pair=pair), "created_at", start, end)
    if from_id is not None:
        return list(orders.filter(pk__gte=from_id).order_by("id")[:limit])
    if start is not None:
        return list(orders.order_by("id")[:limit])
    return sorted(orders.order_by("-id")[:limit], key=lambda o: o.pk)


def _order_lists(account: Account) -> QuerySet[OrderList]:
    legs = Prefetch("orders", queryset=Order.objects.select_related("pair", "account", "borrowed_asset"))
    return OrderList.objects.filter(account=account).select_related("account").prefetch_related(legs)


def order_list_find(*, account: Account, list_id: int | None, list_client_id: str | None) -> OrderList:
    """One of the account's OCOs, by orderListId or its client id (another user's is simply not found)."""
    if list_id is None and list_client_id is None:
        raise errors.BinanceError(
            (-1102, "Param 'orderListId' or 'listClientOrderId' must be sent, but both were empty/null!")
        )
    lists = _order_lists(account)
    found = lists.filter(pk=list_id).first() if list_id is not None else None
    if found is None and list_client_id is not None:
        found = lists.filter(list_client_order_id=list_client_id).first()
    if found is None:
        raise NotFound("Order list does not exist.", code="unknown_order")
    return found


def order_lists(
    *, account: Account, from_id: int | None, start: int | None, end: int | None, limit: int
) -> list[OrderList]:
    """allOrderList: oldest first from ``from_id``, else the most recent ``limit``."""
    lists = time_range(_order_lists(account), "created_at", start, end)
    if from_id is not None:
        return list(lists.filter(pk__gte=from_id).order_by("id")[:limit])
    if start is not None:
        return list(lists.order_by("id")[:limit])
    return sorted(lists.order_by("-id")[:limit], key=lambda o: o.pk)


def open_order_lists(*, account: Account) -> list[OrderList]:
    return list(_order_lists(account).filter(status=OrderList.Status.EXECUTING).order_by("id"))


def trades_of(order: Order) -> list[Trade]:
    """The order's trades in id order; an order just placed carries them (``order_place``): no query."""
    if "trades" in getattr(order, "_prefetched_objects_cache", {}):
        return list(order.trades.all())
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
    trades = time_range(trades, "created_at", start, end)
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
    return time_range(events, "created_at", start, end).order_by("-id")


def liquidation_orders(*, accounts: list[Account], start: int | None, end: int | None) -> QuerySet[Order]:
    """Orders the risk engine placed to liquidate these accounts (their fills are liquidation entries)."""
    orders = _orders_of(accounts).filter(trades__entry__kind=JournalEntry.Kind.LIQUIDATION).distinct()
    return time_range(orders, "updated_at", start, end).order_by("-id")


def page(queryset: QuerySet, *, current: int, size: int) -> tuple[list, int]:
    """Binance's ``current``/``size`` pages: the rows of page ``current`` and the total."""
    return list(queryset[(current - 1) * size : current * size]), queryset.count()
