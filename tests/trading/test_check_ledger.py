"""`manage.py check_ledger`: quiet success on a sound ledger, a named difference on a tampered one.

Tampering writes straight to the tables (``.update()``), the one thing the services never do.
"""

from datetime import UTC, datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from tests.helpers import bal, cross, spot
from trading.models import Asset, Balance, JournalEntry, LedgerLine, SystemAccount
from trading.services.ledger import system_balance
from trading.services.loans import loan_borrow
from trading.services.orders import order_place
from trading.services.transfers import transfer_create

NOW = datetime(2026, 11, 21, 13, 55, tzinfo=UTC)


def check_ledger() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("check_ledger", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def check_ledger_fails() -> tuple[CommandError, str]:
    err = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("check_ledger", stdout=StringIO(), stderr=err)
    return info.value, err.getvalue()


@pytest.fixture
def busy(alice, set_prices):
    """A ledger with a bit of everything: funding, a transfer, a loan with interest and a trade."""
    set_prices(ETHUSDT="3500")
    c = cross(alice)
    transfer_create(user=alice, from_account_id=spot(alice).pk, to_account_id=c.pk, asset="USDT", amount="1000")
    loan_borrow(user=alice, account_id=c.pk, asset="USDT", amount="500", now=NOW)
    order_place(user=alice, account_id=c.pk, symbol="ETHUSDT", side="BUY", quantity="0.2", now=NOW)
    return c


def test_a_sound_ledger_passes(busy):
    out, err = check_ledger()
    assert "ledger check: every entry balances and every balance matches its journal" in out
    assert err == ""


def test_a_fresh_platform_passes(platform):
    out, _ = check_ledger()
    assert "ledger check" in out


@pytest.mark.parametrize("bucket", ["free", "locked", "borrowed", "interest"])
def test_a_tampered_user_balance_is_named(busy, bucket):
    balance = bal(busy, "USDT")
    stored = getattr(balance, bucket)
    Balance.objects.filter(pk=balance.pk).update(**{bucket: F(bucket) + D("0.5")})

    error, err = check_ledger_fails()

    assert str(error) == "ledger check failed: 1 difference(s)"
    assert error.returncode == 1  # what `manage.py check_ledger` exits with
    assert err.strip() == (
        f"balance #{balance.pk} (#{busy.pk} cross USDT) {bucket}: stored {stored + D('0.5'):.8f}, journal {stored:.8f}"
    )


def test_a_tampered_system_balance_is_named(busy):
    pool = system_balance(SystemAccount.LENDING_POOL, Asset.objects.get(code="USDT"))
    Balance.objects.filter(pk=pool.pk).update(borrowed=F("borrowed") - 1)

    _, err = check_ledger_fails()

    assert f"balance #{pool.pk} (system:lending_pool USDT) borrowed: stored" in err


def test_a_one_satoshi_tamper_of_a_billion_sized_balance_is_noticed(busy):
    # The USDT lending pool holds about 1e9: a difference in the 8th decimal is 18 significant digits.
    pool = system_balance(SystemAccount.LENDING_POOL, Asset.objects.get(code="USDT"))
    Balance.objects.filter(pk=pool.pk).update(free=F("free") + D("0.00000001"))

    _, err = check_ledger_fails()

    assert f"balance #{pool.pk} (system:lending_pool USDT) free: stored" in err


def test_a_tampered_line_unbalances_its_entry_and_its_balance(busy):
    entry = JournalEntry.objects.filter(kind=JournalEntry.Kind.TRANSFER).get()
    line = entry.lines.get(balance__account=busy)
    LedgerLine.objects.filter(pk=line.pk).update(amount=F("amount") + 7)

    error, err = check_ledger_fails()

    assert str(error) == "ledger check failed: 2 difference(s)"
    problems = err.strip().splitlines()
    assert problems[0] == f"entry #{entry.pk} USDT does not balance: off by 7.00000000"
    assert problems[1].startswith(f"balance #{line.balance_id} (#{busy.pk} cross USDT) free: stored")


def test_a_line_and_its_balance_changed_together_still_unbalance_the_entry(busy):
    # Someone "fixed" a balance and its line by hand: every balance matches its journal, the entry does not.
    entry = JournalEntry.objects.filter(kind=JournalEntry.Kind.TRANSFER).get()
    line = entry.lines.get(balance__account=busy)
    LedgerLine.objects.filter(pk=line.pk).update(amount=F("amount") + 7)
    Balance.objects.filter(pk=line.balance_id).update(free=F("free") + 7)

    error, err = check_ledger_fails()

    assert str(error) == "ledger check failed: 1 difference(s)"
    assert err.strip() == f"entry #{entry.pk} USDT does not balance: off by 7.00000000"


def test_a_line_moved_to_another_bucket_is_noticed(busy):
    # free -> locked keeps the entry balanced (both count as holdings) but the balance no longer matches.
    entry = JournalEntry.objects.filter(kind=JournalEntry.Kind.TRANSFER).get()
    line = entry.lines.get(balance__account=busy)
    LedgerLine.objects.filter(pk=line.pk).update(bucket="locked")

    _, err = check_ledger_fails()

    assert f"(#{busy.pk} cross USDT) free: stored" in err
    assert f"(#{busy.pk} cross USDT) locked: stored" in err
    assert "does not balance" not in err


def test_a_deleted_line_is_noticed(busy):
    entry = JournalEntry.objects.filter(kind=JournalEntry.Kind.TRANSFER).get()
    entry.lines.get(balance__account=busy).delete()

    error, err = check_ledger_fails()

    assert f"entry #{entry.pk} USDT does not balance: off by -1000.00000000" in err
    assert str(error) == "ledger check failed: 2 difference(s)"
