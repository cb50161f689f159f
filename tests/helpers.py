"""Small helpers shared by tests: account lookups and the ledger check."""

import multiprocessing
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from trading.models import Account, AccountKind, Balance
from trading.selectors import account_summary_get
from trading.services.loans import loan_borrow
from trading.services.transfers import transfer_create

PASSWORD = "correct-horse-battery-staple"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Numbers that Python's Decimal() reads but that are no plain decimal: every door refuses them (the web
# forms, /api/v1 and the Binance API reuse this list).
NON_CANONICAL_NUMBERS = [
    ("underscore", "1_000"),
    ("fullwidth", "\uff11\uff10"),
    ("arabic-indic", "\u0661\u0660"),
    ("exponent", "1e3"),
    ("nan", "NaN"),
    ("infinity", "Infinity"),
    ("leading-space", " 1"),
    ("trailing-newline", "1\n"),
    ("plus", "+1"),
    ("bare-dot", ".5"),
    ("trailing-dot", "5."),
    ("hex", "0x10"),
]
# The few that each door's own test sends (the whole list goes through the one reader in test_bad_input).
DOOR_NUMBERS = NON_CANONICAL_NUMBERS[:4]


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
    if settings.REDIS_URL:
        return settings.REDIS_URL
    if IN_CI:
        pytest.fail("CI must run this test against Redis: set REDIS_URL=redis://...")
    pytest.skip("needs Redis (set REDIS_URL=redis://...); runs in CI")


def wait_for(condition, *, timeout: float = 30.0, interval: float = 0.1):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {getattr(condition, '__name__', condition)}")


def hang_at(inside) -> Callable:
    """A stand-in that marks ``inside`` and hangs: patched into a child, it stops it at that point."""

    def hang(*args, **kwargs):
        inside.set()
        threading.Event().wait(600)

    return hang


def kill_when_inside(target: Callable, *args, while_inside: Callable[[], None] = lambda: None) -> None:
    """A worker SIGKILLed at a chosen point: fork a child running ``target(inside, *args)``, wait until it
    sets ``inside`` (see ``hang_at``), run ``while_inside`` and kill it."""
    connections.close_all()  # the child must never share the parent's sockets
    context = multiprocessing.get_context("fork")
    inside = context.Event()
    child = context.Process(target=target, args=(inside, *args))
    child.start()
    try:
        assert inside.wait(60), "the child never reached the point where it is killed"
        while_inside()
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)
    finally:
        if child.is_alive():
            child.kill()
    assert child.exitcode == -signal.SIGKILL


UNIT = Decimal("0.00000001")  # the smallest amount: one more than a maximum


def cross_owing(user, *, hours_ago: int = 3) -> Account:
    """The user's cross account (3x) with 1000 USDT of their own and a 500 USDT loan taken ``hours_ago``
    clock hours back, whose due hours are not charged yet: a maximum shown now must count them."""
    account = cross(user)
    transfer_create(user=user, from_account_id=spot(user).pk, to_account_id=account.pk, asset="USDT", amount="1000")
    loan_borrow(
        user=user, account_id=account.pk, asset="USDT", amount="500", now=timezone.now() - timedelta(hours=hours_ago)
    )
    return account


def margin_call_price(account) -> Decimal:
    """An ETH price that puts the isolated account just under its margin-call line (classic: 1.1)."""
    summary = account_summary_get(account=account)
    eth = next(b for b in summary.balances if b.asset.code == "ETH")
    usdt = next(b for b in summary.balances if b.asset.code == "USDT")
    price = (Decimal("1.08") * (usdt.borrowed + usdt.interest) - usdt.free) / (eth.free + eth.locked)
    return price.quantize(Decimal("0.01"))


def weights_of_this_test(monkeypatch) -> None:
    """Binance weights counted in a cache of this test's own, on a clock stopped in the middle of a minute.

    The counts live in the cache, which outlives a test (and is Redis, shared by parallel workers, when
    REDIS_URL is set); and a minute that turns between two requests would start the count again.
    """
    from django.core.cache.backends.locmem import LocMemCache

    from trading.binance import throttling

    monkeypatch.setattr(throttling.counter, "cache", LocMemCache(f"binance-weights-{uuid.uuid4().hex}", {}))
    minute = int(time.time()) // throttling.WINDOW_SECONDS * throttling.WINDOW_SECONDS
    monkeypatch.setattr(throttling, "clock", lambda: minute + throttling.WINDOW_SECONDS / 2)
