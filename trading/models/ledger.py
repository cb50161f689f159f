"""The journal, its lines, transfers and loan events."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.money import AMOUNT_PLACES

from .accounts import Account, Balance, Bucket
from .fields import amount_field
from .markets import Asset


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
    # Indexed by ledgerline_balance_bucket (balance, bucket), which serves a look-up by balance alone too.
    balance = models.ForeignKey(Balance, on_delete=models.PROTECT, related_name="ledger_lines", db_index=False)
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
