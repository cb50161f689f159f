"""Orders, OCO order lists and trades."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .accounts import Account
from .fields import amount_field
from .ledger import JournalEntry
from .markets import Asset, Pair


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

    # Neither has an index of its own: order_unique_client_id (account, client_order_id) and order_open_by_pair
    # (pair, status, is_working) serve the look-ups by account and by pair (issue 15: fewer indexes per INSERT).
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="orders", db_index=False)
    pair = models.ForeignKey(Pair, on_delete=models.PROTECT, related_name="orders", db_index=False)
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
