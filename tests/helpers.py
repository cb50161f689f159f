"""Small helpers shared by tests: account lookups and the ledger check."""

import os
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from trading.models import Account, AccountKind, Balance

PASSWORD = "correct-horse-battery-staple"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def spot(user) -> Account:
    return Account.objects.get(user=user, kind=AccountKind.SPOT)


def cross(user) -> Account:
    return Account.objects.get(user=user, kind=AccountKind.CROSS)


def bal(account: Account, asset: str) -> Balance:
    return Balance.objects.filter(account=account, asset__code=asset).first() or Balance(account=account)


def amounts(account: Account, asset: str) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    b = bal(account, asset)
    return (b.free, b.locked, b.borrowed, b.interest)


def assert_ledger_clean() -> None:
    call_command("check_ledger")


def require_postgres():
    """Skip outside CI when the database is not PostgreSQL; in CI, fail instead of skipping."""
    if connection.vendor == "postgresql":
        return
    if IN_CI:
        pytest.fail("CI must run this test on PostgreSQL: set DATABASE_URL=postgres://...")
    pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...); runs in CI")


def require_redis() -> str:
    """Skip outside CI without REDIS_URL; in CI, fail instead of skipping."""
    from django.conf import settings

    if settings.REDIS_URL:
        return settings.REDIS_URL
    if IN_CI:
        pytest.fail("CI must run this test against Redis: set REDIS_URL=redis://...")
    pytest.skip("needs Redis (set REDIS_URL=redis://...); runs in CI")


def wait_for(condition, *, timeout: float = 30.0, interval: float = 0.1):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {getattr(condition, '__name__', condition)}")
