"""Rows written with COPY (core.bulk): what bulk_create would have written, ids included."""

import pytest

from accounts.models import Notification
from core import bulk
from core.bulk import rows_insert

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
