"""Liquidation in batches (issue 15 item 3): many accounts per transaction, each still whole on its own.

Every account of a batch leaves what it left alone: its own balanced journal entry, record, notification,
snapshot and fresh NORMAL state. A batch run twice liquidates nothing twice, a batch's statements do not
grow with its accounts, an account that fails leaves its batch to go on, and a worker killed inside a
batch leaves every account of it as it was.
"""

from decimal import Decimal as D

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification
from core import bulk
from risk import models as risk_models
from risk.models import Liquidation, MarginSnapshot, RiskStatus
from risk.services import liquidation, notifications
from risk.services.liquidation import accounts_liquidate
from tests.helpers import PASSWORD, amounts, assert_ledger_clean, hang_at, kill_when_inside, require_postgres, spot
from trading.models import JournalEntry, LedgerLine, MarginPoint
from trading.services.accounts import isolated_account_open, user_signup
from trading.services.orders import order_place
from trading.services.transfers import transfer_create


def _long(n: int, usdt: str = "200"):
    """An isolated ETHUSDT account holding 5 ETH bought at 200 with ``usdt`` of its own (the rest borrowed)."""
    user = user_signup(username=f"trader{n}", password=PASSWORD)
    iso = isolated_account_open(user=user, symbol="ETHUSDT", leverage=5)
    transfer_create(user=user, from_account_id=spot(user).pk, to_account_id=iso.pk, asset="USDT", amount=usdt)
    order_place(user=user, account_id=iso.pk, symbol="ETHUSDT", side="BUY", quantity="5", side_effect="MARGIN_BUY")
    return iso


@pytest.fixture
def longs(platform, set_prices, zero_costs):
    set_prices(ETHUSDT=200)
    return [_long(n) for n in range(6)]


@pytest.fixture(params=["bulk_create", "copy"])
def writes(request, monkeypatch):
    """Both ways a batch writes its rows: bulk_create (few rows, or SQLite) and COPY (PostgreSQL)."""
    if request.param == "copy":
        if connection.vendor != "postgresql":
            pytest.skip("COPY is PostgreSQL's")
        monkeypatch.setattr(bulk, "COPY_FROM", 1)
    return request.param


@pytest.mark.django_db
def test_every_account_of_a_batch_leaves_its_own_records(longs, set_prices, writes):
    healthy = _long(99, usdt="900")  # 1000 of ETH against 100 borrowed
    set_prices(ETHUSDT=162)  # each long: 810 / 800 = 1.0125, past the line; the healthy one is not
    doomed = [a.pk for a in longs]
    records = accounts_liquidate(account_ids=[healthy.pk, *reversed(doomed)], batch_size=4)  # 2 batches

    assert [r.account_id for r in records] == doomed  # in id order, the healthy one left alone
    assert amounts(healthy, "ETH") == (D(5), 0, 0, 0)
    for record in Liquidation.objects.filter(account__in=doomed):
        # As alone (test_account_liquidate): 2 % of 810 would be 16.20, only 10 of equity is left.
        assert (record.value_liquidated, record.shortfall, record.fee_nominal, record.fee) == (
            D(810),
            0,
            D("16.2"),
            D(10),
        )
        assert record.entry.kind == JournalEntry.Kind.LIQUIDATION and record.entry.account_id == record.account_id
        assert LedgerLine.objects.filter(entry=record.entry).exists()
        assert MarginPoint.objects.filter(entry=record.entry, account=record.account).count() == 1
        assert record.balances_before["ETH"]["free"] == "5.00000000"
        assert record.balances_after == {}
        assert amounts(record.account, "ETH") == (0, 0, 0, 0) and amounts(record.account, "USDT") == (0, 0, 0, 0)
        assert risk_models.AccountRisk.objects.get(account=record.account).status == RiskStatus.NORMAL
        assert (
            MarginSnapshot.objects.filter(account=record.account, reason=MarginSnapshot.Reason.LIQUIDATION).count() == 1
        )
        notice = Notification.objects.get(account_ref=record.account_id, kind=Notification.Kind.LIQUIDATION)
        assert notice.title == "Your isolated ETHUSDT account was liquidated" and "fee 10" in notice.body
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.LIQUIDATION).count() == len(doomed)
    assert_ledger_clean()  # every entry balances, and the balances are the sum of their lines

    # The same batch again: each account is re-checked under its lock and nothing happens twice.
    assert accounts_liquidate(account_ids=doomed, batch_size=4) == []
    assert Liquidation.objects.count() == len(doomed)
    assert Notification.objects.filter(kind=Notification.Kind.LIQUIDATION).count() == len(doomed)
    assert_ledger_clean()


@pytest.mark.django_db
def test_a_batch_costs_as_many_statements_for_three_accounts_as_for_two(longs, set_prices):
    set_prices(ETHUSDT=162)
    accounts_liquidate(account_ids=[longs[0].pk])  # the per-process look-ups (tiers, pairs) are read
    with CaptureQueriesContext(connection) as two:
        assert len(accounts_liquidate(account_ids=[a.pk for a in longs[1:3]])) == 2
    with CaptureQueriesContext(connection) as three:
        assert len(accounts_liquidate(account_ids=[a.pk for a in longs[3:6]])) == 3
    assert len(three.captured_queries) == len(two.captured_queries)


@pytest.mark.django_db
def test_an_account_that_fails_leaves_the_rest_of_its_batch_to_go_on(longs, set_prices, monkeypatch):
    set_prices(ETHUSDT=162)
    broken = longs[2].pk
    settle = liquidation._quote_settle

    def quote_settle(op, quote_balance, outcome):
        if op.locked.account.pk == broken:
            raise RuntimeError("broken account")
        settle(op, quote_balance, outcome)

    monkeypatch.setattr(liquidation, "_quote_settle", quote_settle)
    with pytest.raises(RuntimeError, match="broken account"):
        accounts_liquidate(account_ids=[a.pk for a in longs], batch_size=3)
    assert sorted(Liquidation.objects.values_list("account_id", flat=True)) == [a.pk for a in longs if a.pk != broken]
    assert amounts(longs[2], "ETH") == (D(5), 0, 0, 0)  # untouched: its writes were only ever in memory
    assert_ledger_clean()
    monkeypatch.setattr(liquidation, "_quote_settle", settle)
    assert [r.account_id for r in accounts_liquidate(account_ids=[a.pk for a in longs])] == [broken]


def _batch_and_hang(inside, account_ids: list[int]) -> None:
    """In the child: liquidate one batch, hanging where it is fully written but not committed."""
    connections.close_all()  # never share the parent's socket
    notifications.notify_all = hang_at(inside)
    accounts_liquidate(account_ids=account_ids)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_inside_a_batch_leaves_every_account_of_it_untouched(longs, set_prices):
    require_postgres()
    set_prices(ETHUSDT=162)
    ids = [a.pk for a in longs]
    entries = JournalEntry.objects.count()

    kill_when_inside(_batch_and_hang, ids)

    connection.close()
    assert all(amounts(a, "ETH") == (D(5), 0, 0, 0) for a in longs)
    assert JournalEntry.objects.count() == entries
    assert not Liquidation.objects.exists() and not MarginPoint.objects.filter(kind="LIQUIDATION").exists()
    assert_ledger_clean()
    # No lock is left behind: the next run liquidates the whole batch.
    assert [r.account_id for r in accounts_liquidate(account_ids=ids)] == ids
    assert_ledger_clean()
