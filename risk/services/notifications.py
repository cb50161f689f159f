"""What the risk engine tells account owners: an in-app notification, and an e-mail after commit."""

from __future__ import annotations

from functools import partial

from django.core.mail import send_mail
from django.db import transaction

from accounts.models import Notification
from core.bulk import rows_insert
from trading.models import Account


def account_name(account: Account) -> str:
    return f"isolated {account.pair.symbol} account" if account.pair else "cross margin account"


def _owner_id(account: Account) -> int:
    if account.user_id is None:
        raise ValueError(f"account #{account.pk} is a system account: nobody to notify")
    return account.user_id


def notify(account: Account, *, kind: str, title: str, body: str) -> None:
    notify_all([(account, kind, title, body)])


def notify_all(messages: list[tuple[Account, str, str, str]]) -> None:
    """In-app notifications in one statement, and an e-mail to each owner who gave an address."""
    rows_insert(
        [
            Notification(user_id=_owner_id(account), kind=kind, title=title, body=body, account_ref=account.pk)
            for account, kind, title, body in messages
        ]
    )
    for account, _kind, title, body in messages:
        email = account.user.email if account.user else ""
        if email:
            # After commit: a rolled-back liquidation must not have mailed anybody.
            transaction.on_commit(partial(send_mail, f"[MarginLab] {title}", body, None, [email], fail_silently=True))
