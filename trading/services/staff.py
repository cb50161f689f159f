"""Staff levers on accounts and markets that the admin pulls: freezing, and price shocks.

Crediting paper funds is ``accounts.paper_funds_credit``; running the risk engine on a new price is the
risk app's (``risk.staff``), which builds on these.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from core.errors import ApplicationError, NotFound
from core.money import parse_decimal
from trading import margin, selectors
from trading.models import Account, AccountKind, MarkPrice
from trading.services.ledger import accounts_lock
from trading.services.markets import mark_price_set

# A shock is a move of the mark price by a percentage: -99.99 % to +1000 %.
SHOCK_MIN, SHOCK_MAX = Decimal("-99.99"), Decimal("1000")


def account_freeze_set(*, account_id: int, frozen: bool) -> Account:
    """Freeze (no orders, transfers or loans; the risk engine still watches it) or unfreeze an account."""
    with transaction.atomic():
        account = accounts_lock(account_id).get(int(account_id))
        if account is None or account.kind == AccountKind.SYSTEM:
            raise NotFound("Account not found.")
        if account.is_frozen != bool(frozen):
            account.is_frozen = bool(frozen)
            account.save(update_fields=["is_frozen"])
    return account


def clean_percent(value) -> Decimal:
    percent: Decimal | None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        percent = Decimal(value)
    else:  # the admin's form gives text: read as every amount is (core.money)
        percent = parse_decimal(value.strip()) if isinstance(value, str) else None
    if percent is None or not percent.is_finite() or not SHOCK_MIN <= percent <= SHOCK_MAX or percent == 0:
        message = f"Give a non-zero percentage from {SHOCK_MIN} to {SHOCK_MAX}, e.g. -15 or 7.5."
        raise ApplicationError(message, fields={"percent": [message]})
    return percent


def pair_shock_price(*, symbol: str, percent) -> MarkPrice:
    """Move a pair's mark price by ``percent`` (on the pair's tick, never below one tick) and record it."""
    percent = clean_percent(percent)
    pair = selectors.pair_get(symbol=symbol)
    current = selectors.mark_price_get(pair=pair)
    shocked = margin.round_half_up(current * (1 + percent / 100), pair.tick_size)
    return mark_price_set(symbol=pair.symbol, price=max(shocked, pair.tick_size))
