"""Rows written with COPY (core.bulk): what bulk_create would have written, ids included; and the text form of
arrays and the WITH clauses that insert rows within a larger statement."""

import json
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from django.db import DataError, connection, transaction

from accounts.models import Notification
from core import bulk
from core.bulk import array_literal, insert_clause, json_rows, rows_insert

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [bulk.COPY_FROM - 1, bulk.COPY_FROM + 5])  # bulk_create, then COPY
def test_rows_are_written_as_given_with_their_ids(alice, count):
    awkward = 'tab\there, a newline\nand "quotes", a backslash \\ and ünïcode'
    rows = rows_insert(
        [
            Notification(user=alice, kind=Notification.Kind.LIQUIDATION, title=f"n{n}", body=awkward, account_ref=n)
            for n in range(count)
        ],
        ids=True,
    )
    assert all(row.pk is not None for row in rows)
    stored = {n.pk: n for n in Notification.objects.filter(user=alice)}
    assert sorted(stored) == sorted(row.pk for row in rows)
    for row in rows:
        again = stored[row.pk]
        assert (again.title, again.body, again.account_ref, again.kind) == (
            row.title,
            awkward,
            row.account_ref,
            Notification.Kind.LIQUIDATION,
        )
        assert again.created_at is not None and again.read_at is None  # auto_now_add, and a NULL
    # The ids came from the table's own sequence: the next row the ORM makes gets a later one.
    later = Notification.objects.create(user=alice, kind=Notification.Kind.LIQUIDATION, title="later")
    assert later.pk > max(stored)


def test_a_row_pointing_at_an_unsaved_object_is_refused(alice):
    from django.contrib.auth import get_user_model

    nobody = get_user_model()(username="nobody")
    with pytest.raises(ValueError):
        rows_insert(
            [Notification(user=nobody, kind=Notification.Kind.LIQUIDATION, title="x") for _ in range(bulk.COPY_FROM)]
        )


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="array literals and WITH clauses are PostgreSQL's"
)
AWKWARD = 'a "quote", a backslash \\, {braces}, a comma, NULL and ünïcode'


@needs_postgresql
@pytest.mark.parametrize(
    "values, kind",
    [
        ([1, -2, 3_000_000_000_000, None], "bigint"),
        ([D("0E-8"), D("-7.00036000"), D("123456789012.12345678"), D("1E+3"), None], "numeric"),
        ([True, False, None], "boolean"),
        (["free", AWKWARD, "", "NULL", None], "text"),
        ([datetime(2026, 12, 2, 7, 5, 5, 801315, tzinfo=UTC), None], "timestamptz"),
    ],
)
def test_an_array_literal_reads_back_as_the_values(values, kind):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{kind}[]", [array_literal(values)])
        assert cursor.fetchone()[0] == values


@pytest.mark.parametrize("value", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_an_array_literal_refuses_what_is_no_amount(value):
    with pytest.raises(ValueError):
        array_literal([D(1), value])


def test_json_rows_keep_amounts_exact_and_refuse_what_is_no_amount():
    moment = datetime(2026, 12, 2, 7, 5, 5, 801315, tzinfo=UTC)
    text = json_rows([{"amount": D("-7.00036000"), "at": moment, "n": 3, "ok": True, "memo": AWKWARD, "none": None}])
    assert json.loads(text) == [
        {"amount": "-7.00036000", "at": moment.isoformat(), "n": 3, "ok": True, "memo": AWKWARD, "none": None}
    ]
    for value in (D("NaN"), D("Infinity")):
        with pytest.raises(ValueError):
            json_rows([{"amount": value}])
    with pytest.raises(TypeError):
        json_rows([{"amount": object()}])


@needs_postgresql
def test_an_insert_clause_writes_its_rows_in_order_with_their_references(alice):
    """Two WITH clauses in one statement: the second's rows point at the first's single row, and each comes
    back with its id, in the order given."""
    first = Notification(user=alice, kind=Notification.Kind.LIQUIDATION, title="first", body=AWKWARD)
    rows = [Notification(kind=Notification.Kind.LIQUIDATION, title=f"n{n}", account_ref=n) for n in range(3)]
    one, one_params = insert_clause("one_row", [first], refs={}, connection=connection)
    many, many_params = insert_clause("many_rows", rows, refs={"user": "owner"}, connection=connection)
    sql = (
        f"WITH owner AS (SELECT id FROM accounts_user WHERE id = %(user)s), {one}, {many} "
        "SELECT ARRAY(SELECT id FROM one_row), ARRAY(SELECT id FROM many_rows ORDER BY id)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"user": alice.pk, **one_params, **many_params})
        (first_id,), ids = cursor.fetchone()
    stored = Notification.objects.in_bulk([first_id, *ids])
    assert (stored[first_id].title, stored[first_id].body, stored[first_id].user_id) == ("first", AWKWARD, alice.pk)
    assert [(stored[pk].title, stored[pk].account_ref, stored[pk].user_id) for pk in ids] == [
        (f"n{n}", n, alice.pk) for n in range(3)
    ]
    assert all(stored[pk].created_at is not None for pk in [first_id, *ids])  # auto_now_add


@needs_postgresql
def test_an_insert_clause_refuses_a_text_too_long_for_its_column(alice):
    """Each value goes through its column's input with the column's length: the text is refused, as the ORM's
    INSERT would refuse it, rather than cut."""
    too_long = "x" * (Notification._meta.get_field("title").max_length + 1)
    clause, params = insert_clause(
        "too_long",
        [Notification(user=alice, kind=Notification.Kind.LIQUIDATION, title=too_long)],
        refs={},
        connection=connection,
    )
    with pytest.raises(DataError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"WITH {clause} SELECT count(*) FROM too_long", params)
    assert not Notification.objects.filter(user=alice).exists()


def test_an_upsert_inserts_new_rows_and_updates_only_the_fields_named(alice):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from risk.models import AccountRisk
    from trading.models import Account

    accounts = list(Account.objects.filter(user=alice).order_by("id")[:2])
    earlier = timezone.now() - timedelta(hours=1)
    called = earlier - timedelta(minutes=5)
    AccountRisk.objects.create(
        account=accounts[0],
        status="MARGIN_CALL",
        margin_level=Decimal("1.2"),
        asset_value=Decimal(10),
        debt_value=Decimal(8),
        checked_at=earlier,
        status_since=earlier,
        margin_call_at=called,
    )
    now = timezone.now()
    rows = [
        AccountRisk(
            account_id=account.pk,
            status="NORMAL",
            margin_level=Decimal("2.5"),
            asset_value=Decimal(25),
            debt_value=Decimal(10),
            checked_at=now,
            status_since=now,
            watched=True,
        )
        for account in accounts
    ]
    bulk.rows_upsert(AccountRisk, rows, unique_field="account", update_fields=["status", "margin_level", "checked_at"])
    old, new = (AccountRisk.objects.get(account=account) for account in accounts)
    # Updated: the fields named. Kept: the others (the margin-call claim above all, and the watch flag).
    assert (old.status, old.margin_level, old.checked_at) == ("NORMAL", Decimal("2.5"), now)
    assert (old.asset_value, old.status_since, old.margin_call_at, old.watched) == (Decimal(10), earlier, called, False)
    # Inserted: every field as given.
    assert (new.status, new.asset_value, new.debt_value, new.margin_call_at, new.watched) == (
        "NORMAL",
        Decimal(25),
        Decimal(10),
        None,
        True,
    )
