"""ledger_post's two ways to write an entry: one statement for the balances' UPDATE, the entry, its lines, its
margin points and the records it brings (``NewRows``), when what the UPDATE stores follows from the locked
objects; else the UPDATE first and the amounts read back (issue 15)."""

from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.helpers import assert_ledger_clean, cross
from trading.models import Asset, Bucket, JournalEntry, LedgerLine, LoanEvent, MarginPoint
from trading.selectors import mark_prices
from trading.services.accounts import paper_funds_credit
from trading.services.ledger import LockedAccount, NewRows, Posting, ledger_post


@pytest.fixture
def funded(alice, set_prices):
    set_prices(BTCUSDT=95000)
    account = cross(alice)
    paper_funds_credit(account_id=account.pk, asset="USDT", amount="1000")
    return account


def _post(account, amount: D, *, events: int = 0) -> tuple[JournalEntry, LockedAccount, list[LoanEvent], int]:
    """Lock ``amount`` USDT of the account's free balance, with ``events`` loan events brought along."""
    usdt = Asset.objects.get(code="USDT", market=None)
    with transaction.atomic():
        locked = LockedAccount(account, [usdt])
        balance = locked.balance(usdt)
        posting = Posting()
        posting.move(balance, balance, amount, src_bucket=Bucket.FREE, dst_bucket=Bucket.LOCKED)
        records = [
            LoanEvent(account=account, asset=usdt, kind=LoanEvent.Kind.BORROW, principal=D(n + 1), interest=D(0))
            for n in range(events)
        ]
        prices = mark_prices()
        with CaptureQueriesContext(connection) as writes:
            entry = ledger_post(
                kind=JournalEntry.Kind.LOCK,
                posting=posting,
                account=account,
                memo="test",
                held=locked.all(),
                prices=prices,
                rows=[NewRows("events", records, {"entry": "entry"})],
            )
    return entry, locked, records, len(writes.captured_queries)


def _stored(account, locked: LockedAccount) -> None:
    """The locked objects carry what the rows hold (the margin point was valued from them); on PostgreSQL to
    the digit, as the point's JSON shows them."""
    buckets = ("free", "locked", "borrowed", "interest")
    for balance in locked.all():
        row = type(balance).objects.get(pk=balance.pk)
        assert [getattr(balance, b) for b in buckets] == [getattr(row, b) for b in buckets]
        if connection.vendor == "postgresql":
            assert [f"{getattr(balance, b)}" for b in buckets] == [f"{getattr(row, b)}" for b in buckets]


@pytest.mark.parametrize("events", [0, 2])
def test_an_entry_of_the_locked_balances_is_one_statement_with_its_records(funded, events):
    entry, locked, records, statements = _post(funded, D("12.5"), events=events)
    if connection.vendor == "postgresql":
        assert statements == 1
    _stored(funded, locked)
    assert entry.pk is not None and LedgerLine.objects.filter(entry=entry).count() == 2
    assert MarginPoint.objects.filter(entry=entry, account=funded).count() == 1
    assert [event.pk for event in records] == sorted(event.pk for event in records)
    stored = LoanEvent.objects.filter(entry=entry).order_by("id")
    assert [(e.pk, e.principal, e.entry_id) for e in stored] == [(e.pk, e.principal, entry.pk) for e in records]
    assert all(event.entry is entry for event in records)
    assert_ledger_clean()


def test_an_amount_with_more_places_than_a_balance_keeps_is_rounded_as_stored(funded):
    """Nine places: the UPDATE's ROUND has work to do, so it goes first and the objects take what it stored.
    (No service posts such an amount: the line keeps 8 places too, rounded on its own, so the books would not
    agree; only the write path is looked at here.)"""
    entry, locked, records, statements = _post(funded, D("0.123456785"), events=1)
    usdt = type(locked.all()[0]).objects.get(account=funded, asset__code="USDT")
    assert usdt.locked == D("0.12345679")  # halves away from zero, as PostgreSQL's ROUND
    if connection.vendor == "postgresql":  # SQLite's objects are not read back (nor valued by the point)
        assert statements > 1
        _stored(funded, locked)
    assert records[0].pk is not None and records[0].entry_id == entry.pk
