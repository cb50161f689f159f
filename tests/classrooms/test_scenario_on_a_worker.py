"""A scenario end to end on a real Celery worker (Redis broker, PostgreSQL): the seed's ETH/BCH days N to
N+5 replayed in one class, each step moving the class's prices through the platform's price service, the
risk engine margin-calling A's cross account and liquidating B's isolated BCH account as the seed says,
while another class and the main market do not move."""

from decimal import Decimal as D

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connections

from classrooms.models import ClassPair, ScenarioRun
from classrooms.selectors import class_board
from classrooms.services import scenarios
from classrooms.services.classes import membership_join
from classrooms.tasks import scenario_step
from config.celery import app
from risk.models import Liquidation, MarginCall
from tests.classrooms.helpers import seed_positions
from tests.helpers import amounts, assert_ledger_clean, require_postgres, require_redis, wait_for
from trading.models import Account, MarkPrice

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _services():
    require_postgres()
    require_redis()


@pytest.fixture
def worker(settings, monkeypatch):
    settings.MARGINLAB_PRICE_SOURCE = "manual"
    monkeypatch.setattr(scenarios, "STEP_SECONDS", 0.2)
    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield
    connections.close_all()


def prices(classroom) -> dict[str, D]:
    return {
        cp.source.symbol: MarkPrice.objects.get(pair=cp.pair).price
        for cp in ClassPair.objects.filter(classroom=classroom).select_related("source", "pair")
    }


def test_the_seed_scenario_shocks_one_class_only(members, other_classroom, alice, dana, worker):
    erin_m, frank_m = members
    classroom = erin_m.classroom
    a, b_eth, b_bch = seed_positions(erin_m, frank_m)
    # Another class with a member holding the same trades, and the main market at day N's prices.
    other = membership_join(user=alice, code=other_classroom.join_code)[0]
    other_a, *_ = seed_positions(other, membership_join(user=dana, code=other_classroom.join_code)[0])
    main_before = {m.pair.symbol: m.price for m in MarkPrice.objects.filter(pair__market__isnull=True)}

    # A day of scenario time per wall-clock second: the five days play in about 5 seconds, each day
    # seen by a few steps.
    run = scenarios.scenario_start(user=dana, classroom_id=classroom.pk, scenario="seed-eth-bch", speed="86400")
    finished = wait_for(
        lambda: ScenarioRun.objects.filter(pk=run.pk, state=ScenarioRun.State.FINISHED).first(), timeout=60
    )
    assert prices(classroom) == {"ETHUSDT": D(220), "BCHUSDT": D(120)}

    liquidation = wait_for(lambda: Liquidation.objects.filter(account=b_bch).first())
    assert (liquidation.margin_level, liquidation.shortfall) == (D("0.75"), D(200))
    assert amounts(b_bch, "USDT") == (0, 0, 0, 0)
    assert MarginCall.objects.filter(account=b_bch).exists()  # called on the way down, before the crash
    call = wait_for(lambda: MarginCall.objects.filter(account=a).first())
    assert call.margin_level == D("1.0625")  # the seed's day N+5
    assert not MarginCall.objects.filter(account=b_eth).exists()
    assert amounts(b_eth, f"C{classroom.pk}ETH") == (D(5), 0, 0, 0)

    # Nothing else moved: the other class's prices and accounts, the main market.
    assert prices(other_classroom) == {"ETHUSDT": D(200), "BCHUSDT": D(200)}
    assert {m.pair.symbol: m.price for m in MarkPrice.objects.filter(pair__market__isnull=True)} == main_before
    others = Account.objects.exclude(market=classroom.market)
    assert not MarginCall.objects.filter(account__in=others).exists()
    assert not Liquidation.objects.filter(account__in=others).exists()
    assert Liquidation.objects.count() == 1
    assert other_a.market == other_classroom.market

    # The board saw it: A margin-called, B liquidated, and the drawdowns from the equity samples.
    rows = {r.student: r for r in class_board(classroom=classroom)}
    assert (rows["erin"].margin_calls, rows["erin"].liquidations) == (1, 0)
    assert rows["frank"].liquidations == 1
    assert rows["erin"].equity == D(700)  # 600 spot + 5 x 220 + 5 x 120 - 1600
    assert rows["frank"].drawdown > 0 and rows["frank"].equity == D(900)  # 600 spot, ETH 300 (+100), BCH 0 (-200)

    # A late or repeated step of the finished run changes nothing.
    assert scenario_step.apply(args=(run.pk, finished.chain)).get() == {"ran": False, "again": False, "moved": 0}
    assert Liquidation.objects.count() == 1
    assert_ledger_clean()
