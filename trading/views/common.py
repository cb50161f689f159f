"""What the trading and risk views share: the ownership check and the account's display name."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.http import Http404, HttpRequest

from core.errors import ApplicationError, NotFound
from trading import selectors
from trading.models import Account, AccountKind

HISTORY_ROWS = 50


def own_account(request: HttpRequest, account_id) -> Account:
    """The signed-in user's account, or a 404 (another user's id, a system account, junk)."""
    try:
        return selectors.account_get_for_user(user=request.user, account_id=account_id)
    except NotFound:
        raise Http404("Account not found.") from None


def account_name(account: Account) -> str:
    if account.kind == AccountKind.ISOLATED:
        return f"Isolated {account.pair.symbol}"
    return account.get_kind_display()


def max_safely(compute: Callable[[], Decimal]) -> Decimal | None:
    """A maximum to show beside a form, or None when it cannot be known now (e.g. no price yet)."""
    try:
        return compute()
    except ApplicationError:
        return None
