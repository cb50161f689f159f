"""One margin account's liquidation: all or nothing, in one transaction under the account's lock.

The level is re-checked under the lock first, so a second sweep on the same prices, or a worker killed
half-way, can never liquidate twice or leave an account half-liquidated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Notification
from risk.models import Liquidation, MarginSnapshot, RiskStatus
from risk.services import notifications
from risk.services.state import snapshot_row, state_set
from trading import margin, selectors
from trading.margin import ZERO, Status
from trading.models import Asset, Balance, JournalEntry, Order, Pair, SystemAccount
from trading.services import fills
from trading.services.fills import OPEN_STATUSES, Operation
from trading.services.ledger import LockedAccount, accounts_lock
from trading.services.loans import accrue_due_locked, repay_locked
from trading.services.orders import cancel_locked


@dataclass
class _Outcome:
    """What one liquidation did, as its record reports it."""

    orders: list[Order] = field(default_factory=list)
    value: Decimal = ZERO  # quote the closing fills traded
    shortfall: Decimal = ZERO  # quote the insurance fund paid in
    fee_nominal: Decimal = ZERO
    fee: Decimal = ZERO


def account_liquidate(*, account_id: int, now: datetime | None = None) -> Liquidation | None:
    """Liquidate one margin account if, under its lock and at current prices, its level says so.

    The account's row lock freezes it for the duration (nothing else can touch it): cancel open
    orders, net each base asset against its own debt, sell what is left and buy back what is still owed
    at the mark price less slippage, repay interest then principal, let the insurance fund cover a
    shortfall, and charge the liquidation fee from what equity remains. Cross takes the whole account;
    isolated only exists for one pair.
    """
    now = now or timezone.now()
    prices = selectors.mark_prices()
    with transaction.atomic():
        account = accounts_lock(account_id).get(account_id)
        if account is None or not account.is_margin:
            return None
        settings = selectors.account_settings_get(account)  # its market's profile and fees (a cached look-up)
        locked = LockedAccount(account)
        ratios = selectors.ratios_get(account=account, profile_id=settings.risk_profile_id, balances=locked.all())
        valuation = selectors.valuation_of(balances=locked.all(), prices=prices)
        if margin.classify(valuation.level, ratios) != Status.LIQUIDATION:
            return None  # healthy after all (already liquidated, or prices moved back): nothing to do
        before = _balances_json(locked.all())
        op = Operation(locked, settings, prices, now)
        outcome = _Outcome(orders=_orders_cancel(op))
        quote = selectors.asset_get(code=selectors.QUOTE_ASSET)
        quote_balance = locked.balance(quote)
        for balance in [b for b in locked.all() if b.asset_id != quote.pk]:
            _position_close(op, balance, quote_balance, outcome)
        _quote_settle(op, quote_balance, outcome)
        entry = op.commit(
            kind=JournalEntry.Kind.LIQUIDATION, memo=f"liquidation of account #{account.pk}", orders=outcome.orders
        )
        assert entry is not None  # the account is below its liquidation line, so it holds debt to settle
        record = Liquidation.objects.create(
            account=account,
            account_kind=account.kind,
            margin_level=valuation.level,
            liquidation_ratio=ratios.liquidation,
            profile=settings.risk_profile.name,
            prices={code: str(price) for code, price in prices.items() if code in before or code == quote.code},
            balances_before=before,
            balances_after=_balances_json(locked.all()),
            asset_value=margin.round_half_up(valuation.assets),
            debt_value=margin.round_half_up(valuation.debt),
            value_liquidated=outcome.value,
            fee_nominal=outcome.fee_nominal,
            fee=outcome.fee,
            shortfall=outcome.shortfall,
            entry=entry,
            created_at=now,
        )
        _aftermath(record, valuation=valuation, equity=quote_balance.free, now=now)
    return record


def _orders_cancel(op: Operation) -> list[Order]:
    """Interest due is charged first, then every open order is cancelled (its locked funds come free)."""
    for balance in op.locked.all():
        accrue_due_locked(balance=balance, posting=op.posting, book=op.book, now=op.now)
    orders = list(
        Order.objects.filter(account=op.locked.account, status__in=OPEN_STATUSES).select_related(
            "pair__base", "pair__quote"
        )
    )
    for order in orders:
        cancel_locked(op, order, "Cancelled by liquidation.")
    return orders


def _position_close(op: Operation, balance: Balance, quote_balance: Balance, outcome: _Outcome) -> None:
    """One base asset: net it against its own debt, sell a long, buy back a short."""
    asset = balance.asset
    pair = _pair_of(asset)
    netted = min(balance.free, balance.borrowed + balance.interest)
    if netted:
        repay_locked(locked=op.locked, asset=asset, amount=netted, posting=op.posting, book=op.book, now=op.now)
    if balance.free > 0:  # a long: sell what is left
        outcome.value += _close(op, pair, Order.Side.SELL, balance.free, outcome).quote_quantity
    still_owed = balance.borrowed + balance.interest
    if still_owed > 0:  # a short: buy back the debt, with the insurance fund's help if need be

        def fund(buy: margin.Fill) -> None:
            outcome.shortfall += _cover_from_insurance(op, quote_balance, buy.quote_quantity)

        quantity = margin.round_up(still_owed, pair.step_size)
        outcome.value += _close(op, pair, Order.Side.BUY, quantity, outcome, before_fill=fund).quote_quantity
        repay_locked(locked=op.locked, asset=asset, amount=still_owed, posting=op.posting, book=op.book, now=op.now)
        if balance.free > 0:  # the step-size rounding left a crumb of base: sell it back (not counted as liquidated)
            _close(op, pair, Order.Side.SELL, balance.free, outcome)


def _close(
    op: Operation,
    pair: Pair,
    side: str,
    quantity: Decimal,
    outcome: _Outcome,
    *,
    before_fill: Callable[[margin.Fill], None] | None = None,
) -> margin.Fill:
    order, filled = fills.position_close(
        op=op, pair=pair, side=side, quantity=quantity, reason="Liquidation", before_fill=before_fill
    )
    outcome.orders.append(order)
    return filled


def _quote_settle(op: Operation, quote_balance: Balance, outcome: _Outcome) -> None:
    """Repay the quote debt (the insurance fund covering what is missing), then charge the fee."""
    quote = quote_balance.asset
    quote_owed = quote_balance.borrowed + quote_balance.interest
    outcome.shortfall += _cover_from_insurance(op, quote_balance, quote_owed)
    if quote_owed:
        repay_locked(locked=op.locked, asset=quote, amount=quote_owed, posting=op.posting, book=op.book, now=op.now)
    # The fee comes out of the equity that is left, never out of the insurance fund's own help.
    outcome.fee_nominal = margin.round_up(outcome.value * op.settings.liquidation_fee)
    outcome.fee = min(outcome.fee_nominal, quote_balance.free)
    if outcome.fee:
        op.posting.move(quote_balance, op.system(SystemAccount.INSURANCE_FUND, quote), outcome.fee)


def _aftermath(record: Liquidation, *, valuation: margin.Valuation, equity: Decimal, now: datetime) -> None:
    """The account starts afresh as NORMAL; the liquidation is snapshotted and its owner told."""
    account = record.account
    state_set(account_id=account.pk, status=RiskStatus.NORMAL, valuation=margin.Valuation(equity, ZERO), now=now)
    snapshot_row(
        account_id=account.pk,
        status=RiskStatus.LIQUIDATION,
        valuation=valuation,
        reason=MarginSnapshot.Reason.LIQUIDATION,
        now=now,
    ).save(force_insert=True)
    notifications.notify(
        account,
        kind=Notification.Kind.LIQUIDATION,
        title=f"Your {notifications.account_name(account)} was liquidated",
        body=(
            f"Margin level {valuation.level:.4f} reached the liquidation ratio {record.liquidation_ratio} "
            f"(profile {record.profile}). Value liquidated {record.value_liquidated} USDT, "
            f"fee {record.fee} USDT, shortfall covered by the insurance fund {record.shortfall} USDT."
        ),
    )


def _balances_json(balances: list[Balance]) -> dict:
    return {
        b.asset.code: {
            "free": str(b.free),
            "locked": str(b.locked),
            "borrowed": str(b.borrowed),
            "interest": str(b.interest),
        }
        for b in balances
        if b.free or b.locked or b.borrowed or b.interest
    }


def _cover_from_insurance(op: Operation, quote_balance: Balance, needed: Decimal) -> Decimal:
    """The insurance fund tops the account up to ``needed`` quote; returns what it paid (the shortfall)."""
    missing = needed - quote_balance.free
    if missing <= 0:
        return ZERO
    op.posting.move(op.system(SystemAccount.INSURANCE_FUND, quote_balance.asset), quote_balance, missing)
    return missing


def _pair_of(asset: Asset) -> Pair:
    """The asset's pair against the quote asset, out of the per-process copy of the pairs."""
    return next(
        p
        for p in selectors.pairs_by_symbol(asset.market_id).values()
        if p.base_id == asset.pk and p.quote.code == selectors.QUOTE_ASSET
    )
