"""Faults: a worker killed in the middle of a liquidation, and two sweeps racing on the same prices.

The kill is real: a forked process starts the liquidation, stops inside its transaction (after the
ledger posting, before the commit) and is SIGKILLed. PostgreSQL rolls the transaction back with the
dead connection, so the account is exactly as it was; the next sweep liquidates it in full.
"""

import threading

import pytest
from django.db import connection, connections

from risk.models import Liquidation, MarginCall
from risk.services import notifications, sweep
from risk.services.liquidation import account_liquidate
from risk.services.sweep import sweep_all
from tests.helpers import amounts, assert_ledger_clean, hang_at, kill_when_inside, require_postgres
from trading.models import JournalEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    require_postgres()


def _liquidate_and_hang(inside, account_id: int) -> None:
    """In the child: liquidate, but hang where the transaction is fully written and not yet committed."""
    connections.close_all()  # never share the parent's socket
    notifications.notify_all = hang_at(inside)
    account_liquidate(account_id=account_id)


def test_a_worker_killed_mid_liquidation_leaves_the_account_untouched(seed, set_prices):
    a, b_eth, b_bch = seed
    set_prices(ETHUSDT=220, BCHUSDT=120)
    before = [amounts(b_bch, asset) for asset in ("USDT", "BCH")]
    entries = JournalEntry.objects.count()

    kill_when_inside(_liquidate_and_hang, b_bch.pk)

    # The dead transaction is gone: nothing of it is visible, no lock is left behind.
    connection.close()
    assert [amounts(b_bch, asset) for asset in ("USDT", "BCH")] == before
    assert JournalEntry.objects.count() == entries
    assert not Liquidation.objects.exists()
    assert_ledger_clean()

    # The next sweep does the whole liquidation.
    assert sweep_all().liquidations == [b_bch.pk]
    assert amounts(b_bch, "BCH") == (0, 0, 0, 0)
    assert Liquidation.objects.count() == 1
    assert_ledger_clean()


def race_two_sweeps() -> list:
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait(10)
            # Straight at the service, past the chunk lease, so the two really run at once.
            results.append(sweep.sweep_run())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_sweeps_racing_on_the_same_prices_liquidate_once(seed, set_prices):
    a, b_eth, b_bch = seed
    set_prices(ETHUSDT=220, BCHUSDT=120)
    results = race_two_sweeps()
    assert sorted(len(r.liquidations) for r in results) == [0, 1]
    assert Liquidation.objects.filter(account=b_bch).count() == 1
    assert_ledger_clean()


def test_two_sweeps_racing_into_a_margin_call_raise_one_call(seed, set_prices):
    a, b_eth, b_bch = seed
    set_prices(ETHUSDT=230, BCHUSDT=170)
    results = race_two_sweeps()
    assert sorted(len(r.margin_calls) for r in results) == [0, 1]
    assert MarginCall.objects.filter(account=b_bch).count() == 1
