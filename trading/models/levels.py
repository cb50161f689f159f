"""The margin level of a margin account after every journal entry on it (issue 17, issue 19 item 5).

Written by the ledger itself (``ledger_post``, with each entry, from ``trading.services.levels.margin_point_rows``),
so every trade, borrow, repayment, transfer, interest charge, liquidation and reset leaves one, without a call
in each service. With the holdings and mark prices of the moment, so a replay never needs today's prices.
"""

from __future__ import annotations

from django.db import models

from .accounts import Account
from .ledger import JournalEntry


class MarginPoint(models.Model):
    # Indexed by marginpoint_account_time (account, created_at), which serves a look-up by account alone too.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="margin_points", db_index=False)
    # A transfer between two margin accounts is one entry and two points.
    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="margin_points")
    kind = models.CharField(max_length=16, choices=JournalEntry.Kind.choices)
    margin_level = models.DecimalField(max_digits=40, decimal_places=18, null=True, blank=True)
    asset_value = models.DecimalField(max_digits=32, decimal_places=8)
    debt_value = models.DecimalField(max_digits=32, decimal_places=8)
    prices = models.JSONField(help_text="Mark price of each asset held, as text.")
    holdings = models.JSONField(help_text="Each asset's [free, locked, borrowed, interest] after the entry, as text.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "created_at"], name="marginpoint_account_time")]

    def __str__(self) -> str:
        return f"#{self.account_id} {self.kind} {self.margin_level}"
