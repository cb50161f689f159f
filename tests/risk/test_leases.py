"""Leases: one holder at a time, and a holder killed mid-sweep holds nothing up.

The kill is real: a forked process runs the full-sweep task, stops inside the liquidation it starts
(its chunk's lease held, the account's transaction open) and is SIGKILLed. The next sweep must then
liquidate the account within two beat intervals, not when some TTL runs out.
"""

import time

import pytest
from django.db import connections

from risk.models import Liquidation
from risk.services import notifications
from risk.services.leases import Lease, leased, leases_held
from risk.services.sweep import sweep_chunk_run, sweep_chunks
from risk.tasks import full_sweep
from tests.helpers import assert_ledger_clean, hang_at, kill_when_inside, require_postgres


@pytest.mark.django_db
def test_a_lease_has_one_holder_at_a_time():
    first, second = Lease("risk:test"), Lease("risk:test")
    try:
        assert first.acquire()
        assert not second.acquire()
        assert Lease("risk:other").acquire() is True  # another name is another lease
        assert leased("risk:test", lambda: "ran", lambda: "skipped") == "skipped"
    finally:
        first.release()
        second.release()
    assert leased("risk:test", lambda: "ran", lambda: "skipped") == "ran"
    assert second.acquire()
    second.release()


def test_a_chunk_whose_lease_is_held_is_skipped(seed, set_prices):
    set_prices(ETHUSDT=220, BCHUSDT=120)
    (chunk,) = sweep_chunks()
    lease = Lease(f"risk:sweep:{chunk[0]}-{chunk[1]}")
    try:
        assert lease.acquire()
        assert sweep_chunk_run(id_range=chunk).checked == 0
    finally:
        lease.release()
    assert sweep_chunk_run(id_range=chunk).checked == 3


def _full_sweep_and_hang(inside) -> None:
    """In the child: the beat's full sweep, hanging inside its first liquidation (before the commit)."""
    connections.close_all()  # never share the parent's socket
    notifications.notify_all = hang_at(inside)
    full_sweep()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sweeper_killed_mid_sweep_holds_no_liquidation_up(seed, set_prices, settings):
    require_postgres()
    a, b_eth, b_bch = seed
    set_prices(ETHUSDT=220, BCHUSDT=120)  # B's BCH account is below the liquidation line
    beat = settings.MARGINLAB_TICK_SECONDS

    def while_the_sweeper_lives():
        # Its chunk is its own: another sweep skips it.
        assert leases_held() == 1
        assert full_sweep()["checked"] == 0

    kill_when_inside(_full_sweep_and_hang, while_inside=while_the_sweeper_lives)
    killed = time.monotonic()

    # Sweep as beat would, only more often; the 60 s cap is for a failure to fail, not the bound.
    liquidations = []
    while not liquidations and time.monotonic() - killed < 60:
        liquidations = full_sweep()["liquidations"]
        if not liquidations:
            time.sleep(0.25)
    waited = time.monotonic() - killed
    assert liquidations == [b_bch.pk]
    assert waited < 2 * beat, f"the next liquidation came {waited:.1f} s after the kill"
    assert Liquidation.objects.count() == 1
    assert leases_held() == 0
    assert_ledger_clean()
