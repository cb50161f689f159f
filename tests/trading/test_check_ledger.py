"""`manage.py check_ledger`: quiet success on a sound ledger, a named difference on a tampered one.

Tampering writes straight to the tables (``.update()``), the one thing the services never do.
"""

import re
from datetime import UTC, datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from tests.helpers import bal, cross, require_postgres, spot
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


# "balance #56 (account #8 USDT) free: stored 800.15000000, journal 799.65000000"
BALANCE_DIFFERENCE = re.compile(
    r"^balance #(?P<balance>\d+) \((?P<where>[^)]*)\) (?P<bucket>\w+): stored (?P<stored>\S+), journal (?P<journal>\S+)$"
)


def balance_differences(err: str) -> list[dict]:
    """The balance lines of the report, parsed; the numbers as Decimals."""
    found = []
    for line in err.strip().splitlines():
        match = BALANCE_DIFFERENCE.match(line)
        if match:
            found.append(match.groupdict() | {"stored": D(match["stored"]), "journal": D(match["journal"])})
    return found


def names(where: str, account_id: int, asset: str) -> bool:
    return re.search(rf"#{account_id}\b", where) is not None and asset in where


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
    [difference] = balance_differences(err)
    assert difference["balance"] == str(balance.pk)
    assert names(difference["where"], busy.pk, "USDT")
    assert difference["bucket"] == bucket
    assert (difference["stored"], difference["journal"]) == (stored + D("0.5"), stored)


def test_a_tampered_system_balance_is_named(busy):
    pool = system_balance(SystemAccount.LENDING_POOL, Asset.objects.get(code="USDT"))
    Balance.objects.filter(pk=pool.pk).update(borrowed=F("borrowed") - 1)

    _, err = check_ledger_fails()

    [difference] = balance_differences(err)
    assert difference["balance"] == str(pool.pk) and difference["bucket"] == "borrowed"
    assert names(difference["where"], pool.account_id, "USDT")
    assert difference["stored"] == difference["journal"] - 1


def test_a_one_satoshi_tamper_of_a_billion_sized_balance_is_noticed(busy):
    # The USDT lending pool holds about 1e9: a change in the 8th decimal is the 18th significant digit,
    # which SQLite's floating-point storage cannot even keep. PostgreSQL's NUMERIC must show it.
    require_postgres()
    pool = system_balance(SystemAccount.LENDING_POOL, Asset.objects.get(code="USDT"))
    Balance.objects.filter(pk=pool.pk).update(free=F("free") + D("0.00000001"))

    _, err = check_ledger_fails()

    [difference] = balance_differences(err)
    assert difference["balance"] == str(pool.pk) and difference["bucket"] == "free"
    assert difference["stored"] - difference["journal"] == D("0.00000001")


def test_a_tampered_line_unbalances_its_entry_and_its_balance(busy):
    entry = JournalEntry.objects.filter(kind=JournalEntry.Kind.TRANSFER).get()
    line = entry.lines.get(balance__account=busy)
    LedgerLine.objects.filter(pk=line.pk).update(amount=F("amount") + 7)

    error, err = check_ledger_fails()

    assert str(error) == "ledger check failed: 2 difference(s)"
    problems = err.strip().splitlines()
    assert problems[0] == f"entry #{entry.pk} USDT does not balance: off by 7.00000000"
    [difference] = balance_differences(err)
    assert difference["balance"] == str(line.balance_id) and difference["bucket"] == "free"
    assert difference["journal"] - difference["stored"] == 7


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

    differences = balance_differences(err)
    assert {(d["balance"], d["bucket"]) for d in differences} == {
        (str(line.balance_id), "free"),
        (str(line.balance_id), "locked"),
    }
    assert "does not balance" not in err


def test_a_deleted_line_is_noticed(busy):
    entry = JournalEntry.objects.filter(kind=JournalEntry.Kind.TRANSFER).get()
    entry.lines.get(balance__account=busy).delete()

    error, err = check_ledger_fails()

    assert f"entry #{entry.pk} USDT does not balance: off by -1000.00000000" in err
    assert str(error) == "ledger check failed: 2 difference(s)"
