"""Margin accounts' liquidation, in batches: all or nothing per batch, under the batch's locks.

A sweep hands its accounts past the line over at once (``accounts_liquidate``). They are liquidated a
batch at a time (MARGINLAB_LIQUIDATION_BATCH accounts per transaction): the batch's account rows are
locked in id order in one statement, then all their balances in one more, and each account's level is
re-checked under those locks, so a second sweep on the same prices, or a worker killed half-way, can
never liquidate twice or leave an account half-liquidated. What every account does is the same as
alone (its own balanced journal entry, record, notification and snapshot); the prices, settings, tiers,
pairs and system rows are read once per call, and the writes are one statement per table per batch
(``trading.services.batch``), the balances last so the shared system rows are held only until commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification
from core.bulk import rows_insert
from risk.models import Liquidation, MarginSnapshot, RiskStatus
from risk.services import notifications
from risk.services.state import snapshot_row, state_row, states_upsert
from trading import margin, selectors
from trading.lookup_cache import lookups_pinned
from trading.margin import ZERO, Status
from trading.models import Account, Asset, Balance, JournalEntry, Order, Pair, SystemAccount
from trading.services import fills
from trading.services.batch import LedgerBatch, operations_commit
from trading.services.fills import OPEN_STATUSES, Operation
from trading.services.ledger import LockedAccount, accounts_lock_many, balances_lock_many, posting_netted
from trading.services.loans import LoanBook, accrue_due_locked, repay_locked
from trading.services.orders import cancel_locked

logger = logging.getLogger(__name__)


@dataclass
class _Outcome:
    """What one liquidation did, as its record reports it."""

    orders: list[Order] = field(default_factory=list)
    value: Decimal = ZERO  # quote the closing fills traded
    shortfall: Decimal = ZERO  # quote the insurance fund paid in
    fee_nominal: Decimal = ZERO
    fee: Decimal = ZERO


@dataclass
class _Shared:
    """What every liquidation of one call reads: once, outside any lock (no price fetch under a lock)."""

    prices: dict[str, Decimal]
    quote: Asset
    now: datetime
    systems: dict = field(default_factory=dict)  # system balances to post to (never read-locked)
    pools: dict = field(default_factory=dict)  # lending-pool rows, by asset id
    book_params: dict = field(default_factory=dict)  # each pair's book parameters
    pairs: dict[int, Pair] = field(default_factory=dict)  # each base asset's pair against the quote


@dataclass
class _Done:
    """One account liquidated in memory, waiting for its batch's writes."""

    op: Operation
    outcome: _Outcome
    valuation: margin.Valuation
    ratios: margin.Ratios
    before: dict
    equity: Decimal = ZERO


def account_liquidate(*, account_id: int, now: datetime | None = None) -> Liquidation | None:
    """Liquidate one margin account if, under its lock and at current prices, its level says so."""
    records = accounts_liquidate(account_ids=[account_id], now=now)
    return records[0] if records else None


def accounts_liquidate(
    *, account_ids: Sequence[int], now: datetime | None = None, batch_size: int | None = None
) -> list[Liquidation]:
    """Liquidate the margin accounts among ``account_ids`` that, under their locks, are past the line.

    Each account's lock freezes it for the duration (nothing else can touch it): cancel open orders,
    net each base asset against its own debt, sell what is left and buy back what is still owed at the
    mark price less slippage, repay interest then principal, let the insurance fund cover a shortfall,
    and charge the liquidation fee from what equity remains. Cross takes the whole account; isolated only
    exists for one pair. An account whose liquidation fails is left as it was (the others of its batch
    go on) and the first such error is raised once every batch is written.
    """
    size = batch_size or django_settings.MARGINLAB_LIQUIDATION_BATCH
    ids = sorted(set(account_ids))
    if not ids:
        return []
    shared = _Shared(
        prices=selectors.mark_prices(),
        quote=selectors.asset_get(code=selectors.QUOTE_ASSET),
        now=now or timezone.now(),
    )
    records: list[Liquidation] = []
    errors: list[Exception] = []
    with lookups_pinned():  # the tiers, pairs and settings of every account: read once for all
        for start in range(0, len(ids), size):
            records += _batch_liquidate(ids[start : start + size], shared, errors)
    if errors:
        raise errors[0]
    return records


def _batch_liquidate(ids: list[int], shared: _Shared, errors: list[Exception]) -> list[Liquidation]:
    with transaction.atomic():
        _foreign_key_plans_renew()
        accounts = [a for a in accounts_lock_many(ids) if a.is_margin]  # in id order
        balances = balances_lock_many(account_ids=[a.pk for a in accounts])
        orders: dict[int, list[Order]] = {a.pk: [] for a in accounts}
        open_orders = Order.objects.filter(account__in=accounts, status__in=OPEN_STATUSES)
        for order in open_orders.select_related("pair__base", "pair__quote").order_by("id"):
            orders[order.account_id].append(order)
        done: list[_Done] = []
        for account in accounts:
            try:
                one = _liquidate(LockedAccount.of(account, balances[account.pk]), orders[account.pk], shared)
            except Exception as error:  # noqa: BLE001 - its own writes are all in memory: drop them, go on
                logger.exception("liquidation of account #%s failed", account.pk)
                errors.append(error)
                continue
            if one is not None:
                done.append(one)
        if not done:
            return []
        return _batch_write(done, shared)


def _foreign_key_plans_renew() -> None:
    """PostgreSQL plans each foreign-key check once per connection and keeps the plan: one made while the
    journal (or the orders) held a few rows scans the whole table, and keeps scanning it as a crash grows
    it by thousands of entries a second (each of a batch's lines, trades, records and margin points checks
    its entry: measured, 0.25 ms per check, 4 ms per liquidation, on a journal that started empty). The
    checks are planned again for each batch, at the tables' current size: one statement per batch."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DISCARD PLANS")


def _liquidate(locked: LockedAccount, orders: list[Order], shared: _Shared) -> _Done | None:
    """One locked account, in memory: nothing is written until its batch is (``_batch_write``)."""
    account = locked.account
    # As the account is: an isolated account's ratios depend on what it borrowed (tiered leverage).
    settings = selectors.account_settings_get(account)  # its market's profile and fees (a cached look-up)
    ratios = selectors.ratios_get(account=account, profile_id=settings.risk_profile_id, balances=locked.all())
    valuation = selectors.valuation_of(balances=locked.all(), prices=shared.prices)
    if margin.classify(valuation.level, ratios) != Status.LIQUIDATION:
        return None  # healthy after all (already liquidated, or prices moved back): nothing to do
    before = _balances_json(locked.all())
    book = LoanBook(pools=shared.pools, deferred=set())
    op = Operation(
        locked,
        settings,
        shared.prices,
        shared.now,
        book=book,
        _system=shared.systems,
        book_params=shared.book_params,
    )
    outcome = _Outcome(orders=_orders_cancel(op, orders))
    quote_balance = locked.balance(shared.quote)
    for balance in [b for b in locked.all() if b.asset_id != shared.quote.pk]:
        _position_close(op, balance, quote_balance, outcome, shared)
    _quote_settle(op, quote_balance, outcome)
    assert op.posting.lines  # the account is below its liquidation line, so it holds debt to settle
    return _Done(op, outcome, valuation, ratios, before, equity=quote_balance.free)


def _batch_write(done: list[_Done], shared: _Shared) -> list[Liquidation]:
    """The batch's entries, records, notifications, states and snapshots; the balances last."""
    ledger = LedgerBatch()
    for one in done:
        account = one.op.locked.account
        one.op.posting = posting_netted(one.op.posting)  # a close walking the book: one line per movement
        ledger.add(
            kind=JournalEntry.Kind.LIQUIDATION,
            posting=one.op.posting,
            account=account,
            memo=f"liquidation of account #{account.pk}",
        )
    entries = ledger.write()
    operations_commit([(one.op, entry, one.outcome.orders) for one, entry in zip(done, entries, strict=True)])
    quote, now = shared.quote, shared.now
    records = rows_insert(
        [
            Liquidation(
                account=one.op.locked.account,
                account_kind=one.op.locked.account.kind,
                margin_level=one.valuation.level,
                liquidation_ratio=one.ratios.liquidation,
                profile=one.op.settings.risk_profile.name,
                prices={c: str(p) for c, p in shared.prices.items() if c in one.before or c == quote.code},
                balances_before=one.before,
                balances_after=_balances_json(one.op.locked.all()),
                asset_value=margin.round_half_up(one.valuation.assets),
                debt_value=margin.round_half_up(one.valuation.debt),
                value_liquidated=one.outcome.value,
                fee_nominal=one.outcome.fee_nominal,
                fee=one.outcome.fee,
                shortfall=one.outcome.shortfall,
                entry=entry,
                created_at=now,
            )
            for one, entry in zip(done, entries, strict=True)
        ],
        ids=True,
    )
    _aftermath(records, done, now=now)
    ledger.apply()
    return records


def _orders_cancel(op: Operation, orders: list[Order]) -> list[Order]:
    """Interest due is charged first, then every open order is cancelled (its locked funds come free)."""
    for balance in op.locked.all():
        accrue_due_locked(balance=balance, posting=op.posting, book=op.book, now=op.now)
    for order in orders:
        cancel_locked(op, order, "Cancelled by liquidation.")
    return list(orders)


def _position_close(
    op: Operation, balance: Balance, quote_balance: Balance, outcome: _Outcome, shared: _Shared
) -> None:
    """One base asset: net it against its own debt, sell a long, buy back a short."""
    asset = balance.asset
    if asset.pk not in shared.pairs:
        shared.pairs[asset.pk] = _pair_of(asset)
    pair = shared.pairs[asset.pk]
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


def _aftermath(records: list[Liquidation], done: list[_Done], *, now: datetime) -> None:
    """Each account starts afresh as NORMAL; its liquidation is snapshotted and its owner told."""
    states_upsert(
        [
            state_row(
                account_id=record.account_id,
                status=RiskStatus.NORMAL,
                valuation=margin.Valuation(one.equity, ZERO),
                now=now,
                snapshot_at=now,
            )
            for record, one in zip(records, done, strict=True)
        ],
        status_changed=True,
    )
    rows_insert(
        [
            snapshot_row(
                account_id=record.account_id,
                status=RiskStatus.LIQUIDATION,
                valuation=one.valuation,
                reason=MarginSnapshot.Reason.LIQUIDATION,
                now=now,
            )
            for record, one in zip(records, done, strict=True)
        ]
    )
    notifications.notify_all(
        [_notice(record, one.op.locked.account, one.valuation) for record, one in zip(records, done, strict=True)]
    )


def _notice(record: Liquidation, account: Account, valuation: margin.Valuation) -> tuple[Account, str, str, str]:
    return (
        account,
        Notification.Kind.LIQUIDATION,
        f"Your {notifications.account_name(account)} was liquidated",
        (
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
