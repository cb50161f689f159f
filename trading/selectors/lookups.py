"""Look-ups every read starts from: settings, assets, pairs, mark prices, and the user's own accounts and
orders by id (another user's id, or junk, is "not found")."""

from __future__ import annotations

import copy
from decimal import Decimal

from django.db.models import Q

from accounts.models import User
from core.errors import ApplicationError, NotFound
from core.prepared import Prepared
from trading.lookup_cache import lookup_cached
from trading.models import (
    Account,
    AccountKind,
    Asset,
    Market,
    MarkPrice,
    Order,
    Pair,
    PlatformSettings,
)

QUOTE_ASSET = "USDT"


def platform_settings_get() -> PlatformSettings:
    return lookup_cached("settings", lambda: PlatformSettings.objects.select_related("risk_profile").get(pk=1))


def _market_id(market: Market | int | None) -> int | None:
    return market.pk if isinstance(market, Market) else market


def market_settings_get(market: Market | int | None = None) -> PlatformSettings:
    """The settings trading in a market follows: the platform's, with the market's own risk profile and
    fees where it has them (a class's, chosen by its instructor). The main market's are the platform's."""
    settings = platform_settings_get()
    market_id = _market_id(market)
    if market_id is None:
        return settings

    def load() -> PlatformSettings:
        row = Market.objects.select_related("risk_profile").filter(pk=market_id).first()
        if row is None or (row.risk_profile_id is None and row.maker_fee is None and row.taker_fee is None):
            return settings
        own = copy.copy(settings)  # Model.__getstate__ copies the related-object cache too
        if row.risk_profile is not None:
            own.risk_profile = row.risk_profile
        if row.maker_fee is not None:
            own.maker_fee = row.maker_fee
        if row.taker_fee is not None:
            own.taker_fee = row.taker_fee
        return own

    return lookup_cached(f"settings:{market_id}", load)


def account_settings_get(account: Account) -> PlatformSettings:
    """The settings of the account's market (``market_settings_get``)."""
    return market_settings_get(account.market_id)


def _in_market(market: Market | int | None) -> Q:
    """Rows of one market: NULL is the main market."""
    return Q(market__isnull=True) if market is None else Q(market=market)


def assets_by_code(market: Market | int | None = None) -> dict[str, Asset]:
    """Every asset of a market by code (another market also sees the main quote asset: USDT is USDT
    everywhere): a handful of rows, read once per process while none changes."""
    market_id = _market_id(market)

    def load() -> dict[str, Asset]:
        scope = _in_market(market_id)
        if market_id is not None:
            scope |= Q(market__isnull=True, code=QUOTE_ASSET)
        return {a.code: a for a in Asset.in_all_markets.filter(scope)}

    return lookup_cached(f"assets:{market_id}", load)


def pairs_by_symbol(market: Market | int | None = None) -> dict[str, Pair]:
    """Every pair of a market with its base and quote asset, by symbol: read once per process while none
    changes."""
    market_id = _market_id(market)
    return lookup_cached(
        f"pairs:{market_id}",
        lambda: {
            p.symbol: p for p in Pair.in_all_markets.select_related("base", "quote").filter(_in_market(market_id))
        },
    )


def assets_by_id(market: Market | int | None = None) -> dict[int, Asset]:
    """``assets_by_code``'s assets by id (the same objects): a locked balance takes its asset from here."""
    market_id = _market_id(market)
    return lookup_cached(f"assets-by-id:{market_id}", lambda: {a.pk: a for a in assets_by_code(market_id).values()})


def pairs_by_id(market: Market | int | None = None) -> dict[int, Pair]:
    """``pairs_by_symbol``'s pairs by id (the same objects): a locked account takes its pair from here."""
    market_id = _market_id(market)
    return lookup_cached(f"pairs-by-id:{market_id}", lambda: {p.pk: p for p in pairs_by_symbol(market_id).values()})


def asset_get(*, code: str, market: Market | int | None = None) -> Asset:
    """An asset of a market (default: the main one). Another market holds its own copies of the main
    assets and the main quote asset (USDT is USDT everywhere)."""
    # Codes and symbols are letters and digits; anything else (a NUL byte, which PostgreSQL refuses
    # outright) is simply unknown.
    asset = assets_by_code(market).get(code.upper()) if isinstance(code, str) and code.isalnum() else None
    if asset is None:
        raise ApplicationError(f"Unknown asset: {code!r}.", code="unknown_asset", fields={"asset": ["Unknown asset."]})
    return asset


def pair_get(*, symbol: str, market: Market | int | None = None) -> Pair:
    """A pair of a market by its symbol (default: the main market's; another market's pairs are not
    found there, nor the main pairs in another market)."""
    pair = None
    if isinstance(symbol, str) and symbol.isalnum():
        pair = pairs_by_symbol(market).get(symbol.upper())
    if pair is None:
        raise ApplicationError(
            f"Invalid symbol: {symbol!r}.", code="unknown_symbol", fields={"symbol": ["Invalid symbol."]}
        )
    return pair


def as_id(value) -> int | None:
    """An integer id from an int or a string of digits; anything else (floats, junk) is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
        return int(value.strip())
    return None


def _account_of_user(account_id, user_id, *, lock: bool):
    rows = Account.objects.select_related("pair__base", "pair__quote")
    if lock:
        rows = rows.select_for_update(of=("self",))
    return (
        rows.filter(pk=account_id, user_id=user_id)
        # The futures wallet is the futures app's: no spot or margin service may touch it.
        .exclude(kind__in=[AccountKind.SYSTEM, AccountKind.FUTURES])
        .order_by()[:1]  # one row by its id
    )


# Every request of an account starts here: compiled once (core.prepared).
_ACCOUNT_OF_USER = Prepared(
    lambda account_id, user_id: _account_of_user(account_id, user_id, lock=False), account_id=int, user_id=int
)
_ACCOUNT_OF_USER_LOCKED = Prepared(
    lambda account_id, user_id: _account_of_user(account_id, user_id, lock=True), account_id=int, user_id=int
)


def account_get_for_user(*, user: User, account_id, lock: bool = False) -> Account:
    """The user's own account; anything else (another user's, a system account, junk) is 'not found'.

    ``lock``: its row locked for the rest of the transaction (``select_for_update``), found and locked in one
    statement (an order's first)."""
    account_id = as_id(account_id)
    account = None
    if account_id is not None and user is not None and user.is_authenticated:
        read = _ACCOUNT_OF_USER_LOCKED if lock else _ACCOUNT_OF_USER
        account = next(iter(read(account_id=account_id, user_id=user.pk)), None)
    if account is not None:
        account.user = user  # the filter proved it: no second query when a page asks whose account it is
    if account is None:
        raise NotFound("Account not found.", fields={"account": ["Account not found."]})
    return account


def order_get_for_user(*, user: User, order_id) -> Order:
    order_id = as_id(order_id)
    order = None
    if order_id is not None and user is not None and user.is_authenticated:
        order = (
            Order.objects.select_related("pair__base", "pair__quote", "account")
            .filter(pk=order_id, account__user=user)
            .first()
        )
    if order is None:
        raise NotFound("Unknown order sent.", code="unknown_order")
    return order


_MARK_PRICES = Prepared(
    lambda: MarkPrice.objects.filter(pair__quote__code=QUOTE_ASSET).order_by().values_list("pair__base__code", "price")
)


def mark_prices() -> dict[str, Decimal]:
    """The mark price of every asset in the quote asset (USDT itself is 1): this process's copy while no
    price changed (trading.lookup_cache: writing a price retires it, as writing a pair does), a dict of
    the caller's own."""
    return dict(lookup_cached("mark_prices", _mark_prices_read))


def _mark_prices_read() -> dict[str, Decimal]:
    prices = {QUOTE_ASSET: Decimal(1)}
    prices.update(dict(_MARK_PRICES()))
    return prices


def mark_price_get(*, pair: Pair) -> Decimal:
    row = MarkPrice.objects.filter(pair=pair).first()
    if row is None:
        raise ApplicationError(f"No mark price for {pair.symbol} yet.", code="no_price")
    return row.price
