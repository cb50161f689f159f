"""The futures benchmark's SQL and figures, on a few wallets, so that the command cannot rot."""

from futures.management.commands.futures_benchmark import floor, measure, seed
from futures.models import FuturesLiquidation, FuturesPosition
from tests.helpers import require_postgres
from trading.models import Account


def test_the_benchmark_seeds_and_measures_a_small_book(fx):
    require_postgres()  # the seed is PostgreSQL's (generate_series, setseed)
    seed(users=20, positions=3)
    assert Account.objects.filter(kind="futures", user__username__startswith="fbench-").count() == 20
    count, pnl = floor()
    assert count == 60 and pnl is not None
    figures = measure(repeat=1)
    assert set(figures) == {"positions", "floor", "first", "full", "tick", "moved", "funded"}
    assert figures["positions"] == 60
    assert all(seconds >= 0 for seconds in figures.values())
    # Every wallet holds 99,000 USDT against a few thousand of notional: all banded, none near a line.
    assert not FuturesPosition.objects.exclude(position_amt=0).filter(band_low__isnull=True).exists()
    assert FuturesLiquidation.objects.count() == 0
