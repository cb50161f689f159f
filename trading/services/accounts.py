"""Sign-up, margin accounts, leverage, resets and paper funding."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal

from django.db import transaction

from accounts import services as account_services
from accounts.models import User
from core.errors import ApplicationError, Conflict, MarginRuleViolation
from core.money import Q8
from trading import margin, selectors
from trading.models import (
    OPEN_STATUSES,
    Account,
    AccountKind,
    Asset,
    Bucket,
    JournalEntry,
    Market,
    Order,
    Pair,
    SystemAccount,
)
from trading.services.common import clean_amount, margin_rule_check
from trading.services.ledger import LockedAccount, Posting, accounts_lock, ledger_post, system_balance

# Cross Margin Classic 3x or 5x, or Cross Margin Pro 10x: Binance's cross "maxLeverage Can only adjust 3, 5
# or 10 ... 5 or 3 for Cross Margin Classic; maxLeverage=10 for Cross Margin Pro"
# (https://developers.binance.com/docs/margin_trading/account/Adjust-Cross-Margin-Max-Leverage).
CROSS_LEVERAGES = (Pair.Leverage.X3, Pair.Leverage.X5, Pair.Leverage.X10)
PRO_LEVERAGE = Pair.Leverage.X10
DEFAULT_CROSS_LEVERAGE = Pair.Leverage.X3


def user_signup(*, username: str, password: str, email: str = ""):
    """A new user (accounts' rules: user_create) with a funded spot wallet and a cross margin account."""
    with transaction.atomic():
        user = account_services.user_create(username=username, password=password, email=email)
        account_provision(user=user)
    return user


def account_provision(*, user: User, market: Market | None = None, starting_balance: Decimal | None = None) -> None:
    """Make the spot wallet (funded with the starting balance) and the cross account a user lacks.

    ``market`` and ``starting_balance``: the accounts of another market's user (a classroom's), funded
    with that market's starting balance instead of the platform's."""
    with transaction.atomic():
        if not Account.objects.filter(user=user, kind=AccountKind.SPOT).exists():
            spot = Account.objects.create(user=user, kind=AccountKind.SPOT, market=market)
            locked = LockedAccount(accounts_lock(spot.pk)[spot.pk])
            _fund_starting_balance(locked, amount=starting_balance)
        if not Account.objects.filter(user=user, kind=AccountKind.CROSS).exists():
            Account.objects.create(user=user, kind=AccountKind.CROSS, leverage=DEFAULT_CROSS_LEVERAGE, market=market)


def _fund_starting_balance(locked: LockedAccount, *, amount: Decimal | None = None) -> None:
    if amount is None:
        amount = selectors.platform_settings_get().starting_balance
    usdt = selectors.asset_get(code=selectors.QUOTE_ASSET)
    posting = Posting()
    posting.move(system_balance(SystemAccount.PAPER_FUNDING, usdt), locked.balance(usdt), amount)
    ledger_post(kind=JournalEntry.Kind.FUNDING, posting=posting, account=locked.account, memo="starting balance")


def isolated_account_open(
    *, user: User, symbol: str, leverage: int | None = None, market: Market | int | None = None
) -> Account:
    """Enable an isolated margin account for a pair (one per user and pair, a limit per user); with
    ``market``, for a pair of that market (a classroom user's)."""
    pair = selectors.pair_get(symbol=symbol, market=market)
    if not (pair.is_active and pair.margin_enabled and pair.isolated_enabled):
        raise ApplicationError(f"{pair.symbol} is not open for isolated margin.", code="isolated_not_allowed")
    leverage = _clean_leverage(
        leverage if leverage is not None else pair.max_leverage, allowed=_isolated_leverages(pair)
    )
    limit = selectors.platform_settings_get().isolated_account_limit
    with transaction.atomic():
        # Lock the user's spot wallet: it serialises concurrent openings of the same user, so the
        # limit below cannot be passed by two requests at once.
        spot = Account.objects.select_for_update().filter(user=user, kind=AccountKind.SPOT).first()
        if spot is None:
            raise ApplicationError("The user has no spot wallet.", code="no_spot_wallet")
        if Account.objects.filter(user=user, kind=AccountKind.ISOLATED, pair=pair).exists():
            raise Conflict(f"An isolated {pair.symbol} account is already enabled.", code="isolated_exists")
        if Account.objects.filter(user=user, kind=AccountKind.ISOLATED).count() >= limit:
            raise ApplicationError(f"At most {limit} isolated margin accounts may be enabled.", code="isolated_limit")
        return Account.objects.create(
            user=user, kind=AccountKind.ISOLATED, pair=pair, leverage=leverage, market=pair.market
        )


def _isolated_leverages(pair: Pair) -> list[int]:
    return [lev for lev in Pair.Leverage.values if lev <= pair.max_leverage]


def _clean_leverage(value, *, allowed) -> int:
    """3, "5" or "10x"; nothing else."""
    text = (
        str(value).strip().lower().removesuffix("x")
        if isinstance(value, (int, str)) and not isinstance(value, bool)
        else ""
    )
    leverage = int(text) if re.fullmatch(r"[0-9]{1,3}", text) else None
    if leverage is None or leverage not in allowed:
        choices = ", ".join(f"{lev}x" for lev in allowed)
        raise ApplicationError(
            f"Leverage must be one of {choices}.", fields={"leverage": [f"Must be one of {choices}."]}
        )
    return leverage


def account_leverage_set(*, user: User, account_id, leverage) -> Account:
    """Change a margin account's leverage class; with debt, only if the level meets the new initial ratio."""
    account = selectors.account_get_for_user(user=user, account_id=account_id)
    if not account.is_margin:
        raise ApplicationError("Only margin accounts have a leverage.", code="not_margin_account")
    allowed = CROSS_LEVERAGES if account.kind == AccountKind.CROSS else _isolated_leverages(account.isolated_pair)
    new = _clean_leverage(leverage, allowed=allowed)
    prices = selectors.mark_prices()
    profile_id = selectors.account_settings_get(account).risk_profile_id
    with transaction.atomic():
        account = accounts_lock(account.pk)[account.pk]
        locked = LockedAccount(account)
        valuation = selectors.valuation_of(balances=locked.all(), prices=prices)
        if account.kind == AccountKind.CROSS and (account.leverage == PRO_LEVERAGE) != (new == PRO_LEVERAGE):
            _ensure_mode_switch(account=account, valuation=valuation, new=new, profile_id=profile_id)
        account.leverage = new
        margin_rule_check(
            valuation=valuation,
            ratios=selectors.ratios_get(account=account, profile_id=profile_id, balances=locked.all()),
            rule="initial",
            action=f"Changing to {new}x",
            hint="repay debt first",
        )
        account.save(update_fields=["leverage"])
    return account


def _ensure_mode_switch(*, account: Account, valuation, new: int, profile_id: int) -> None:
    """Classic <-> Pro: Binance's conditions (``margin.may_switch_cross_mode``, with its source)."""
    to_pro = new == PRO_LEVERAGE
    classic = account if to_pro else Account(kind=AccountKind.CROSS, leverage=new)
    classic_initial = selectors.ratios_get(account=classic, profile_id=profile_id).initial
    if margin.may_switch_cross_mode(valuation, to_pro=to_pro, classic_initial=classic_initial):
        return
    line = margin.PRO_SWITCH_LEVEL if to_pro else classic_initial
    mode = "Cross Margin Pro" if to_pro else "Cross Margin Classic"
    raise MarginRuleViolation(
        f"Switching to {mode} needs a margin level above {line.normalize():f}; it is "
        f"{margin.shown_below(valuation.level)}: repay debt first.",
        fields={"leverage": [f"Needs a margin level above {line.normalize():f}."]},
    )


def account_reset(*, user: User, account_id) -> Account:
    """Close positions, clear debts and restore the starting state; the history stays readable.

    A spot wallet gets its starting balance back. A margin account is left empty and what it was worth
    (its equity at mark prices, assets less debts, never below zero) goes back to the user's spot wallet
    in USDT: a learner expects to keep what is left, not to see it vanish. Everything is settled against
    paper funding, so the ledger stays balanced. The returned account carries ``returned_to_spot`` (USDT).
    """
    account = selectors.account_get_for_user(user=user, account_id=account_id)
    usdt = selectors.asset_get(code=selectors.QUOTE_ASSET)
    # Prices are read before the lock (no fetch inside a locked block).
    prices = selectors.mark_prices() if account.is_margin else {}
    spot_id = None
    if account.is_margin:
        spot_id = (
            Account.objects.filter(user=account.user_id, kind=AccountKind.SPOT).values_list("pk", flat=True).first()
        )
    with transaction.atomic():
        rows = accounts_lock(account.pk, *([spot_id] if spot_id else []))
        account = rows[account.pk]
        # The balances' locked funds are settled below with everything else; the orders let go of them.
        Order.objects.filter(account=account, status__in=OPEN_STATUSES).update(
            status=Order.Status.CANCELED, locked_amount=0, status_reason="Cancelled by the account reset."
        )
        locked = LockedAccount(account)
        returned = Decimal(0)
        if spot_id:
            equity = selectors.valuation_of(balances=locked.all(), prices=prices).equity
            returned = max(equity, Decimal(0)).quantize(Q8, rounding=ROUND_DOWN)
        posting = Posting()
        for balance in locked.all():
            funding = system_balance(SystemAccount.PAPER_FUNDING, balance.asset)
            if balance.interest:
                income = system_balance(SystemAccount.INTEREST_INCOME, balance.asset)
                posting.move(funding, income, balance.interest)
                posting.pay_interest(payer=income, debtor=balance, income=income, amount=balance.interest)
            if balance.borrowed:
                pool = system_balance(SystemAccount.LENDING_POOL, balance.asset, market=account.market_id)
                posting.move(funding, balance, balance.borrowed)
                posting.repay_principal(payer=balance, debtor=balance, pool=pool, amount=balance.borrowed)
            if balance.locked:
                posting.move(balance, balance, balance.locked, src_bucket=Bucket.LOCKED)
            posting.move(balance, funding, balance.free)
            balance.entry_price = None
            balance.interest_charged_hour = None
            balance.save(update_fields=["entry_price", "interest_charged_hour"])
        if account.kind == AccountKind.SPOT:
            funding = system_balance(SystemAccount.PAPER_FUNDING, usdt)
            posting.move(funding, locked.balance(usdt), selectors.platform_settings_get().starting_balance)
        if returned:
            assert spot_id is not None  # only a margin account with a spot wallet returns anything
            spot = LockedAccount(rows[spot_id], [usdt])
            posting.move(system_balance(SystemAccount.PAPER_FUNDING, usdt), spot.balance(usdt), returned)
        memo = f"account reset: {returned.normalize():f} USDT back to the spot wallet" if returned else "account reset"
        ledger_post(kind=JournalEntry.Kind.RESET, posting=posting, account=account, memo=memo)
        if account.is_frozen:
            account.is_frozen = False
            account.save(update_fields=["is_frozen"])
    account.returned_to_spot = returned
    return account


def paper_funds_credit(*, account_id: int, asset: str, amount) -> None:
    """Staff: credit paper funds to any user account, through the ledger."""
    amount = clean_amount(amount)
    asset_obj: Asset = selectors.asset_get(code=asset)
    with transaction.atomic():
        account = accounts_lock(account_id).get(int(account_id))
        if account is None or account.kind == AccountKind.SYSTEM:
            raise ApplicationError("Account not found.", code="not_found", status=404)
        if account.kind == AccountKind.ISOLATED and asset_obj.pk not in (
            account.isolated_pair.base_id,
            account.isolated_pair.quote_id,
        ):
            raise ApplicationError(
                f"{asset_obj.code} cannot be held in the {account.isolated_pair.symbol} isolated account."
            )
        locked = LockedAccount(account, [asset_obj])
        posting = Posting()
        posting.move(system_balance(SystemAccount.PAPER_FUNDING, asset_obj), locked.balance(asset_obj), amount)
        ledger_post(
            kind=JournalEntry.Kind.FUNDING, posting=posting, account=account, memo="paper funds credited by staff"
        )
