"""The locked state every futures write works on, and the errors it speaks.

Lock order, the same everywhere (so two writes cannot deadlock): the futures wallet's account row, then
its USDT balance, then its positions in id order, then its open orders in id order. System balances are
never read-locked (the ledger changes them with one UPDATE at the end). Prices are read before the
transaction, never inside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from core.errors import ApplicationError
from futures import selectors
from futures.models import OPEN_ORDER_STATUSES, FuturesOrder, FuturesPosition, FuturesSymbol
from trading.models import Account, Asset, Balance, SystemAccount
from trading.services.ledger import LockedAccount, accounts_lock, system_balance

# Binance's USDⓈ-M error codes, kept with each error so that the later /fapi door can answer with them.
BINANCE_CODES = {
    "invalid_symbol": -1121,
    "invalid_leverage": -4028,
    "no_need_to_change_margin_type": -4046,
    "margin_type_open_orders": -4047,
    "margin_type_position": -4048,
    "reduce_only_rejected": -2022,
    "insufficient_margin": -2019,
    "would_immediately_trigger": -2021,
    "post_only_rejected": -5022,
    "fok_rejected": -5021,
    "filter_failure": -1013,
    "min_notional": -4164,
    "hedge_mode_unsupported": -4059,
    "margin_reduce_too_much": -4051,
    "no_position": -2013,
}


class FuturesError(ApplicationError):
    """A futures rule refused the request; ``binance_code`` is the /fapi code it maps to."""

    @property
    def binance_code(self) -> int:
        return BINANCE_CODES.get(self.code, -1000)


@dataclass
class LockedWallet:
    account: Account
    balance: Balance
    positions: dict[int, FuturesPosition]  # by symbol id
    orders: list[FuturesOrder]

    @property
    def user_id(self) -> int:
        """The owner: a futures wallet always has one (only system accounts have none)."""
        assert self.account.user_id is not None
        return self.account.user_id

    def position(self, symbol: FuturesSymbol) -> FuturesPosition:
        """The symbol's position row, made flat (and locked: the wallet row lock covers its creation)."""
        if symbol.pk not in self.positions:
            self.positions[symbol.pk] = FuturesPosition.objects.create(account=self.account, symbol=symbol)
        return self.positions[symbol.pk]

    def open_orders(self, symbol: FuturesSymbol | None = None) -> list[FuturesOrder]:
        return [o for o in self.orders if o.is_open and (symbol is None or o.symbol_id == symbol.pk)]

    def state(self, market, *, exclude: FuturesOrder | None = None) -> selectors.AccountState:
        return selectors.account_state(
            wallet=self.account,
            market=market,
            balance=self.balance,
            positions=list(self.positions.values()),
            orders=[o for o in self.open_orders() if o is not exclude],
        )


def usdt() -> Asset:
    return Asset.objects.get(code=selectors.QUOTE)


def wallet_lock(account_id: int, *, asset: Asset | None = None, clear_bands: bool = True) -> LockedWallet:
    """Lock the wallet for a write. The write may change what the sweep knows of it, so its positions'
    bands are cleared (``futures.services.sweep``); only the sweep's own decision keeps them."""
    account = accounts_lock(account_id)[account_id]
    asset = asset or usdt()
    balance = LockedAccount(account, [asset]).balance(asset)
    positions = list(FuturesPosition.objects.select_for_update().filter(account=account).order_by("id"))
    if clear_bands and positions:
        bands_clear(account_id=account.pk)
    orders = (
        FuturesOrder.objects.select_for_update()
        .filter(account=account, status__in=OPEN_ORDER_STATUSES)
        .select_related("symbol")
        .order_by("id")
    )
    return LockedWallet(
        account=account, balance=balance, positions={p.symbol_id: p for p in positions}, orders=list(orders)
    )


def bands_clear(*, account_id: int | None = None) -> int:
    """Clear the sweep's bands of one wallet (marking it written now), or of every wallet."""
    positions = FuturesPosition.objects.all()
    if account_id is None:
        return positions.filter(band_low__isnull=False).update(band_low=None, band_high=None)
    return positions.filter(account_id=account_id).update(band_low=None, band_high=None, band_touched_at=timezone.now())


def system(code: SystemAccount, asset: Asset, *, market: int | None = None) -> Balance:
    """``market``: the wallet's (a class's insurance fund is its own)."""
    return system_balance(code, asset, market=market)


def clean_choice(value, *, field: str, choices) -> str:
    """One of ``choices`` (strings or a TextChoices class), case-insensitive; else the one 400."""
    values = [getattr(c, "value", c) for c in choices]
    if not isinstance(value, str) or value.strip().upper() not in values:
        message = f"{field} must be one of {', '.join(values)}."
        raise FuturesError(message, fields={field: [message]})
    return value.strip().upper()
