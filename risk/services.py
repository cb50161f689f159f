"""The risk engine: sweeps, margin calls and liquidation (``shared/spec/margin-rules.md``).

A sweep runs one set-based query (``risk.selectors.accounts_needing_attention``) over all margin
accounts, a chunk of them, or only those exposed to the pairs that moved, and acts on the few rows it
returns: status changes and snapshots, margin calls (once per episode, again every 24 hours), and
liquidations. Each liquidation is one transaction under the account's lock that re-checks the level
first, so a second sweep on the same prices, or a worker killed half-way, can never liquidate twice or
leave an account half-liquidated.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings as django_settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Notification
from risk import selectors as risk_selectors
from risk.models import (
    AccountRisk,
    EngineLock,
    Liquidation,
    MarginCall,
    MarginSnapshot,
    RiskStatus,
    SweepBaseline,
)
from trading import margin, selectors
from trading.margin import ZERO, Status
from trading.models import Account, Balance, JournalEntry, Order, SystemAccount
from trading.services import fills
from trading.services.fills import OPEN_STATUSES, Operation
from trading.services.ledger import LockedAccount, accounts_lock, system_balance
from trading.services.loans import accrue_due_locked, repay_locked
from trading.services.orders import cancel_locked

logger = logging.getLogger(__name__)

MARGIN_CALL_REPEAT = timedelta(hours=24)


def snapshot_interval() -> timedelta:
    return timedelta(seconds=getattr(django_settings, "MARGINLAB_SNAPSHOT_INTERVAL", 3600))


# --- leases -----------------------------------------------------------------------------------------


def lock_acquire(*, name: str, ttl: timedelta, now: datetime | None = None) -> str | None:
    """Take the named lease if it is free or expired; returns the holder token, or None if taken."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    EngineLock.objects.get_or_create(name=name, defaults={"expires_at": now - timedelta(seconds=1)})
    taken = EngineLock.objects.filter(Q(expires_at__lt=now) | Q(holder=""), name=name).update(
        holder=token, expires_at=now + ttl
    )
    return token if taken else None


def lock_release(*, name: str, token: str) -> None:
    EngineLock.objects.filter(name=name, holder=token).update(holder="", expires_at=timezone.now())


# --- liquidation ------------------------------------------------------------------------------------


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


def account_liquidate(*, account_id: int, now: datetime | None = None) -> Liquidation | None:
    """Liquidate one margin account if, under its lock and at current prices, its level says so.

    The account's row lock freezes it for the duration (nothing else can touch it); cancel open orders, net each base asset against its own debt, sell what is
    left and buy back what is still owed at the mark price less slippage, repay interest then
    principal, let the insurance fund cover a shortfall, and charge the liquidation fee from what
    equity remains. Cross takes the whole account; isolated only exists for one pair. All or nothing.
    """
    now = now or timezone.now()
    settings = selectors.platform_settings_get()
    prices = selectors.mark_prices()
    with transaction.atomic():
        account = accounts_lock(account_id).get(account_id)
        if account is None or not account.is_margin:
            return None
        locked = LockedAccount(account)
        ratios = selectors.ratios_get(account=account, profile_id=settings.risk_profile_id)
        valuation = selectors.valuation_of(balances=locked.all(), prices=prices)
        if margin.classify(valuation.level, ratios) != Status.LIQUIDATION:
            return None  # healthy after all (already liquidated, or prices moved back): nothing to do
        before = _balances_json(locked.all())
        op = Operation(locked, settings, prices, now)
        for balance in locked.all():
            accrue_due_locked(balance=balance, posting=op.posting, book=op.book, now=now)
        orders = list(
            Order.objects.filter(account=account, status__in=OPEN_STATUSES).select_related("pair__base", "pair__quote")
        )
        for order in orders:
            cancel_locked(op, order, "Cancelled by liquidation.")

        quote = selectors.asset_get(code=selectors.QUOTE_ASSET)
        quote_balance = locked.balance(quote)
        liquidated_value = shortfall = ZERO
        slippage = settings.slippage_bps
        for balance in [b for b in locked.all() if b.asset_id != quote.pk]:
            asset = balance.asset
            pair = _pair_of(asset)
            owed = balance.borrowed + balance.interest
            netted = min(balance.free, owed)
            if netted:
                repay_locked(locked=locked, asset=asset, amount=netted, posting=op.posting, book=op.book, now=now)
            if balance.free > 0:  # a long: sell what is left
                order = _liquidation_order(account, pair, Order.Side.SELL, balance.free)
                price = margin.slipped_price(
                    mark=prices[asset.code], is_buy=False, slippage_bps=slippage, tick=pair.tick_size
                )
                fill = margin.fill_at(is_buy=False, price=price, quantity=balance.free, fee_rate=ZERO)
                fills.fill(op, order, fill, is_maker=False)
                orders.append(order)
                liquidated_value += fill.quote_quantity
            still_owed = balance.borrowed + balance.interest
            if still_owed > 0:  # a short: buy back the debt, with the insurance fund's help if need be
                price = margin.slipped_price(
                    mark=prices[asset.code], is_buy=True, slippage_bps=slippage, tick=pair.tick_size
                )
                quantity = margin.round_up(still_owed, pair.step_size)
                fill = margin.fill_at(is_buy=True, price=price, quantity=quantity, fee_rate=ZERO)
                shortfall += _cover_from_insurance(op, quote_balance, fill.quote_quantity)
                order = _liquidation_order(account, pair, Order.Side.BUY, quantity)
                fills.fill(op, order, fill, is_maker=False)
                orders.append(order)
                repay_locked(locked=locked, asset=asset, amount=still_owed, posting=op.posting, book=op.book, now=now)
                liquidated_value += fill.quote_quantity
                if balance.free > 0:  # the step-size rounding left a crumb of base: sell it back
                    bid = margin.slipped_price(
                        mark=prices[asset.code], is_buy=False, slippage_bps=slippage, tick=pair.tick_size
                    )
                    crumb = margin.fill_at(is_buy=False, price=bid, quantity=balance.free, fee_rate=ZERO)
                    crumb_order = _liquidation_order(account, pair, Order.Side.SELL, balance.free)
                    fills.fill(op, crumb_order, crumb, is_maker=False)
                    orders.append(crumb_order)

        quote_owed = quote_balance.borrowed + quote_balance.interest
        shortfall += _cover_from_insurance(op, quote_balance, quote_owed)
        if quote_owed:
            repay_locked(locked=locked, asset=quote, amount=quote_owed, posting=op.posting, book=op.book, now=now)
        # The fee comes out of the equity that is left, never out of the insurance fund's own help.
        fee_nominal = margin.round_up(liquidated_value * settings.liquidation_fee)
        fee = min(fee_nominal, quote_balance.free)
        if fee:
            op.posting.move(quote_balance, system_balance(SystemAccount.INSURANCE_FUND, quote), fee)

        entry = op.commit(
            kind=JournalEntry.Kind.LIQUIDATION, memo=f"liquidation of account #{account.pk}", orders=orders
        )
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
            value_liquidated=liquidated_value,
            fee_nominal=fee_nominal,
            fee=fee,
            shortfall=shortfall,
            entry=entry,
            created_at=now,
        )
        _state_set(account.pk, status=RiskStatus.NORMAL, valuation=margin.Valuation(quote_balance.free, ZERO), now=now)
        MarginSnapshot.objects.create(
            account=account,
            margin_level=valuation.level,
            status=RiskStatus.LIQUIDATION,
            asset_value=margin.round_half_up(valuation.assets),
            debt_value=margin.round_half_up(valuation.debt),
            reason=MarginSnapshot.Reason.LIQUIDATION,
            created_at=now,
        )
        _notify(
            account,
            kind=Notification.Kind.LIQUIDATION,
            title=f"Your {_account_name(account)} was liquidated",
            body=(
                f"Margin level {valuation.level:.4f} reached the liquidation ratio {ratios.liquidation} "
                f"(profile {settings.risk_profile.name}). Value liquidated {liquidated_value} USDT, "
                f"fee {fee} USDT, shortfall covered by the insurance fund {shortfall} USDT."
            ),
        )
    return record


def _cover_from_insurance(op: Operation, quote_balance: Balance, needed: Decimal) -> Decimal:
    """The insurance fund tops the account up to ``needed`` quote; returns what it paid (the shortfall)."""
    missing = needed - quote_balance.free
    if missing <= 0:
        return ZERO
    op.posting.move(system_balance(SystemAccount.INSURANCE_FUND, quote_balance.asset), quote_balance, missing)
    return missing


def _pair_of(asset):
    return asset.base_pairs.select_related("base", "quote").get(quote__code=selectors.QUOTE_ASSET)


def _liquidation_order(account: Account, pair, side: str, quantity: Decimal) -> Order:
    return Order(
        account=account,
        pair=pair,
        side=side,
        type=Order.Type.MARKET,
        quantity=quantity,
        client_order_id=f"autoclose-{uuid.uuid4().hex[:20]}",
        status_reason="Liquidation",
    )


def _account_name(account: Account) -> str:
    return f"isolated {account.pair.symbol} account" if account.pair_id else "cross margin account"


def _notify(account: Account, *, kind: str, title: str, body: str) -> None:
    _notify_all([(account, kind, title, body)])


def _notify_all(messages: list[tuple[Account, str, str, str]]) -> None:
    """In-app notifications in one statement, and an e-mail to each owner who gave an address."""
    Notification.objects.bulk_create(
        [
            Notification(user_id=account.user_id, kind=kind, title=title, body=body, account_ref=account.pk)
            for account, kind, title, body in messages
        ]
    )
    for account, _kind, title, body in messages:
        email = account.user.email if account.user_id else ""
        if email:
            # After commit: a rolled-back liquidation must not have mailed anybody.
            transaction.on_commit(
                lambda title=title, body=body, email=email: send_mail(
                    f"[MarginLab] {title}", body, None, [email], fail_silently=True
                )
            )


def _state_set(account_id: int, *, status: str, valuation: margin.Valuation, now: datetime) -> None:
    state = AccountRisk(
        account_id=account_id,
        status=status,
        margin_level=valuation.level,
        asset_value=margin.round_half_up(valuation.assets),
        debt_value=margin.round_half_up(valuation.debt),
        checked_at=now,
        status_since=now,
        snapshot_at=now,
    )
    _states_upsert([state], status_changed=True)


# --- sweeps -----------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    checked: int = 0
    status_changes: int = 0
    margin_calls: list[int] = field(default_factory=list)
    liquidations: list[int] = field(default_factory=list)
    snapshots: int = 0

    def merge(self, other: SweepResult) -> SweepResult:
        self.checked += other.checked
        self.status_changes += other.status_changes
        self.margin_calls += other.margin_calls
        self.liquidations += other.liquidations
        self.snapshots += other.snapshots
        return self

    def as_dict(self) -> dict:
        return {
            "checked": self.checked,
            "status_changes": self.status_changes,
            "margin_calls": self.margin_calls,
            "liquidations": self.liquidations,
            "snapshots": self.snapshots,
        }


def sweep_run(
    *, id_range: tuple[int, int] | None = None, assets: list[int] | None = None, now: datetime | None = None
) -> SweepResult:
    """Classify the accounts in scope and act: snapshots, margin calls, liquidations.

    A sweep of every asset (all accounts or a chunk) also keeps its accounts' watch flags and records
    its baseline. A tick only ever raises a flag: it has no baseline to clear one by.
    """
    now = now or timezone.now()
    swept_at = timezone.now()  # before anything is read: what the ledger changes from here on, a tick sees
    settings = selectors.platform_settings_get()
    inputs = risk_selectors.valuation_inputs(profile_id=settings.risk_profile_id)
    keeps_watch = assets is None
    # The accounts this sweep values (an account opened after this read is outside its baseline).
    covered = id_range or (risk_selectors.margin_account_id_bounds() if keeps_watch else None)
    rows = risk_selectors.accounts_needing_attention(
        inputs=inputs,
        now=now,
        snapshot_before=now - snapshot_interval(),
        id_range=id_range,
        assets=assets,
    )
    result = SweepResult(checked=len(rows))
    states, snapshots, calls = [], [], []
    for row in rows:
        status = row.status
        if status == Status.LIQUIDATION:
            record = account_liquidate(account_id=row.account_id, now=now)
            if record is not None:
                result.liquidations.append(row.account_id)
            continue
        changed = status != row.previous
        call_due = status == Status.MARGIN_CALL and (
            changed or row.margin_call_at is None or row.margin_call_at <= now - MARGIN_CALL_REPEAT
        )
        snapshot_due = changed or (
            row.debt > 0 and (row.snapshot_at is None or row.snapshot_at < now - snapshot_interval())
        )
        if changed:
            result.status_changes += 1
        if snapshot_due:
            snapshots.append(
                MarginSnapshot(
                    account_id=row.account_id,
                    margin_level=row.level,
                    status=status,
                    asset_value=margin.round_half_up(row.assets),
                    debt_value=margin.round_half_up(row.debt),
                    reason=MarginSnapshot.Reason.STATUS_CHANGE if changed else MarginSnapshot.Reason.INTERVAL,
                    created_at=now,
                )
            )
        if call_due:
            calls.append(row)
        if changed or call_due or snapshot_due or (keeps_watch and row.watch != row.watched):
            # An account that stays in the same state needs no write: the sweep's cost stays the query's.
            states.append((row, status, changed, snapshot_due))

    with transaction.atomic():
        _states_save(states, now, keeps_watch=keeps_watch)
        MarginSnapshot.objects.bulk_create(snapshots, batch_size=2000)
        result.snapshots = len(snapshots)
        result.margin_calls = _margin_calls(calls, settings, now)
        if keeps_watch and covered is not None:
            _baseline_record(covered, inputs, swept_at)
    return result


def _baseline_record(id_range: tuple[int, int], inputs: risk_selectors.Inputs, swept_at: datetime) -> None:
    """The baseline of these accounts, replacing any that overlaps them (left by another chunk size)."""
    lo, hi = id_range
    SweepBaseline.objects.filter(first_account__lte=hi, last_account__gte=lo).exclude(first_account=lo).delete()
    SweepBaseline.objects.update_or_create(
        first_account=lo,
        defaults={
            "last_account": hi,
            "swept_at": swept_at,
            "prices": {str(asset_id): str(price) for asset_id, price in inputs.prices.items()},
            "profile_id": inputs.profile_id,
            "margin_call": inputs.margin_call,
        },
    )


# margin_call_at is left out on purpose: only _margin_calls_claim moves it (an upsert of what a sweep
# read earlier must never undo a claim another sweep just made).
STATE_FIELDS = ["status", "margin_level", "asset_value", "debt_value", "checked_at", "snapshot_at"]


def _states_upsert(states: list[AccountRisk], *, status_changed: bool, watched: bool = False) -> None:
    """Insert or update states in one statement: two sweeps racing on one account cannot collide.
    The watch flag is updated only with ``watched`` (an insert always writes it)."""
    fields = [*STATE_FIELDS, "status_since"] if status_changed else list(STATE_FIELDS)
    if watched:
        fields.append("watched")
    AccountRisk.objects.bulk_create(
        states, update_conflicts=True, unique_fields=["account"], update_fields=fields, batch_size=2000
    )


def _states_save(states: list, now: datetime, *, keeps_watch: bool) -> None:
    groups = defaultdict(list)
    for row, status, changed, snapshot_due in states:
        state = AccountRisk(
            account_id=row.account_id,
            status=status,
            margin_level=row.level,
            asset_value=margin.round_half_up(row.assets),
            debt_value=margin.round_half_up(row.debt),
            checked_at=now,
            status_since=now,
            snapshot_at=now if snapshot_due else row.snapshot_at,
            watched=row.watch,
        )
        groups[(changed, keeps_watch or row.watch)].append(state)
    for (changed, watched), states_ in groups.items():
        _states_upsert(states_, status_changed=changed, watched=watched)


def _margin_calls(rows: list[risk_selectors.AccountLevel], settings, now: datetime) -> list[int]:
    """Write the margin-call records and tell the owners: once per episode, again every 24 hours.

    Each call is claimed first with a compare-and-set on the time of the last call the sweep read, so
    two sweeps that both saw an account enter MARGIN_CALL raise one call between them. The records and
    notifications of the claimed calls are then written in one statement each.
    """
    claimed = _margin_calls_claim(rows, now)
    accounts = Account.objects.select_related("user", "pair").in_bulk([row.account_id for row in claimed])
    MarginCall.objects.bulk_create(
        [
            MarginCall(
                account=accounts[row.account_id],
                margin_level=row.level,
                margin_call_ratio=row.ratios.margin_call,
                liquidation_ratio=row.ratios.liquidation,
                profile=settings.risk_profile.name,
                asset_value=margin.round_half_up(row.assets),
                debt_value=margin.round_half_up(row.debt),
                created_at=now,
            )
            for row in claimed
        ]
    )
    _notify_all(
        [
            (
                accounts[row.account_id],
                Notification.Kind.MARGIN_CALL,
                f"Margin call on your {_account_name(accounts[row.account_id])}",
                f"Margin level {row.level:.4f} is at or below the margin-call ratio {row.ratios.margin_call}; "
                f"at {row.ratios.liquidation} the account is liquidated. Add collateral or repay debt.",
            )
            for row in claimed
        ]
    )
    return [row.account_id for row in claimed]


class _Contended(Exception):
    pass


def _margin_calls_claim(rows: list[risk_selectors.AccountLevel], now: datetime) -> list[risk_selectors.AccountLevel]:
    """The rows whose call this sweep claimed: compare-and-set on the time of the last call read.

    Rows that read the same last-call time are claimed in one statement; if another sweep got to some
    of them first, that statement is rolled back and they are claimed one by one.
    """
    groups = defaultdict(list)
    for row in rows:
        groups[row.margin_call_at].append(row)
    claimed = []
    for last_call, group in groups.items():
        try:
            with transaction.atomic():
                if _claim([row.account_id for row in group], last_call, now) != len(group):
                    raise _Contended
            claimed += group
        except _Contended:
            claimed += [row for row in group if _claim([row.account_id], last_call, now)]
    return claimed


def _claim(account_ids: list[int], last_call: datetime | None, now: datetime) -> int:
    states = AccountRisk.objects.filter(account_id__in=account_ids)
    states = (
        states.filter(margin_call_at__isnull=True) if last_call is None else states.filter(margin_call_at=last_call)
    )
    return states.update(margin_call_at=now)


def sweep_chunks(*, size: int | None = None) -> list[tuple[int, int]]:
    """Account id ranges of about ``size`` ids each: the units several workers can sweep at once."""
    size = size or getattr(django_settings, "MARGINLAB_SWEEP_CHUNK_SIZE", 50000)
    bounds = risk_selectors.margin_account_id_bounds()
    if bounds is None:
        return []
    lo, hi = bounds
    return [(start, min(start + size - 1, hi)) for start in range(lo, hi + 1, size)]


# --- the tick ---------------------------------------------------------------------------------------

TICK_LEASE = "risk:tick"
STAFF_TICK_WAIT = 10.0  # seconds
CHUNK_LEASE_TTL = timedelta(minutes=5)


def sweep_chunk_run(
    *, id_range: tuple[int, int], assets: list[int] | None = None, now: datetime | None = None
) -> SweepResult:
    """Sweep one chunk under its own lease: a chunk never runs twice at once."""
    return _leased(
        f"risk:sweep:{id_range[0]}-{id_range[1]}", lambda: sweep_run(id_range=id_range, assets=assets, now=now)
    )


def _leased(name: str, sweep) -> SweepResult:
    """Run a sweep under its lease; one already running is skipped, not run twice at once."""
    token = lock_acquire(name=name, ttl=CHUNK_LEASE_TTL)
    if token is None:
        logger.info("sweep %s skipped: already running", name)
        return SweepResult()
    try:
        return sweep()
    finally:
        lock_release(name=name, token=token)


EXPOSED_LEASE = "risk:sweep:exposed"


def sweep_all(*, assets: list[int] | None = None, fan_out=None, now: datetime | None = None) -> SweepResult:
    """Every chunk: handed to ``fan_out`` (a Celery group) when there are several, else swept here.

    Swept here, the accounts exposed to a few moved assets take one query: they are a fraction of all,
    and one query over them costs less than one per chunk.
    """
    chunks = sweep_chunks()
    if fan_out is not None and len(chunks) > 1:
        fan_out(chunks, assets)
        return SweepResult()
    if assets is not None and chunks:
        return _leased(EXPOSED_LEASE, lambda: sweep_run(assets=assets, now=now))
    result = SweepResult()
    for chunk in chunks:
        result.merge(sweep_chunk_run(id_range=chunk, assets=assets, now=now))
    return result


@dataclass
class TickResult:
    skipped: bool = False
    moved: dict[str, str] = field(default_factory=dict)
    triggered: int = 0
    filled: int = 0
    sweep: SweepResult = field(default_factory=SweepResult)

    def as_dict(self) -> dict:
        return {
            "skipped": self.skipped,
            "moved": self.moved,
            "orders_triggered": self.triggered,
            "orders_filled": self.filled,
            **self.sweep.as_dict(),
        }


def tick_run(*, moved: list | None = None, fan_out=None, now: datetime | None = None) -> TickResult:
    """New mark prices, then matching of resting orders, then the sweep of the exposed accounts.

    ``moved`` (pairs with their new prices, already written) skips the price source: that is how a
    staff price change runs a tick at once. One tick at a time: a tick that finds the lease taken
    does nothing and the next one catches up.
    """
    from risk.price_feed import prices_advance
    from trading.services.matching import orders_match

    now = now or timezone.now()
    token = lock_acquire(name=TICK_LEASE, ttl=timedelta(seconds=60), now=now)
    # A staff price change must not be lost to a beat tick that happens to be running: it waits a
    # little for the lease. A beat tick that finds it taken just leaves the work to the next one.
    waited = 0.0
    while token is None and moved is not None and waited < STAFF_TICK_WAIT:
        time.sleep(0.1)
        waited += 0.1
        token = lock_acquire(name=TICK_LEASE, ttl=timedelta(seconds=60))
    if token is None:
        return TickResult(skipped=True)
    try:
        moved = prices_advance(now=now) if moved is None else moved
        result = TickResult(moved={pair.symbol: str(price) for pair, price in moved})
        for pair, price in moved:
            matched = orders_match(pair=pair, price=price, now=now)
            result.triggered += matched.triggered
            result.filled += matched.filled
        if moved:
            result.sweep = sweep_all(assets=[pair.base_id for pair, _ in moved], fan_out=fan_out, now=now)
        return result
    finally:
        lock_release(name=TICK_LEASE, token=token)


def history_prune(*, now: datetime | None = None) -> int:
    from trading.services.markets import price_history_prune

    now = now or timezone.now()
    keep = timedelta(days=getattr(django_settings, "MARGINLAB_SNAPSHOT_RETENTION_DAYS", 90))
    deleted = MarginSnapshot.objects.filter(reason=MarginSnapshot.Reason.INTERVAL, created_at__lt=now - keep).delete()[
        0
    ]
    return deleted + price_history_prune(now=now)
