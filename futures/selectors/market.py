"""Symbols with their brackets and marks, the contract prices, a user's wallet, settings and orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q

from core.errors import ApplicationError, NotFound
from futures import formulas as f
from futures.models import (
    FuturesOrder,
    FuturesSetting,
    FuturesSymbol,
    FuturesTrade,
)
from trading.models import Account, AccountKind, MarkPrice

QUOTE = "USDT"
DEFAULT_LEVERAGE = 20


@dataclass(frozen=True)
class SymbolInfo:
    symbol: FuturesSymbol
    brackets: tuple[f.Bracket, ...]
    index_price: Decimal | None
    index_time: datetime | None = None  # when the index (the spot pair's mark) last moved

    @property
    def code(self) -> str:
        return self.symbol.symbol

    @property
    def mark_price(self) -> Decimal | None:
        return mark_of(self.index_price, self.symbol)

    @property
    def mark(self) -> Decimal:
        """The mark of a symbol that must be priced (``symbol_get`` refuses one that is not)."""
        return _priced(self.mark_price, self.code)

    @property
    def index(self) -> Decimal:
        return _priced(self.index_price, self.code)

    def bracket(self, notional_value: Decimal) -> f.Bracket:
        return f.bracket_for(self.brackets, notional_value)

    def max_leverage(self, notional_value: Decimal) -> int:
        return self.bracket(notional_value).max_leverage


def _priced(price: Decimal | None, code: str) -> Decimal:
    if price is None:
        raise ApplicationError(f"No mark price for {code} yet.", code="no_price")
    return price


def mark_of(index_price: Decimal | None, symbol: FuturesSymbol) -> Decimal | None:
    """The perpetual's mark: the index (the spot pair's mark) with the symbol's simulated basis, on the tick."""
    if index_price is None:
        return None
    return f.round_to(index_price * (1 + symbol.basis_rate), symbol.tick_size)


def market_get(*, market_id: int | None = None, every: bool = False) -> dict[str, SymbolInfo]:
    """Every active perpetual of a market (default: the main one; a class's has perpetuals of its own, on
    its own pairs) with its brackets and index, in two queries; ``every``: all markets' (the engine's)."""
    scope = Q() if every else Q(pair__market__isnull=True) if market_id is None else Q(pair__market_id=market_id)
    return _market(scope)


def market_for_user(*, user) -> dict[str, SymbolInfo]:
    """The perpetuals of the user's market: the main one, or for a class's holder the class's (its spot
    wallet's market), in the same two queries."""
    spot = Account.objects.filter(user=user, kind=AccountKind.SPOT)
    own = Exists(spot.filter(market=OuterRef("pair__market")))
    main = Q(pair__market__isnull=True) & Exists(spot.filter(market__isnull=True))
    return _market(own | main)


def _market(scope: Q | Exists) -> dict[str, SymbolInfo]:
    symbols = list(FuturesSymbol.objects.filter(scope, is_active=True).prefetch_related("brackets").order_by("symbol"))
    index = {
        pair: (price, at)
        for pair, price, at in MarkPrice.objects.filter(pair__in=[s.pair_id for s in symbols]).values_list(
            "pair_id", "price", "updated_at"
        )
    }
    return {
        s.symbol: SymbolInfo(
            symbol=s,
            brackets=tuple(
                f.Bracket(b.notional_floor, b.notional_cap, b.max_leverage, b.maint_margin_ratio, b.cum)
                for b in s.brackets.all()
            ),
            index_price=index[s.pair_id][0] if s.pair_id in index else None,
            index_time=index[s.pair_id][1] if s.pair_id in index else None,
        )
        for s in symbols
    }


def contract_prices(*, market: dict[str, SymbolInfo]) -> dict[str, Decimal]:
    """The last contract price of each priced symbol: the price of its latest trade, when that trade is
    newer than the index's last move; else the mark (the paper market is the counterparty, and it would
    trade at the mark). What stops with ``workingType=CONTRACT_PRICE`` trigger on.
    https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api (workingType)
    """
    prices = {}
    for code, info in market.items():
        if info.mark_price is None:
            continue
        last = (
            FuturesTrade.objects.filter(symbol=info.symbol).order_by("-id").values_list("price", "created_at").first()
        )
        newer = last is not None and (info.index_time is None or last[1] >= info.index_time)
        prices[code] = last[0] if newer and last is not None else info.mark_price
    return prices


def symbol_get(*, market: dict[str, SymbolInfo], symbol) -> SymbolInfo:
    code = symbol.strip().upper() if isinstance(symbol, str) else None
    if code not in market:
        raise ApplicationError(
            "Invalid symbol.", code="invalid_symbol", fields={"symbol": [f"Unknown futures symbol {symbol!r}."]}
        )
    info = market[code]
    if info.mark_price is None:
        raise ApplicationError(f"No mark price for {code} yet.", code="no_price")
    return info


def wallet_get_for_user(*, user) -> Account | None:
    return Account.objects.filter(user=user, kind=AccountKind.FUTURES).first()


def wallet_require(*, user) -> Account:
    wallet = wallet_get_for_user(user=user)
    if wallet is None:
        raise NotFound(
            "No futures wallet yet: transfer USDT from your spot wallet to open one.", code="no_futures_wallet"
        )
    return wallet


def setting_get(*, wallet: Account, symbol: FuturesSymbol) -> FuturesSetting:
    """The user's settings on a symbol, Binance's defaults (20x, capped by the bracket, cross) until changed."""
    setting = FuturesSetting.objects.filter(account=wallet, symbol=symbol).first()
    return setting or FuturesSetting(account=wallet, symbol=symbol, leverage=DEFAULT_LEVERAGE)


def order_get_for_user(*, user, order_id) -> FuturesOrder:
    wallet = wallet_get_for_user(user=user)
    order = None
    if wallet is not None and str(order_id).isdigit() and len(str(order_id)) < 19:
        order = FuturesOrder.objects.filter(account=wallet, pk=int(order_id)).select_related("symbol").first()
    if order is None:
        raise NotFound("Order does not exist.", code="unknown_order")
    return order


# Every open position valued at its mark (the spot pair's mark with the symbol's basis), the bracket
