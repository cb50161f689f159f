"""Borrowing, repaying and hourly interest (``shared/spec/margin-rules.md``, "Borrowing and interest").

Interest is simple and hourly: one hour is charged at the moment of borrowing, then one more at the
start of every clock hour while principal is outstanding. Due hours are charged before any borrow or
repayment of the same balance, so a new loan never pays for an hour that began before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.bulk import rows_insert, rows_update
from core.errors import ApplicationError, InsufficientBalance
from trading import margin, selectors
from trading.margin import ZERO, Ratios
from trading.models import Account, AccountKind, Asset, Balance, JournalEntry, LoanEvent, Order, SystemAccount
from trading.services import interest_rates
from trading.services.common import clean_amount, margin_rule_check
from trading.services.ledger import (
    LockedAccount,
    Posting,
    accounts_lock,
    ledger_post,
    lending_pool_to_post,
    system_balance,
    system_balance_to_post,
)

clock_hour = interest_rates.clock_hour


@dataclass
class LoanBook:
    """The loan events of one operation, saved once its journal entry exists."""

    events: list[LoanEvent] = field(default_factory=list)
    # A batch (liquidation's) shares one dict of lending-pool rows between its operations: a repayment
    # only posts to the pool, it never reads the pool's amounts, so one look-up per asset is enough.
    pools: dict[tuple[int | None, int], Balance] = field(default_factory=dict)
    # With ``deferred`` set, the interest bookkeeping (and entry price, ``fills.fill``) of the balances in it
    # is saved by the batch in one statement, instead of one save per balance (the caller locked the rows).
    deferred: set[Balance] | None = None

    def pool(self, asset: Asset, *, market: int | None) -> Balance:
        """The lending pool of ``asset`` in ``market`` (a class market has its own)."""
        key = (market, asset.pk)
        if key not in self.pools:
            self.pools[key] = system_balance(SystemAccount.LENDING_POOL, asset, market=market)
        return self.pools[key]

    def balance_save(self, balance: Balance, fields: list[str]) -> None:
        if self.deferred is None:
            rows_update(Balance, [balance], fields)
        else:
            self.deferred.add(balance)

    def save(self, entry: JournalEntry, order: Order | None = None) -> None:
        for event in self.events:
            event.entry = entry
            event.order = event.order or order
        rows_insert(self.events, ids=True)


# --- checks -----------------------------------------------------------------------------------------


def ensure_tradable(account: Account) -> None:
    if account.is_frozen:
        raise ApplicationError("The account is frozen.", code="account_frozen", status=403)


def ensure_asset_allowed(account: Account, asset: Asset) -> None:
    """An isolated account holds only its pair's base and quote asset (Binance's isolated rule)."""
    if account.kind == AccountKind.ISOLATED and asset.pk not in (
        account.isolated_pair.base_id,
        account.isolated_pair.quote_id,
    ):
        raise ApplicationError(
            f"{asset.code} cannot be held in the {account.isolated_pair.symbol} isolated margin account.",
            code="asset_not_allowed",
            fields={
                "asset": [f"Only {account.isolated_pair.base.code} and {account.isolated_pair.quote.code} are allowed."]
            },
        )


def _ensure_margin(account: Account) -> None:
    if not account.is_margin:
        raise ApplicationError("Only margin accounts can borrow.", code="not_margin_account")


def borrow_capacity(
    *, account: Account, balances: list[Balance], asset: Asset, profile_ratios: Ratios, prices: dict
) -> Decimal:
    """Max borrowable: the initial-ratio formula, the per-asset limit and the lending pool, whichever is least.

    ``profile_ratios`` are the profile's tier of the account's class; an isolated pair with tiered leverage
    applies each of its tiers to them (``margin.max_borrowable_tiered``: the initial ratio of the tier the
    borrow lands in, and no more than the last tier's maximum)."""
    if not asset.borrowable:
        return ZERO
    valuation = selectors.valuation_of(balances=balances, prices=prices)
    if asset.code not in prices:
        raise ApplicationError(f"No mark price for {asset.code} yet.", code="no_price")
    owed = next((b.borrowed for b in balances if b.asset_id == asset.pk), ZERO)
    table = selectors.pair_tiers_get(account=account)
    if table is None:
        by_ratio = margin.max_borrowable(valuation=valuation, initial=profile_ratios.initial, price=prices[asset.code])
    else:
        base_borrowed, quote_borrowed = table.borrowed(balances)
        is_base = asset.pk == table.base_id
        by_ratio = margin.max_borrowable_tiered(
            valuation=valuation,
            ratios=profile_ratios,
            tiers=table.tiers,
            price=prices[asset.code],
            borrowed=base_borrowed if is_base else quote_borrowed,
            other_borrowed=quote_borrowed if is_base else base_borrowed,
            base=is_base,
        )
    by_limit = max(ZERO, asset.borrow_limit - owed)
    pool_free = max(ZERO, system_balance(SystemAccount.LENDING_POOL, asset, market=account.market_id).free)
    return min(by_ratio, by_limit, pool_free)


def initial_check_valuation(*, balances: list[Balance], prices: dict, book: LoanBook) -> margin.Valuation:
    """The account after an operation as the initial-ratio check sees it (a borrow, a MARGIN_BUY order).

    Counted: every asset, every principal (the new loan's too) and all interest accrued before the
    operation, due hours included. Not counted: the first hour of interest that the operation's own
    borrows charge at that same moment. The rule, from Binance's documents:

    - the margin level is "Total Asset / (Total Liability + Interest)", interest being what has accrued
      (https://www.binance.com/en/support/faq/0b5441a1c1ff431bb2e135dfa8e6ffba, "Introduction to Binance
      Cross Margin Pro", the Classic column);
    - the maximum a borrow may be is set by the available margin and the initial margin rate of the loan,
      "maximum borrow amount of each token = Available Margin Amount / Initial Margin Rate"; the hour of
      interest of that loan is no part of it
      (https://www.binance.com/en/support/faq/84aac4a694f54c55a95f721b33cfd174);
    - that hour is accrued by the borrow itself, after it: "The system automatically accrues one hour's
      interest when you borrow funds" (https://www.binance.com/en/support/faq/360030157812).

    So the largest borrow ``margin.max_borrowable`` allows, which is what the page shows, lands exactly on
    the initial ratio and is accepted; one unit more is refused. The first hour still counts from then on
    (it is debt like any other for the margin call and liquidation lines and for the next operation).
    """
    valuation = selectors.valuation_of(balances=balances, prices=prices)
    first_hours = sum((e.interest * prices[e.asset.code] for e in book.events if e.kind == LoanEvent.Kind.BORROW), ZERO)
    return margin.Valuation(assets=valuation.assets, debt=valuation.debt - first_hours)


# --- the locked building blocks (also used by orders and liquidation) -------------------------------


def due_hours(balance: Balance, now: datetime) -> int:
    """The clock hours begun since the balance's principal was last charged (0 without principal)."""
    hour = clock_hour(now)
    if balance.borrowed <= 0 or balance.interest_charged_hour is None or balance.interest_charged_hour >= hour:
        return 0
    return int((hour - balance.interest_charged_hour).total_seconds() // 3600)


def with_due_interest(balance: Balance, now: datetime) -> Balance:
    """The balance as ``accrue_due_locked`` would leave it, in memory only (never saved): what a maximum
    shown now must count, because the borrow or repayment it is for charges the due hours first."""
    hours = due_hours(balance, now)
    if hours:
        before = balance.interest_accrued_exact
        after = before + _interest(balance, balance.borrowed, hours, clock_hour(now))
        balance.interest += margin.interest_charge(accrued_before=before, accrued_after=after)
        balance.interest_accrued_exact = after
    return balance


def accrue_due_locked(*, balance: Balance, posting: Posting, book: LoanBook, now: datetime) -> Decimal:
    """Charge every clock hour that began since the balance was last charged. Idempotent per hour."""
    hours = due_hours(balance, now)
    if not hours:
        return ZERO
    hour = clock_hour(now)
    amount = _charge_locked(
        balance=balance, posting=posting, principal=balance.borrowed, hours=hours, hour=hour, book=book
    )
    book.events.append(
        LoanEvent(account_id=balance.account_id, asset=balance.asset, kind=LoanEvent.Kind.INTEREST, interest=amount)
    )
    return amount


def _interest(balance: Balance, principal: Decimal, hours: int, hour: datetime) -> Decimal:
    """Exact interest on ``principal`` for the ``hours`` clock hours that end with ``hour`` (``hour`` included),
    each at the rate in force at its start (``trading.models.InterestRate``)."""
    first = hour - timedelta(hours=hours - 1)
    rates = interest_rates.rates_for_hours(asset=balance.asset, first_hour=first, hours=hours)
    return margin.interest_for_hours(principal, rates)


def _charge_locked(
    *, balance: Balance, posting: Posting, principal: Decimal, hours: int, hour: datetime, book: LoanBook
) -> Decimal:
    before = balance.interest_accrued_exact
    after = before + _interest(balance, principal, hours, hour)
    amount = margin.interest_charge(accrued_before=before, accrued_after=after)
    balance.interest_accrued_exact = after
    balance.interest_charged_hour = hour
    fields = ["interest_accrued_exact", "interest_charged_hour"]
    book.balance_save(balance, fields)
    posting.charge_interest(
        debtor=balance, income=system_balance_to_post(SystemAccount.INTEREST_INCOME, balance.asset), amount=amount
    )
    return amount


def borrow_locked(
    *, locked: LockedAccount, asset: Asset, amount: Decimal, posting: Posting, book: LoanBook, now: datetime
) -> None:
    """Lend ``amount`` and charge its first hour. Limits are checked here; the level is the caller's check."""
    account = locked.account
    _ensure_margin(account)
    ensure_asset_allowed(account, asset)
    if not asset.borrowable:
        raise ApplicationError(f"{asset.code} cannot be borrowed.", code="not_borrowable")
    balance = locked.balance(asset)
    if balance.borrowed + amount > asset.borrow_limit:
        raise ApplicationError(
            f"Borrowing {amount} {asset.code} would pass the limit of {asset.borrow_limit} per account.",
            code="borrow_limit",
        )
    top = _top_tier_cap(account, asset)
    if top is not None and balance.borrowed + amount > top:
        # The last tier's maximum is the most the pair lends (margin.tiers, with Binance's source).
        raise ApplicationError(
            f"Borrowing {amount} {asset.code} would pass the {account.isolated_pair.symbol} isolated limit of "
            f"{top.normalize():f} {asset.code} (its last tier).",
            code="borrow_limit",
        )
    # What the pool has left is checked on what the entry's UPDATE stores (Posting.lend): no read here.
    pool = lending_pool_to_post(asset, market=account.market_id)
    accrue_due_locked(balance=balance, posting=posting, book=book, now=now)
    posting.lend(debtor=balance, pool=pool, amount=amount)
    first_hour = _charge_locked(
        balance=balance, posting=posting, principal=amount, hours=1, hour=clock_hour(now), book=book
    )
    book.events.append(
        LoanEvent(account=account, asset=asset, kind=LoanEvent.Kind.BORROW, principal=amount, interest=first_hour)
    )


def _top_tier_cap(account: Account, asset: Asset) -> Decimal | None:
    table = selectors.pair_tiers_get(account=account)
    if table is None or not table.tiers:
        return None
    last = max(table.tiers, key=lambda t: t.tier)
    return last.base_max if asset.pk == table.base_id else last.quote_max


def repay_locked(
    *, locked: LockedAccount, asset: Asset, amount: Decimal, posting: Posting, book: LoanBook, now: datetime
) -> tuple[Decimal, Decimal]:
    """Pay ``amount`` (at most the debt) from the account's free balance: interest first, then principal."""
    balance = locked.balance(asset)
    accrue_due_locked(balance=balance, posting=posting, book=book, now=now)
    interest_part = min(amount, balance.interest)
    principal_part = min(amount - interest_part, balance.borrowed)
    if interest_part:
        income = system_balance_to_post(SystemAccount.INTEREST_INCOME, asset)
        posting.pay_interest(payer=balance, debtor=balance, income=income, amount=interest_part)
    if principal_part:
        pool = book.pool(asset, market=locked.account.market_id)
        posting.repay_principal(payer=balance, debtor=balance, pool=pool, amount=principal_part)
    if balance.borrowed == 0 and balance.interest_charged_hour is not None:
        balance.interest_charged_hour = None
        book.balance_save(balance, ["interest_charged_hour"])
    if interest_part or principal_part:
        book.events.append(
            LoanEvent(
                account=locked.account,
                asset=asset,
                kind=LoanEvent.Kind.REPAY,
                principal=principal_part,
                interest=interest_part,
            )
        )
    return interest_part, principal_part


# --- the public services ----------------------------------------------------------------------------


def loan_borrow(*, user: User, account_id, asset: str, amount, now: datetime | None = None) -> LoanEvent:
    """Borrow into a margin account; allowed only while the margin level after it is >= initial."""
    amount = clean_amount(amount)
    account = selectors.account_get_for_user(user=user, account_id=account_id)
    asset_obj = selectors.asset_get(code=asset, market=account.market_id)
    _ensure_margin(account)
    ensure_asset_allowed(account, asset_obj)
    prices = selectors.mark_prices()
    profile_id = selectors.account_settings_get(account).risk_profile_id
    now = now or timezone.now()
    with transaction.atomic():
        account = accounts_lock(account.pk)[account.pk]
        ensure_tradable(account)
        locked = LockedAccount(account, [asset_obj])
        profile_ratios = selectors.profile_ratios_get(account=account, profile_id=profile_id)
        posting, book = Posting(), LoanBook()
        # Due hours first, so that the capacity counts every unpaid hour of interest.
        accrue_due_locked(balance=locked.balance(asset_obj), posting=posting, book=book, now=now)
        capacity = borrow_capacity(
            account=account, balances=locked.all(), asset=asset_obj, profile_ratios=profile_ratios, prices=prices
        )
        borrow_locked(locked=locked, asset=asset_obj, amount=amount, posting=posting, book=book, now=now)
        margin_rule_check(
            valuation=initial_check_valuation(balances=locked.all(), prices=prices, book=book),
            # The ratios of the tier the borrow lands in (isolated tiered leverage: margin.tiers).
            ratios=selectors.ratios_get(account=account, profile_id=profile_id, balances=locked.all()),
            rule="initial",
            action=f"Borrowing {amount} {asset_obj.code}",
            fields={"amount": [f"At most {capacity}."]},
            hint=f"the most you can borrow is {capacity}",
        )
        entry = ledger_post(
            kind=JournalEntry.Kind.BORROW, posting=posting, account=account, memo=f"borrow {amount} {asset_obj.code}"
        )
        book.save(entry)
    return next(e for e in book.events if e.kind == LoanEvent.Kind.BORROW)


def loan_repay(*, user: User, account_id, asset: str, amount, now: datetime | None = None) -> LoanEvent:
    """Repay from the account's free balance: interest first, then principal; never more than is owed."""
    amount = clean_amount(amount)
    account = selectors.account_get_for_user(user=user, account_id=account_id)
    asset_obj = selectors.asset_get(code=asset, market=account.market_id)
    _ensure_margin(account)
    ensure_asset_allowed(account, asset_obj)
    now = now or timezone.now()
    with transaction.atomic():
        account = accounts_lock(account.pk)[account.pk]
        ensure_tradable(account)
        locked = LockedAccount(account, [asset_obj])
        posting, book = Posting(), LoanBook()
        balance = locked.balance(asset_obj)
        accrue_due_locked(balance=balance, posting=posting, book=book, now=now)
        owed = balance.borrowed + balance.interest
        if owed == 0:
            raise ApplicationError(f"There is no {asset_obj.code} debt to repay.", code="no_debt")
        if amount > owed:
            raise ApplicationError(
                f"Repaying {amount} {asset_obj.code} is more than the {owed} owed.",
                fields={"amount": [f"At most {owed}."]},
            )
        if amount > balance.free:
            raise InsufficientBalance(
                f"Account has insufficient balance for requested action: {balance.free} {asset_obj.code} free."
            )
        repay_locked(locked=locked, asset=asset_obj, amount=amount, posting=posting, book=book, now=now)
        entry = ledger_post(
            kind=JournalEntry.Kind.REPAY, posting=posting, account=account, memo=f"repay {amount} {asset_obj.code}"
        )
        book.save(entry)
    return next(e for e in book.events if e.kind == LoanEvent.Kind.REPAY)


def interest_accrue_due(*, now: datetime | None = None) -> int:
    """Charge the due hours of every outstanding loan; returns how many balances were charged.

    Each balance is charged in its own short transaction under its account's lock, and only if its
    last charged hour is still before this one, so a task that runs twice charges nothing twice.
    """
    now = now or timezone.now()
    hour = clock_hour(now)
    interest_rates.interest_rates_refresh(now=now)  # the rate shown is the one in force this hour
    due = (
        Balance.objects.filter(is_system=False, borrowed__gt=0, interest_charged_hour__lt=hour)
        .values_list("account_id", "asset_id")
        .order_by("account_id", "asset_id")
    )
    charged = 0
    for account_id, asset_id in due.iterator():
        with transaction.atomic():
            account = accounts_lock(account_id)[account_id]
            locked = LockedAccount(account)
            balance = next(b for b in locked.all() if b.asset_id == asset_id)
            posting, book = Posting(), LoanBook()
            accrue_due_locked(balance=balance, posting=posting, book=book, now=now)
            if not book.events:
                continue
            entry = ledger_post(
                kind=JournalEntry.Kind.INTEREST,
                posting=posting,
                account=account,
                memo=f"interest {hour:%Y-%m-%d %H}:00",
            )
            book.save(entry)
            charged += 1
    return charged


# --- the maxima the web page and the APIs show: what loan_borrow and loan_repay then accept ------------


def _balances_due(account: Account, asset: Asset, now: datetime | None) -> list[Balance]:
    """The account's balances with the due hours of ``asset`` counted, as the borrow or repayment would."""
    now = now or timezone.now()
    balances = list(Balance.objects.filter(account=account).select_related("asset"))
    return [with_due_interest(b, now) if b.asset_id == asset.pk else b for b in balances]


def max_borrowable_get(*, user: User, account_id, asset: str, now: datetime | None = None) -> Decimal:
    account = selectors.account_get_for_user(user=user, account_id=account_id)
    asset_obj = selectors.asset_get(code=asset, market=account.market_id)
    _ensure_margin(account)
    ensure_asset_allowed(account, asset_obj)
    balances = _balances_due(account, asset_obj, now)
    profile_id = selectors.account_settings_get(account).risk_profile_id
    return borrow_capacity(
        account=account,
        balances=balances,
        asset=asset_obj,
        profile_ratios=selectors.profile_ratios_get(account=account, profile_id=profile_id),
        prices=selectors.mark_prices(),
    )


def max_repayable_get(*, account: Account, asset: str, now: datetime | None = None) -> Decimal:
    """The most a repayment of ``asset`` can be: what is owed (due hours counted), as far as the free
    balance reaches."""
    asset_obj = selectors.asset_get(code=asset, market=account.market_id)
    balance = next((b for b in _balances_due(account, asset_obj, now) if b.asset_id == asset_obj.pk), None)
    if balance is None:
        return ZERO
    return min(balance.free, balance.borrowed + balance.interest)
