"""What the trading and risk views share: the ownership check and the account's display name."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps

from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect

from accounts import selectors as account_selectors
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Notification
from core.errors import ApplicationError, NotFound
from trading import selectors
from trading.models import Account, AccountKind

HISTORY_ROWS = 50


def own_account(request: AuthenticatedHttpRequest, account_id) -> Account:
    """The signed-in user's account, or a 404 (another user's id, a system account, junk)."""
    try:
        return selectors.account_get_for_user(user=request.user, account_id=account_id)
    except NotFound:
        raise Http404("Account not found.") from None


def account_name(account: Account) -> str:
    if account.kind == AccountKind.ISOLATED:
        return f"Isolated {account.isolated_pair.symbol}"
    return account.get_kind_display()


def max_safely(compute: Callable[[], Decimal]) -> Decimal | None:
    """A maximum to show beside a form, or None when it cannot be known now (e.g. no price yet)."""
    try:
        return compute()
    except ApplicationError:
        return None


def liquidation_notices(*, user) -> dict[int, Notification]:
    """Per account, its latest liquidation notice the user has not read yet.

    The engine sets a liquidated account back to NORMAL (it holds no debt any more), so without this the card
    would look healthy at once; it shows LIQUIDATED until the user has read the notice."""
    notices = account_selectors.notification_list(user=user).filter(
        kind=Notification.Kind.LIQUIDATION, read_at__isnull=True, account_ref__isnull=False
    )
    found: dict[int, Notification] = {}
    for notice in notices[:50]:  # newest first: keep the latest per account
        if notice.account_ref is not None:  # always, by the filter; for the type checker
            found.setdefault(notice.account_ref, notice)
    return found


def liquidation_trades(trades) -> list:
    """The trades, each marked ``liquidation`` when the engine's forced close made it; the liquidation fee
    (charged once for the whole liquidation, not per fill) is put on one trade of each liquidation."""
    rows = list(trades)
    seen: set[int] = set()
    for trade in rows:
        trade.liquidation = trade.order.status_reason == "Liquidation"
        trade.liquidation_fee = None
        if trade.liquidation and trade.entry_id not in seen:
            seen.add(trade.entry_id)
            record = getattr(trade.entry, "liquidation", None)  # the risk engine's record of this entry
            trade.liquidation_fee = record.fee if record is not None else None
    return rows


def post_or_back(view):
    """POST only; a GET (a reload after a form error left the browser on the form's address, a bookmark) goes
    back to the account page, or the dashboard, instead of a bare 405. Other methods still get 405."""

    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            if "account_id" in kwargs:
                return redirect("account", account_id=kwargs["account_id"])
            return redirect("dashboard")
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, *args, **kwargs)

    return wrapped
