"""Markets, accounts, balances, the ledger, orders and trades.

Every change of a Balance goes through ``trading.services.ledger``; nothing else writes its four
buckets. Margin rules live in ``trading.margin`` (pure) and the services, never in ``save()``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.money import AMOUNT_PLACES


def amount_field(**kwargs) -> models.DecimalField:
    """The one agreed precision for amounts and prices: 32 digits, 8 of them after the point."""
    kwargs.setdefault("default", Decimal(0))
    return models.DecimalField(max_digits=32, decimal_places=AMOUNT_PLACES, **kwargs)


def ratio_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=8, **kwargs)


# --- markets ----------------------------------------------------------------------------------------


class Asset(models.Model):
    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=64, blank=True)
    daily_interest_rate = ratio_field(default=Decimal("0.0002"), help_text="Daily borrow rate, e.g. 0.0002 = 0.02 %.")
    borrowable = models.BooleanField(default=True)
    borrow_limit = amount_field(help_text="Most one margin account may owe of this asset (principal).")
    lending_pool_size = amount_field(help_text="Paper lending pool kept for this asset by `bootstrap`.")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Pair(models.Model):
    class Leverage(models.IntegerChoices):
        X3 = 3, "3x"
        X5 = 5, "5x"
        X10 = 10, "10x"

    symbol = models.CharField(max_length=32, unique=True)
    base = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="base_pairs")
    quote = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="quote_pairs")
    tick_size = amount_field()
    step_size = amount_field()
    min_qty = amount_field()
    min_notional = amount_field()
    max_leverage = models.PositiveSmallIntegerField(choices=Leverage.choices, default=Leverage.X5)
    is_active = models.BooleanField(default=True)
    margin_enabled = models.BooleanField(default=True)
    isolated_enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["symbol"]
        constraints = [
            models.UniqueConstraint(fields=["base", "quote"], name="pair_unique_base_quote"),
            models.CheckConstraint(
                condition=Q(tick_size__gt=0, step_size__gt=0, min_qty__gte=0, min_notional__gte=0),
                name="pair_filters_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.symbol


class MarkPrice(models.Model):
    pair = models.OneToOneField(Pair, on_delete=models.CASCADE, primary_key=True, related_name="mark")
    price = amount_field()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(price__gt=0), name="mark_price_positive")]

    def __str__(self) -> str:
        return f"{self.pair_id}: {self.price}"


class PriceCandle(models.Model):
    """Price history as OHLC candles of mark prices: 1-minute ones kept for days, 1-hour ones for a year."""

    class Interval(models.TextChoices):
        MINUTE = "1m"
        HOUR = "1h"

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="candles")
    interval = models.CharField(max_length=3, choices=Interval.choices)
    open_time = models.DateTimeField()
    open = amount_field()
    high = amount_field()
    low = amount_field()
    close = amount_field()
    ticks = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pair", "interval", "open_time"]
        constraints = [
            models.UniqueConstraint(fields=["pair", "interval", "open_time"], name="candle_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pair_id} {self.interval} {self.open_time:%Y-%m-%d %H:%M} {self.close}"


# --- risk profiles and platform settings ------------------------------------------------------------


class AccountKind(models.TextChoices):
    SPOT = "spot", "Spot wallet"
    CROSS = "cross", "Cross margin"
    ISOLATED = "isolated", "Isolated margin"
    # The USDⓈ-M futures wallet (one per user); its positions live in the futures app, above trading.
    FUTURES = "futures", "USDⓈ-M futures"
    SYSTEM = "system", "System"


class RiskProfile(models.Model):
    name = models.SlugField(max_length=32, unique=True)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class RiskTier(models.Model):
    profile = models.ForeignKey(RiskProfile, on_delete=models.CASCADE, related_name="tiers")
    kind = models.CharField(max_length=8, choices=[(AccountKind.CROSS, "Cross"), (AccountKind.ISOLATED, "Isolated")])
    leverage = models.PositiveSmallIntegerField(choices=Pair.Leverage.choices)
    initial = ratio_field()
    margin_call = ratio_field()
    liquidation = ratio_field()
    transfer_out = ratio_field(default=Decimal(2))

    class Meta:
        ordering = ["profile", "kind", "leverage"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "kind", "leverage"], name="risk_tier_unique"),
            models.CheckConstraint(
                condition=Q(
                    liquidation__gt=1, margin_call__gte=models.F("liquidation"), initial__gt=models.F("margin_call")
                ),
                name="risk_tier_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} {self.kind} {self.leverage}x"


class PlatformSettings(models.Model):
    """The platform's one row of staff-editable trading settings."""

    maker_fee = ratio_field(default=Decimal("0.001"))
    taker_fee = ratio_field(default=Decimal("0.001"))
    slippage_bps = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("5"))
    liquidation_fee = ratio_field(default=Decimal("0.02"))
    risk_profile = models.ForeignKey(RiskProfile, on_delete=models.PROTECT)
    starting_balance = amount_field(default=Decimal("10000"))
    isolated_account_limit = models.PositiveSmallIntegerField(default=10)
    max_fill_notional = amount_field(
        help_text="Market depth: the most one order fills per price tick, in USDT (0 = unlimited). "
        "Orders larger than this fill partly; IOC expires the rest, FOK expires whole."
    )

    class Meta:
        verbose_name_plural = "platform settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="platform_settings_singleton"),
            models.CheckConstraint(
                condition=Q(
                    maker_fee__gte=0,
                    maker_fee__lt=1,
                    taker_fee__gte=0,
                    taker_fee__lt=1,
                    slippage_bps__gte=0,
                    slippage_bps__lt=10000,
                    liquidation_fee__gte=0,
                    liquidation_fee__lt=1,
                ),
                name="platform_settings_sane",
            ),
        ]

    def __str__(self) -> str:
        return "Platform settings"


# --- accounts, balances and the ledger --------------------------------------------------------------


class SystemAccount(models.TextChoices):
    PAPER_FUNDING = "paper_funding", "Paper funding"
    LENDING_POOL = "lending_pool", "Lending pool"
    MARKET = "market", "Market (paper counterparty of fills)"
    FEES = "fees", "Trading fees"
    INTEREST_INCOME = "interest_income", "Interest income"
    INSURANCE_FUND = "insurance_fund", "Insurance fund"


class Account(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="trading_accounts"
    )
    kind = models.CharField(max_length=8, choices=AccountKind.choices)
    pair = models.ForeignKey(Pair, on_delete=models.PROTECT, null=True, blank=True, related_name="isolated_accounts")
    leverage = models.PositiveSmallIntegerField(choices=Pair.Leverage.choices, null=True, blank=True)
    system_code = models.CharField(max_length=32, choices=SystemAccount.choices, null=True, blank=True, unique=True)
    is_frozen = models.BooleanField(default=False, help_text="A frozen account takes no orders, transfers or loans.")
    created_at = models.DateTimeField(auto_now_add=True)
    # Not a column: account_reset sets it on the account it returns (what went back to the spot wallet).
    returned_to_spot: Decimal

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(kind="spot"), name="account_one_spot_per_user"),
            models.UniqueConstraint(fields=["user"], condition=Q(kind="cross"), name="account_one_cross_per_user"),
            models.UniqueConstraint(
                fields=["user", "pair"], condition=Q(kind="isolated"), name="account_one_isolated_per_pair"
            ),
            models.UniqueConstraint(fields=["user"], condition=Q(kind="futures"), name="account_one_futures_per_user"),
            models.CheckConstraint(
                condition=(
                    Q(kind="system", user__isnull=True, system_code__isnull=False, pair__isnull=True)
                    | Q(
                        kind="spot",
                        user__isnull=False,
                        system_code__isnull=True,
                        pair__isnull=True,
                        leverage__isnull=True,
                    )
                    | Q(
                        kind="cross",
                        user__isnull=False,
                        system_code__isnull=True,
                        pair__isnull=True,
                        leverage__isnull=False,
                        leverage__in=[3, 5],
                    )
                    | Q(
                        kind="isolated",
                        user__isnull=False,
                        system_code__isnull=True,
                        pair__isnull=False,
                        leverage__isnull=False,
                    )
                    | Q(
                        kind="futures",
                        user__isnull=False,
                        system_code__isnull=True,
                        pair__isnull=True,
                        leverage__isnull=True,
                    )
                ),
                name="account_kind_shape",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == AccountKind.SYSTEM:
            return f"system:{self.system_code}"
        if self.kind == AccountKind.ISOLATED:
            return f"#{self.pk} isolated {self.pair and self.pair.symbol}"
        return f"#{self.pk} {self.kind}"

    @property
    def isolated_pair(self) -> Pair:
        """`pair` for code that only ever sees isolated accounts: typed `Pair`, not `Pair | None`."""
        if self.pair is None:
            raise ValueError(f"account #{self.pk} is {self.kind}, not isolated: it has no pair")
        return self.pair

    @property
    def is_margin(self) -> bool:
        return self.kind in (AccountKind.CROSS, AccountKind.ISOLATED)


class Bucket(models.TextChoices):
    FREE = "free"
    LOCKED = "locked"
    BORROWED = "borrowed"
    INTEREST = "interest"


# Holdings count plus, debts minus: every journal entry nets to zero per asset under these weights.
BUCKET_WEIGHT: dict[str, int] = {Bucket.FREE: 1, Bucket.LOCKED: 1, Bucket.BORROWED: -1, Bucket.INTEREST: -1}


class Balance(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="balances")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="balances")
    free = amount_field()
    locked = amount_field()
    borrowed = amount_field()
    interest = amount_field()
    # Copied from the account at creation so that a CHECK constraint can keep user balances >= 0 while
    # system accounts may go negative (paper funding is the source of all paper money).
    is_system = models.BooleanField(default=False)
    # Interest bookkeeping (not ledger balances): the exact, unrounded interest ever accrued on this
    # balance, and the clock hour up to which it has been charged.
    interest_accrued_exact = models.DecimalField(max_digits=40, decimal_places=18, default=Decimal(0))
    interest_charged_hour = models.DateTimeField(null=True, blank=True)
    # Position bookkeeping: average entry price of the net position, reset when it goes flat.
    entry_price = models.DecimalField(max_digits=32, decimal_places=AMOUNT_PLACES, null=True, blank=True)

    class Meta:
        ordering = ["account_id", "asset_id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "asset"], name="balance_unique_account_asset"),
            models.CheckConstraint(
                condition=Q(is_system=True) | Q(free__gte=0, locked__gte=0, borrowed__gte=0, interest__gte=0),
                name="balance_user_not_negative",
            ),
        ]
        indexes = [
            # The risk sweep values every account from its balances: on PostgreSQL this covering index
            # lets it read them without touching the table (an index-only scan, in account order).
            models.Index(
                fields=["account", "asset"],
                include=["free", "locked", "borrowed", "interest"],
                condition=Q(is_system=False),
                name="balance_valuation",
            ),
            # A one-pair tick finds the accounts exposed to the asset that moved.
            models.Index(fields=["asset", "account"], condition=Q(is_system=False), name="balance_exposure"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.asset_id}"

    @property
    def net(self) -> Decimal:
        return self.free + self.locked - self.borrowed - self.interest


class JournalEntry(models.Model):
    class Kind(models.TextChoices):
        BOOTSTRAP = "bootstrap"
        FUNDING = "funding"
        TRANSFER = "transfer"
        BORROW = "borrow"
        REPAY = "repay"
        INTEREST = "interest"
        TRADE = "trade"
        LOCK = "lock"
        UNLOCK = "unlock"
        LIQUIDATION = "liquidation"
        RESET = "reset"
        # USDⓈ-M futures: funding payments, and margin moved into or out of an isolated position.
        FUNDING_FEE = "funding_fee"
        POSITION_MARGIN = "position_margin"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="journal_entries"
    )
    memo = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class LedgerLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    balance = models.ForeignKey(Balance, on_delete=models.PROTECT, related_name="ledger_lines")
    bucket = models.CharField(max_length=8, choices=Bucket.choices)
    amount = models.DecimalField(max_digits=32, decimal_places=AMOUNT_PLACES)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["balance", "bucket"], name="ledgerline_balance_bucket")]

    def __str__(self) -> str:
        return f"{self.bucket} {self.amount:+}"


# --- money movements --------------------------------------------------------------------------------


class Transfer(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="transfers")
    from_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="transfers_out")
    to_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="transfers_in")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT)
    amount = amount_field()
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.amount} {self.asset_id} #{self.from_account_id} -> #{self.to_account_id}"


class LoanEvent(models.Model):
    """A borrow, a repayment or an hourly interest charge, as the user sees it in their history."""

    class Kind(models.TextChoices):
        BORROW = "borrow"
        REPAY = "repay"
        INTEREST = "interest"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="loan_events")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    principal = amount_field()
    interest = amount_field()
    order = models.ForeignKey("Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="loan_events")
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.asset_id} principal {self.principal} interest {self.interest}"


# --- orders and trades ------------------------------------------------------------------------------


class Order(models.Model):
    class Side(models.TextChoices):
        BUY = "BUY"
        SELL = "SELL"

    class Type(models.TextChoices):
        MARKET = "MARKET"
        LIMIT = "LIMIT"
        LIMIT_MAKER = "LIMIT_MAKER"
        STOP_LOSS_LIMIT = "STOP_LOSS_LIMIT"
        TAKE_PROFIT_LIMIT = "TAKE_PROFIT_LIMIT"

    class TimeInForce(models.TextChoices):
        GTC = "GTC"
        IOC = "IOC"
        FOK = "FOK"

    class SideEffect(models.TextChoices):
        NO_SIDE_EFFECT = "NO_SIDE_EFFECT"
        MARGIN_BUY = "MARGIN_BUY"
        AUTO_REPAY = "AUTO_REPAY"
        AUTO_BORROW_REPAY = "AUTO_BORROW_REPAY"

    class Status(models.TextChoices):
        NEW = "NEW"
        PARTIALLY_FILLED = "PARTIALLY_FILLED"
        FILLED = "FILLED"
        CANCELED = "CANCELED"
        EXPIRED = "EXPIRED"
        REJECTED = "REJECTED"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="orders")
    pair = models.ForeignKey(Pair, on_delete=models.PROTECT, related_name="orders")
    side = models.CharField(max_length=4, choices=Side.choices)
    type = models.CharField(max_length=20, choices=Type.choices)
    time_in_force = models.CharField(max_length=3, choices=TimeInForce.choices, blank=True)
    side_effect = models.CharField(max_length=20, choices=SideEffect.choices, default=SideEffect.NO_SIDE_EFFECT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    quantity = amount_field(null=True, blank=True, default=None)
    quote_quantity = amount_field(null=True, blank=True, default=None)
    price = amount_field(null=True, blank=True, default=None)
    stop_price = amount_field(null=True, blank=True, default=None)
    client_order_id = models.CharField(max_length=36)
    executed_qty = amount_field()
    cummulative_quote_qty = amount_field()
    borrowed_amount = amount_field(help_text="What the MARGIN_BUY side effect borrowed for this order.")
    borrowed_asset = models.ForeignKey(Asset, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Repay what the order borrowed when it is cancelled or expires (Binance's autoRepayAtCancel).
    auto_repay_at_cancel = models.BooleanField(default=True)
    # Funds this order still holds in the account's locked bucket (quote for a buy, base for a sell).
    locked_amount = amount_field()
    # False for a stop order until its stop price is reached (Binance's isWorking).
    is_working = models.BooleanField(default=True)
    order_list = models.ForeignKey("OrderList", on_delete=models.CASCADE, null=True, blank=True, related_name="orders")
    status_reason = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "client_order_id"], name="order_unique_client_id"),
            models.CheckConstraint(condition=Q(locked_amount__gte=0), name="order_locked_not_negative"),
        ]
        indexes = [
            # The matcher's scan: open orders of one pair.
            models.Index(fields=["pair", "status", "is_working"], name="order_open_by_pair"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type} {self.side} {self.pair_id}"


# The statuses of an order still on the book: the one definition (matching, cancels, liquidation, the lists).
OPEN_STATUSES = (Order.Status.NEW, Order.Status.PARTIALLY_FILLED)


class OrderList(models.Model):
    """Two orders that cancel each other (OCO): a limit leg and a stop-limit leg sharing one lock."""

    class Status(models.TextChoices):
        EXECUTING = "EXECUTING"
        ALL_DONE = "ALL_DONE"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="order_lists")
    contingency_type = models.CharField(max_length=8, default="OCO")
    list_client_order_id = models.CharField(max_length=36)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.EXECUTING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "list_client_order_id"], name="orderlist_unique_client_id"),
        ]

    def __str__(self) -> str:
        return f"OCO #{self.pk}"


class Trade(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="trades")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="trades")
    pair = models.ForeignKey(Pair, on_delete=models.PROTECT)
    side = models.CharField(max_length=4, choices=Order.Side.choices)
    price = amount_field()
    quantity = amount_field()
    quote_quantity = amount_field()
    fee = amount_field()
    fee_asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    is_maker = models.BooleanField(default=False)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="trades")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} {self.pair_id} @ {self.price}"
