"""Accounts and their balances."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.money import AMOUNT_PLACES

from .fields import amount_field
from .markets import Asset, Market, Pair


class AccountKind(models.TextChoices):
    SPOT = "spot", "Spot wallet"
    CROSS = "cross", "Cross margin"
    ISOLATED = "isolated", "Isolated margin"
    # The USDⓈ-M futures wallet (one per user); its positions live in the futures app, above trading.
    FUTURES = "futures", "USDⓈ-M futures"
    SYSTEM = "system", "System"


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
    # One system account per code in the main market; a market of its own (a class's) has its own lending
    # pool and insurance fund (``trading.services.ledger.MARKET_KEYED``), with ``market`` set. NULL (not "")
    # for every other account, as before: the check constraints below and the unique ones test for NULL.
    system_code = models.CharField(  # noqa: DJ001
        max_length=32, choices=SystemAccount.choices, null=True, blank=True
    )
    is_frozen = models.BooleanField(default=False, help_text="A frozen account takes no orders, transfers or loans.")
    created_at = models.DateTimeField(auto_now_add=True)
    # NULL: the main market. A market's accounts belong to a user of their own (a classroom membership's),
    # so the per-user constraints below hold per market without a change.
    market = models.ForeignKey(Market, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts")
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
            models.UniqueConstraint(
                fields=["system_code"],
                condition=Q(system_code__isnull=False, market__isnull=True),
                name="account_one_system_code_main",
            ),
            models.UniqueConstraint(
                fields=["system_code", "market"],
                condition=Q(system_code__isnull=False, market__isnull=False),
                name="account_one_system_code_per_market",
            ),
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
                        # 3x and 5x: Cross Margin Classic; 10x: Cross Margin Pro (Binance's maxLeverage "3, 5
                        # or 10", trading.services.accounts.CROSS_LEVERAGES).
                        leverage__in=[3, 5, 10],
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
    # No index of its own: balance_unique_account_asset (account, asset) serves every look-up by account
    # (issue 15: one index fewer to write on every balance UPDATE).
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="balances", db_index=False)
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
