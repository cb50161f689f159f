"""Reads of the futures floor: symbols with brackets and marks, a user's wallet, positions and their risk.

``AccountState`` is the one valuation of a futures wallet, used alike by order checks (on locked rows),
pages and the sweep's exact re-check, so that what a page shows is what the engine decides on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from core.errors import ApplicationError, NotFound
from core.money import Q8
from futures import formulas as f
from futures.models import (
    OPEN_ORDER_STATUSES,
    FuturesOrder,
    FuturesPosition,
    FuturesSetting,
    FuturesSymbol,
    FuturesTrade,
    MarginType,
)
from trading.models import Account, AccountKind, Balance, MarkPrice

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


def market_get() -> dict[str, SymbolInfo]:
    """Every active perpetual with its brackets and index, in two queries."""
    symbols = list(FuturesSymbol.objects.filter(is_active=True).prefetch_related("brackets").order_by("symbol"))
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


# --- valuation ---------------------------------------------------------------------------------


@dataclass
class PositionRisk:
    position: FuturesPosition
    info: SymbolInfo
    mark_price: Decimal
    notional: Decimal
    unrealized_pnl: Decimal
    maintenance: Decimal
    initial_margin: Decimal
    liquidation_price: Decimal | None = None

    @property
    def is_isolated(self) -> bool:
        return self.position.margin_type == MarginType.ISOLATED

    @property
    def roe(self) -> Decimal | None:
        return f.roe(
            pnl=self.unrealized_pnl,
            quantity=self.position.position_amt,
            entry_price=self.position.entry_price,
            leverage=self.position.leverage,
        )

    @property
    def isolated_wallet(self) -> Decimal:
        return self.position.isolated_margin

    @property
    def margin(self) -> Decimal:
        """The margin the position shows: its isolated wallet plus uPnL, or its initial margin at mark."""
        if self.is_isolated:
            return self.position.isolated_margin + self.unrealized_pnl
        return self.initial_margin

    @property
    def margin_ratio(self) -> Decimal | None:
        if self.is_isolated:
            return f.margin_ratio(maintenance=self.maintenance, margin_balance=self.margin)
        return None


@dataclass
class AccountState:
    wallet: Account
    cross_wallet_balance: Decimal  # the balance's free bucket
    isolated_wallet_balance: Decimal  # the balance's locked bucket
    positions: list[PositionRisk] = field(default_factory=list)
    open_order_margin: Decimal = Decimal(0)

    @property
    def cross(self) -> list[PositionRisk]:
        return [p for p in self.positions if not p.is_isolated]

    @property
    def isolated(self) -> list[PositionRisk]:
        return [p for p in self.positions if p.is_isolated]

    @property
    def cross_pnl(self) -> Decimal:
        return sum((p.unrealized_pnl for p in self.cross), Decimal(0))

    @property
    def cross_maintenance(self) -> Decimal:
        return sum((p.maintenance for p in self.cross), Decimal(0))

    @property
    def cross_initial_margin(self) -> Decimal:
        return sum((p.initial_margin for p in self.cross), Decimal(0))

    @property
    def wallet_balance(self) -> Decimal:
        """Binance's totalWalletBalance: cross and isolated wallets together."""
        return self.cross_wallet_balance + self.isolated_wallet_balance

    @property
    def cross_margin_balance(self) -> Decimal:
        return self.cross_wallet_balance + self.cross_pnl

    @property
    def margin_balance(self) -> Decimal:
        """Binance's totalMarginBalance: every wallet plus every unrealized PnL."""
        return self.wallet_balance + sum((p.unrealized_pnl for p in self.positions), Decimal(0))

    @property
    def cross_margin_ratio(self) -> Decimal | None:
        return f.margin_ratio(maintenance=self.cross_maintenance, margin_balance=self.cross_margin_balance)

    @property
    def available_balance(self) -> Decimal:
        """What new orders and transfers out may use: the cross margin balance less the initial margin
        of cross positions and of open orders."""
        return self.cross_margin_balance - self.cross_initial_margin - self.open_order_margin

    @property
    def max_withdraw(self) -> Decimal:
        """Transfers out never take unrealized profit: Binance's maxWithdrawAmount."""
        pnl = min(self.cross_pnl, Decimal(0))
        value = self.cross_wallet_balance + pnl - self.cross_initial_margin - self.open_order_margin
        return max(Decimal(0), f.round_to(value, Q8))

    @property
    def cross_liquidatable(self) -> bool:
        return f.cross_liquidatable(
            wallet_balance=self.cross_wallet_balance, pnl=self.cross_pnl, maintenance=self.cross_maintenance
        )

    def position(self, code: str) -> PositionRisk | None:
        return next((p for p in self.positions if p.info.code == code), None)


def position_risk(*, position: FuturesPosition, info: SymbolInfo) -> PositionRisk:
    mark = info.mark
    qty = position.position_amt
    notional_value = f.notional(quantity=qty, price=mark)
    bracket = info.bracket(notional_value)
    return PositionRisk(
        position=position,
        info=info,
        mark_price=mark,
        notional=notional_value,
        unrealized_pnl=f.unrealized_pnl(quantity=qty, entry_price=position.entry_price, mark_price=mark),
        maintenance=max(Decimal(0), f.maintenance_margin(notional_value=notional_value, bracket=bracket)),
        initial_margin=f.initial_margin(notional_value=notional_value, leverage=position.leverage),
    )


def open_order_margin(*, orders, leverages: dict[int, int], market_by_id: dict[int, SymbolInfo]) -> Decimal:
    """The initial margin open orders hold: unfilled notional at the order's price (or the mark) / leverage.

    Reduce-only and close-position orders can only shrink a position: they hold none.
    """
    total = Decimal(0)
    for order in orders:
        if order.reduce_only or order.close_position:
            continue
        info = market_by_id[order.symbol_id]
        price = order.price or order.stop_price or info.mark_price
        remaining = order.orig_qty - order.executed_qty
        total += f.initial_margin(
            notional_value=remaining * price, leverage=leverages.get(order.symbol_id, DEFAULT_LEVERAGE)
        )
    return total


def account_state(
    *,
    wallet: Account,
    market: dict[str, SymbolInfo],
    balance: Balance | None = None,
    positions: list[FuturesPosition] | None = None,
    orders: list[FuturesOrder] | None = None,
) -> AccountState:
    """The wallet valued at the market's marks. Pass locked rows to value what a service is changing."""
    if balance is None:
        balance = Balance.objects.filter(account=wallet, asset__code=QUOTE).first()
    if positions is None:
        positions = list(FuturesPosition.objects.filter(account=wallet).exclude(position_amt=0).order_by("id"))
    if orders is None:
        orders = list(FuturesOrder.objects.filter(account=wallet, status__in=OPEN_ORDER_STATUSES))
    by_id = {info.symbol.pk: info for info in market.values()}
    state = AccountState(
        wallet=wallet,
        cross_wallet_balance=balance.free if balance else Decimal(0),
        isolated_wallet_balance=balance.locked if balance else Decimal(0),
    )
    for position in positions:
        info = by_id.get(position.symbol_id)
        if position.position_amt == 0 or info is None or info.mark_price is None:
            continue
        state.positions.append(position_risk(position=position, info=info))
    leverages = dict(FuturesSetting.objects.filter(account=wallet).values_list("symbol_id", "leverage"))
    state.open_order_margin = open_order_margin(orders=orders, leverages=leverages, market_by_id=by_id)
    _liquidation_prices(state)
    return state


def _liquidation_prices(state: AccountState) -> None:
    for risk in state.positions:
        if risk.is_isolated:
            others_mm, others_pnl, wallet = Decimal(0), Decimal(0), risk.position.isolated_margin
        else:
            others = [p for p in state.cross if p is not risk]
            others_mm = sum((p.maintenance for p in others), Decimal(0))
            others_pnl = sum((p.unrealized_pnl for p in others), Decimal(0))
            wallet = state.cross_wallet_balance
        price = f.liquidation_price_in(
            brackets=risk.info.brackets,
            wallet_balance=wallet,
            other_maintenance=others_mm,
            other_pnl=others_pnl,
            quantity=risk.position.position_amt,
            entry_price=risk.position.entry_price,
        )
        risk.liquidation_price = f.round_to(price, risk.info.symbol.tick_size) if price is not None else None


def state_for_user(*, user, market: dict[str, SymbolInfo] | None = None) -> AccountState | None:
    wallet = wallet_get_for_user(user=user)
    if wallet is None:
        return None
    return account_state(wallet=wallet, market=market or market_get())


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
# joined on the notional: what the admin's "nearest to liquidation" orders by.
POSITIONS_SQL = """
SELECT p.id, p.account_id, p.margin_type, p.isolated_margin,
       p.position_amt * (mp.price * (1 + s.basis_rate) - p.entry_price) AS pnl,
       ABS(p.position_amt) * mp.price * (1 + s.basis_rate) * b.maint_margin_ratio - b.cum AS mm
FROM futures_futuresposition p
JOIN futures_futuressymbol s ON s.id = p.symbol_id
JOIN trading_markprice mp ON mp.pair_id = s.pair_id
JOIN futures_leveragebracket b ON b.symbol_id = s.id
     AND b.notional_floor <= ABS(p.position_amt) * mp.price * (1 + s.basis_rate)
     AND ABS(p.position_amt) * mp.price * (1 + s.basis_rate) < b.notional_cap
WHERE p.position_amt <> 0
"""

NEAREST_SQL = """
WITH v AS ({positions}),
cross_total AS (
    SELECT v.account_id, SUM(v.pnl) AS pnl, SUM(v.mm) AS mm FROM v WHERE v.margin_type = 'CROSSED' GROUP BY v.account_id
)
SELECT v.id,
       CASE WHEN v.margin_type = 'ISOLATED'
            THEN CASE WHEN v.isolated_margin + v.pnl > 0 THEN v.mm / (v.isolated_margin + v.pnl) ELSE 1000000 END
            ELSE CASE WHEN bal.free + c.pnl > 0 THEN c.mm / (bal.free + c.pnl) ELSE 1000000 END
       END AS ratio
FROM v
LEFT JOIN cross_total c ON c.account_id = v.account_id AND v.margin_type = 'CROSSED'
LEFT JOIN trading_balance bal ON bal.account_id = v.account_id AND bal.asset_id = %(usdt)s
ORDER BY ratio DESC, v.id
LIMIT %(limit)s
"""


def positions_nearest_liquidation(*, limit: int = 50) -> list[tuple[PositionRisk, Decimal | None]]:
    """The open positions whose margin ratio (the isolated position's, or its cross wallet's) is highest,
    ordered in one SQL query; each then valued exactly in Python (ratio None: past 100 %)."""
    from django.db import connection

    from trading.models import Asset

    params = {"usdt": Asset.objects.get(code=QUOTE).pk, "limit": limit}
    with connection.cursor() as cursor:
        cursor.execute(NEAREST_SQL.format(positions=POSITIONS_SQL), params)
        ids = [row[0] for row in cursor.fetchall()]
    market = market_get()
    by_id = {info.symbol.pk: info for info in market.values()}
    positions = FuturesPosition.objects.in_bulk(ids)
    wallets: dict[int, AccountState] = {}
    rows = []
    for pk in ids:
        position = positions[pk]
        if position.account_id not in wallets:
            wallets[position.account_id] = account_state(wallet=position.account, market=market)
        state = wallets[position.account_id]
        risk = state.position(by_id[position.symbol_id].code)
        if risk is not None:
            rows.append((risk, risk.margin_ratio if risk.is_isolated else state.cross_margin_ratio))
    return rows
