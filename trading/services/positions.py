"""Position bookkeeping kept beside the balances (not a ledger balance: the average entry price)."""

from __future__ import annotations

from decimal import Decimal

from trading import margin
from trading.models import Balance


def entry_price_update(*, balance: Balance, net_before: Decimal, price: Decimal) -> None:
    """Move the (locked) balance's average entry price after its net position changed at ``price``."""
    entry = margin.entry_price_after(
        net_before=net_before, entry_before=balance.entry_price, net_after=balance.net, price=price
    )
    if entry != balance.entry_price:
        balance.entry_price = entry
        balance.save(update_fields=["entry_price"])
