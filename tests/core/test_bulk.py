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
