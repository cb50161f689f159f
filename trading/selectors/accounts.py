"""Which account a request means (cross, isolated, by pair) and what it offers: assets, pairs, debts,
the open orders, and how much can leave it."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from accounts.models import User
from core.prepared import Prepared
from trading import margin
from trading.models import (
    OPEN_STATUSES,
    Account,
    AccountKind,
    Asset,
    Balance,
    Order,
    Pair,
)
from trading.selectors.lookups import QUOTE_ASSET, account_settings_get, asset_get, mark_prices
from trading.selectors.valuation import ratios_get, valuation_of


def max_transferable_get(*, account: Account, asset: str) -> Decimal:
    """How much of ``asset`` can leave the account now: its free balance, and out of a margin account with
    debt only as much as keeps the margin level at or above the transfer-out ratio (what transfer_create
    checks)."""
    asset_obj = asset_get(code=asset)
    balances = list(Balance.objects.filter(account=account).select_related("asset"))
    free = next((b.free for b in balances if b.asset_id == asset_obj.pk), Decimal(0))
    if not account.is_margin or free <= 0:
        return free
    prices = mark_prices()
    valuation = valuation_of(balances=balances, prices=prices)
    if valuation.debt <= 0:
        return free
    ratios = ratios_get(account=account, profile_id=account_settings_get(account).risk_profile_id, balances=balances)
    return margin.max_transferable_out(
        valuation=valuation, transfer_out=ratios.transfer_out, price=prices[asset_obj.code], available=free
    )


def open_orders_for_account(*, account: Account):
    return Order.objects.filter(account=account, status__in=OPEN_STATUSES).select_related("pair").order_by("-id")


# --- which account, and what it offers (the web page and the Binance API) ----------------------------


def isolated_account_get_for_user(*, user: User, symbol: str) -> Account | None:
    """The user's isolated margin account of a pair, if they enabled one."""
    return (
        Account.objects.select_related("pair__base", "pair__quote")
        .filter(user=user, kind=AccountKind.ISOLATED, pair__symbol=str(symbol).upper())
        .first()
    )


# The Binance margin routes look it up on every order: compiled once (core.prepared).
_CROSS_ACCOUNT = Prepared(
    lambda user_id: Account.objects.filter(user_id=user_id, kind=AccountKind.CROSS).order_by("id")[:1], user_id=int
)


def cross_account_get_for_user(*, user: User) -> Account | None:
    return next(iter(_CROSS_ACCOUNT(user_id=user.pk)), None) if user.pk is not None else None


def margin_account_for_user(*, user: User, isolated: bool, symbol: str | None) -> Account | None:
    """The margin account a request means, as Binance routes it: with ``isolated`` the user's isolated
    account of ``symbol``, otherwise the cross account; None while that account does not exist. The web
    order ticket's Cross/Isolated switch and the Binance API's ``isIsolated`` both come here."""
    if isolated:
        return isolated_account_get_for_user(user=user, symbol=symbol or "")  # no symbol: no such account
    return cross_account_get_for_user(user=user)


def account_list_for_user(*, user: User) -> list[Account]:
    return list(
        Account.objects.filter(user=user)
        .exclude(kind__in=[AccountKind.SYSTEM, AccountKind.FUTURES])
        .select_related("pair")
        .order_by("id")
    )


def isolated_symbols() -> list[str]:
    """The pairs an isolated account can be enabled for."""
    return list(
        Pair.objects.filter(is_active=True, margin_enabled=True, isolated_enabled=True)
        .order_by("symbol")
        .values_list("symbol", flat=True)
    )


def account_assets(*, account: Account) -> list[str]:
    """The assets the account can hold: its pair's two, or every asset with the quote asset first."""
    if account.kind == AccountKind.ISOLATED:
        return [account.isolated_pair.quote.code, account.isolated_pair.base.code]
    codes = list(Asset.objects.order_by("code").values_list("code", flat=True))
    return [QUOTE_ASSET, *[c for c in codes if c != QUOTE_ASSET]] if QUOTE_ASSET in codes else codes


def account_symbols(*, account: Account) -> list[str]:
    """The pairs the account can trade: its own pair, the margin pairs, or (spot) every active pair."""
    if account.kind == AccountKind.ISOLATED:
        return [account.isolated_pair.symbol]
    pairs = Pair.objects.filter(is_active=True).order_by("symbol")
    if account.is_margin:
        pairs = pairs.filter(margin_enabled=True)
    return list(pairs.values_list("symbol", flat=True))


def owed_assets(*, account: Account) -> list[str]:
    """The assets the account owes (principal or interest), by code."""
    owed = Balance.objects.filter(account=account).filter(Q(borrowed__gt=0) | Q(interest__gt=0))
    return list(owed.order_by("asset_id").values_list("asset__code", flat=True))
