"""The risk tests' own fixtures: the seed example on a clock that moves by days (day N, N+2 and N+5 of
shared/seeds/margin-cross-vs-isolated-accounts.txt, each price applied by staff (the engine runs at once)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from risk.staff import price_set_now

REAL_NOW = timezone.now


@pytest.fixture
def clock(monkeypatch):
    """Django's clock, moved by hand: every ``timezone.now()`` (and auto_now_add) reads it."""
    state = {"now": REAL_NOW()}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])
    return state


def days_later(clock, days: int, **prices) -> None:
    clock["now"] = clock["now"] + timedelta(days=days)
    for symbol, price in prices.items():
        price_set_now(symbol=symbol, price=str(price))
        clock["now"] = clock["now"] + timedelta(seconds=1)


@pytest.fixture
def seed_days(clock, seed):
    """Day N the seed's trades; day N+2 ETH 230, BCH 170; day N+5 ETH 220, BCH 120."""
    start = clock["now"]
    days_later(clock, 2, ETHUSDT=230, BCHUSDT=170)
    days_later(clock, 3, ETHUSDT=220, BCHUSDT=120)
    return start, seed
