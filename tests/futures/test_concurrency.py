"""Races between futures services, on PostgreSQL (SQLite serialises every write, so it cannot show one).

Built like tests/trading/test_concurrency.py: operations start together in threads, each with its own
connection, and every ledger write first waits a moment so that a missing lock would show up as a double
spend, a negative balance or a double liquidation rather than as luck.
"""

import sys
import time
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

import futures.services.funding  # noqa: F401 - load every module that posts to the ledger
import futures.services.liquidation  # noqa: F401
import futures.services.orders.fills  # noqa: F401
import futures.services.wallet  # noqa: F401
from futures.models import FuturesLiquidation, FuturesPosition, Income
from futures.services.funding import futures_funding_apply
from futures.services.liquidation import futures_sweep
from futures.services.orders import futures_order_place
from futures.services.wallet import TO_SPOT, futures_transfer_create
from tests.futures.helpers import fund, usdt, wallet
from tests.helpers import require_postgres
from tests.trading.test_concurrency import assert_books_sound, errors, oks, run_together
from trading.services import ledger

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    require_postgres()


@pytest.fixture
def slow_ledger(monkeypatch):
    original = ledger.ledger_post

    def slow(**kwargs):
        time.sleep(0.2)
        return original(**kwargs)

    patched = [
        name
        for name, module in list(sys.modules.items())
        if name.startswith("futures.services.") and getattr(module, "ledger_post", None) is original
    ]
    assert {"futures.services.wallet", "futures.services.orders.fills", "futures.services.liquidation"} <= set(patched)
    for name in patched:
        monkeypatch.setattr(sys.modules[name], "ledger_post", slow)


def test_two_transfers_out_that_fit_alone_but_not_together(thousand, slow_ledger):
    fund(thousand, 1000)
    results = run_together(*[lambda: futures_transfer_create(user=thousand, type=TO_SPOT, amount="600")] * 2)
    assert len(oks(results)) == 1 and len(errors(results)) == 1
    assert usdt(thousand) == (D(400), 0)
    assert_books_sound()


def test_two_orders_that_fit_alone_but_not_together(thousand, slow_ledger):
    fund(thousand, 100)
    order = lambda: futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.015")  # noqa: E731
    results = run_together(order, order)  # 75 of initial margin each at 20x
    assert len(oks(results)) == 1, results
    assert FuturesPosition.objects.get(account=wallet(thousand)).position_amt == D("0.015")
    assert_books_sound()


def test_two_sweeps_liquidate_once(thousand, set_prices, slow_ledger):
    fund(thousand, 1000)
    futures_order_place(user=thousand, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    set_prices(BTCUSDT=90000)
    results = run_together(futures_sweep, futures_sweep)
    assert sum(len(r.liquidations) for r in oks(results)) == 1
    assert FuturesLiquidation.objects.count() == 1
    assert_books_sound()


def test_funding_applied_twice_at_once_pays_once(fx, alice, slow_ledger):
    fund(alice, 1000)
    futures_order_place(user=alice, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.1")
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    run_together(lambda: futures_funding_apply(now=now), lambda: futures_funding_apply(now=now))
    assert Income.objects.filter(income_type="FUNDING_FEE").count() == 1
    assert usdt(alice)[0] == D(1000) - D(1)  # 0.1 x 100,000 x 0.01 %
    assert_books_sound()
