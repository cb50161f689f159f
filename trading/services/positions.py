"""Position bookkeeping kept beside the balances (not a ledger balance: the average entry price)."""

from __future__ import annotations

from decimal import Decimal

from trading import margin
from trading.models import Balance


def entry_price_update(
    *, balance: Balance, net_before: Decimal, price: Decimal, deferred: set[Balance] | None = None
) -> None:
    """Move the (locked) balance's average entry price after its net position changed at ``price``.
    With ``deferred`` (a batch's), the balance joins it to be saved with the others in one statement."""
    entry = margin.entry_price_after(
        net_before=net_before, entry_before=balance.entry_price, net_after=balance.net, price=price
    )
    if entry != balance.entry_price:
        balance.entry_price = entry
        if deferred is None:
            balance.save(update_fields=["entry_price"])
        else:
            deferred.add(balance)
