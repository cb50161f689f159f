"""The one valuation of a futures wallet (``AccountState``), used alike by order checks (on locked
rows), pages and the sweep's exact re-check, so that what a page shows is what the engine decides on."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from core.money import Q8
from futures import formulas as f
from futures.models import (
    OPEN_ORDER_STATUSES,
    FuturesOrder,
    FuturesPosition,
    FuturesSetting,
    MarginType,
)
from trading.models import Account, Balance

from .market import (
    DEFAULT_LEVERAGE,
    QUOTE,
    SymbolInfo,
    market_for_user,
    wallet_get_for_user,
)

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
    # No orders, no leverages to read (a replay values hundreds of moments with orders=[]).
    leverages = (
        dict(FuturesSetting.objects.filter(account=wallet).values_list("symbol_id", "leverage")) if orders else {}
    )
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
    return account_state(wallet=wallet, market=market or market_for_user(user=user))
