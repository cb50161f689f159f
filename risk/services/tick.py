"""Beat's heartbeat: new mark prices, matching of resting orders, then the sweep of the exposed accounts."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from risk.price_feed import prices_advance
from risk.services.leases import Lease
from risk.services.sweep import FanOut, SweepResult, sweep_all
from trading.services.matching import orders_match

TICK_LEASE = "risk:tick"
STAFF_TICK_WAIT = 10.0  # seconds
TICK_LEASE_TTL = timedelta(seconds=60)  # table leases only (SQLite)


@dataclass
class TickResult:
    skipped: bool = False
    moved: dict[str, str] = field(default_factory=dict)
    triggered: int = 0
    filled: int = 0
    sweep: SweepResult = field(default_factory=SweepResult)

    def as_dict(self) -> dict:
        return {
            "skipped": self.skipped,
            "moved": self.moved,
            "orders_triggered": self.triggered,
            "orders_filled": self.filled,
            **self.sweep.as_dict(),
        }


def tick_run(*, moved: list | None = None, fan_out: FanOut | None = None, now: datetime | None = None) -> TickResult:
    """New mark prices, then matching of resting orders, then the sweep of the exposed accounts.

    ``moved`` (pairs with their new prices, already written) skips the price source: that is how a
    staff price change runs a tick at once. One tick at a time: a tick that finds the lease taken
    does nothing and the next one catches up.
    """
    now = now or timezone.now()
    lease = Lease(TICK_LEASE, ttl=TICK_LEASE_TTL)
    try:
        # A staff price change must not be lost to a beat tick that happens to be running: it waits a
        # little for the lease. A beat tick that finds it taken just leaves the work to the next one.
        held, waited = lease.acquire(), 0.0
        while not held and moved is not None and waited < STAFF_TICK_WAIT:
            time.sleep(0.1)
            waited += 0.1
            held = lease.acquire()
        if not held:
            return TickResult(skipped=True)
        moved = prices_advance(now=now) if moved is None else moved
        result = TickResult(moved={pair.symbol: str(price) for pair, price in moved})
        for pair, price in moved:
            matched = orders_match(pair=pair, price=price, now=now)
            result.triggered += matched.triggered
            result.filled += matched.filled
        if moved:
            result.sweep = sweep_all(assets=[pair.base_id for pair, _ in moved], fan_out=fan_out, now=now)
        return result
    finally:
        lease.release()
