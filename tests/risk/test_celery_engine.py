"""The risk engine on a real Celery worker, with Redis as the broker and PostgreSQL underneath.

The seed example's three days end to end: staff move prices, the sweep task fans out over chunks of
accounts (a Celery group), the worker raises B's margin call, liquidates B's BCH account (shortfall to
the insurance fund), calls A's cross account, and touches nothing else.
"""

import time
from decimal import Decimal as D

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import connections

from config.celery import app
from risk.models import Liquidation, MarginCall
from risk.services.leases import leases_held
from risk.tasks import full_sweep, tick
from tests.helpers import amounts, assert_ledger_clean, require_postgres, require_redis, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _services():
    require_postgres()
    require_redis()


def drain() -> None:
    """Wait until the broker's queue is empty and no sweep holds a lease, twice in a row."""
    client = redis.Redis.from_url(require_redis())

    def idle() -> bool:
        return client.llen("celery") == 0 and leases_held() == 0

    wait_for(lambda: idle() and (time.sleep(0.5) or idle()))


@pytest.fixture
def worker(settings):
    settings.MARGINLAB_SWEEP_CHUNK_SIZE = 2  # several chunks even for a handful of accounts: a real group
    settings.MARGINLAB_PRICE_SOURCE = "manual"  # the beat tick moves nothing; staff set the prices
    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield
    connections.close_all()


def test_the_seed_example_end_to_end_on_a_worker(seed, set_prices, worker):
    a, b_eth, b_bch = seed
    full_sweep.delay()
    tick.delay()

    set_prices(ETHUSDT=230, BCHUSDT=170)  # day N+2
    full_sweep.delay()
    call = wait_for(lambda: MarginCall.objects.filter(account=b_bch).first())
    assert call.margin_level == D("1.0625")

    set_prices(ETHUSDT=220, BCHUSDT=120)  # day N+5
    full_sweep.delay()
    liquidation = wait_for(lambda: Liquidation.objects.filter(account=b_bch).first())
    wait_for(lambda: MarginCall.objects.filter(account=a).exists())
    assert (liquidation.margin_level, liquidation.shortfall) == (D("0.75"), D(200))
    assert amounts(b_bch, "BCH") == (0, 0, 0, 0)
    assert amounts(b_bch, "USDT") == (0, 0, 0, 0)
    assert amounts(b_eth, "ETH") == (D(5), 0, 0, 0)
    assert amounts(b_eth, "USDT") == (0, 0, D(800), 0)
    assert amounts(a, "USDT") == (0, 0, D(1600), 0)

    # More sweeps on the same prices: still one liquidation, one margin call per account.
    full_sweep.delay()
    full_sweep.delay()
    tick.delay()
    drain()
    assert Liquidation.objects.count() == 1
    assert MarginCall.objects.filter(account=b_bch).count() == 1
    assert MarginCall.objects.filter(account=a).count() == 1
    assert_ledger_clean()
