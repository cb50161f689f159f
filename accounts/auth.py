"""django-axes' view of a sign-in attempt."""

from __future__ import annotations

from accounts.usernames import username_key


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The username axes counts failures under, folded as sign-in folds it: otherwise "Alice", "ALICE" and
    "alice" would be three budgets of failures for one account."""
    if credentials:
        username = credentials.get("username")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        username = data.get("username")
    return username_key(username) if isinstance(username, str) else None
