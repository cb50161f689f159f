"""Price sources (simulated, replay, manual) and the price tick that writes their prices."""

import logging
import threading
from datetime import UTC, datetime
from decimal import Decimal as D
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

import risk.price_feed
from risk.models import PriceFeed, PriceSourceState
from risk.price_feed import price_step_claim, prices_advance
from risk.price_sources import (
    Feed,
    ManualSource,
    ReplayFileError,
    ReplaySource,
    SimulatedSource,
    price_round,
    price_source_get,
)
from tests.helpers import require_postgres
from trading.models import MarkPrice, Pair, PriceCandle

NOW = datetime(2026, 3, 2, 10, 15, 30, tzinfo=UTC)
PAIRS = ["ADAUSDT", "BCHUSDT", "BNBUSDT", "BTCUSDT", "DOGEUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]


def walk(source, feeds: list[Feed], steps: int) -> list[dict[str, D]]:
    """Play ``steps`` steps, feeding each step's prices back in as the next start."""
    path = []
    for step in range(steps):
        prices = source.next_prices(step=step, feeds=feeds)
        feeds = [Feed(f.symbol, f.tick_size, prices.get(f.symbol, f.price), f.volatility, f.drift) for f in feeds]
        path.append(prices)
    return path


BTC = Feed(symbol="BTCUSDT", tick_size=D("0.01"), price=D("95000.00"), volatility=D("0.001"))
DOGE = Feed(symbol="DOGEUSDT", tick_size=D("0.00001"), price=D("0.25000"), volatility=D("0.003"))


def marks() -> dict[str, D]:
    return dict(MarkPrice.objects.values_list("pair__symbol", "price"))


# --- the simulated market -----------------------------------------------------------------------------


def test_same_seed_same_path_and_another_seed_another_path():
    first = walk(SimulatedSource(seed=42), [BTC, DOGE], 50)
    again = walk(SimulatedSource(seed=42), [BTC, DOGE], 50)
    other = walk(SimulatedSource(seed=43), [BTC, DOGE], 50)

    assert first == again
    assert first != other
    assert len({p["BTCUSDT"] for p in first}) > 40  # it does move


def test_the_path_is_pinned_across_machines_and_runs():
    # Seeded by (seed, symbol, step) through SHA-512, not hash(): no PYTHONHASHSEED, no platform float quirks.
    source = SimulatedSource(seed=42)

    assert source.shock(symbol="BTCUSDT", step=0) == D("0.8047522868928233")
    assert source.next_prices(step=0, feeds=[BTC]) == {"BTCUSDT": D("95076.48")}


def test_a_pair_path_does_not_depend_on_the_other_pairs():
    alone = walk(SimulatedSource(seed=42), [BTC], 20)
    together = walk(SimulatedSource(seed=42), [DOGE, BTC], 20)

    assert [p["BTCUSDT"] for p in alone] == [p["BTCUSDT"] for p in together]


def test_prices_stay_on_the_tick_and_never_below_one_tick():
    tiny = Feed(symbol="DOGEUSDT", tick_size=D("0.00001"), price=D("0.00002"), volatility=D("0.5"))
    path = walk(SimulatedSource(seed=1), [BTC, DOGE, tiny], 200)

    for prices in path:
        for symbol, tick in [("BTCUSDT", D("0.01")), ("DOGEUSDT", D("0.00001"))]:
            assert prices[symbol] % tick == 0
            assert prices[symbol] >= tick
            assert prices[symbol].as_tuple().exponent == tick.as_tuple().exponent
    # The tiny feed shares DOGE's symbol on purpose: it is the one written last.
    assert min(p["DOGEUSDT"] for p in path) == D("0.00001")


def test_zero_volatility_keeps_the_price_and_drift_alone_is_exact():
    still = Feed(symbol="BTCUSDT", tick_size=D("0.01"), price=D("95000.00"), volatility=D(0))
    drifting = Feed(symbol="ETHUSDT", tick_size=D("0.01"), price=D("100.00"), volatility=D(0), drift=D("0.01"))

    path = walk(SimulatedSource(seed=42), [still, drifting], 2)

    assert [p["BTCUSDT"] for p in path] == [D("95000.00"), D("95000.00")]
    # 100 * e^0.01 = 101.00501..., then 101.01 * e^0.01 = 102.0250...
    assert [p["ETHUSDT"] for p in path] == [D("101.01"), D("102.03")]


def test_a_pair_without_a_price_is_left_alone():
    unpriced = Feed(symbol="BTCUSDT", tick_size=D("0.01"), price=None)

    assert SimulatedSource(seed=42).next_prices(step=0, feeds=[unpriced]) == {}


def test_price_round_uses_the_tick_places_whatever_the_stored_scale():
    assert price_round(D("95000.005"), tick_size=D("0.01000000")) == D("95000.00")
    assert str(price_round(D("95000.0"), tick_size=D("0.01000000"))) == "95000.00"
    assert price_round(D("95000.015"), tick_size=D("0.01")) == D("95000.02")
    assert str(price_round(D("0.000001"), tick_size=D("0.00001"))) == "0.00001"


# --- replay ------------------------------------------------------------------------------------------

CANDLES = """open_time,symbol,open,high,low,close
2025-01-15T12:02:00Z,BTCUSDT,95010.00,95030.00,95000.00,95020.00
2025-01-15T12:00:00Z,BTCUSDT,95000.00,95010.00,94990.00,95000.00
2025-01-15T12:01:00+00:00,BTCUSDT,95000.00,95015.00,94995.00,95010.00
2025-01-15T12:00:00Z,DOGEUSDT,0.25000,0.25100,0.24900,0.25050
2025-01-15T12:01:00Z,DOGEUSDT,0.25050,0.25100,0.24900,0.25000
2025-01-15T12:00:00Z,PEPEUSDT,0.00001,0.00002,0.00001,0.00002
"""


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "candles.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_replay_follows_the_closes_in_time_order_and_wraps(tmp_path):
    source = ReplaySource(path=write_csv(tmp_path, CANDLES), symbols=["BTCUSDT", "DOGEUSDT"])

    path = [source.next_prices(step=step, feeds=[BTC, DOGE]) for step in range(5)]

    assert [p["BTCUSDT"] for p in path] == [D("95000.00"), D("95010.00"), D("95020.00"), D("95000.00"), D("95010.00")]
    # DOGE has two candles: it wraps sooner.
    assert [p["DOGEUSDT"] for p in path] == [D("0.25050"), D("0.25000"), D("0.25050"), D("0.25000"), D("0.25050")]


def test_replay_rounds_to_the_tick_and_leaves_pairs_without_candles_alone(tmp_path):
    source = ReplaySource(path=write_csv(tmp_path, CANDLES), symbols=["BTCUSDT", "DOGEUSDT"])
    coarse = Feed(symbol="BTCUSDT", tick_size=D("100"), price=D("95000"))
    eth = Feed(symbol="ETHUSDT", tick_size=D("0.01"), price=D("3500.00"))

    assert source.next_prices(step=1, feeds=[coarse, eth]) == {"BTCUSDT": D("95000")}


def test_an_edited_replay_file_is_read_again(tmp_path):
    path = write_csv(tmp_path, CANDLES)
    assert len(ReplaySource(path=path).closes["BTCUSDT"]) == 3

    path.write_text(CANDLES + "2025-01-15T12:03:00Z,BTCUSDT,95020.00,95030.00,95000.00,95025.00\n", encoding="utf-8")

    assert ReplaySource(path=path).closes["BTCUSDT"][-1] == D("95025.00")


def test_replay_skips_unlisted_symbols_with_a_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="risk.price_sources"):
        source = ReplaySource(path=write_csv(tmp_path, CANDLES), symbols=["BTCUSDT", "DOGEUSDT"])

    assert set(source.closes) == {"BTCUSDT", "DOGEUSDT"}
    assert "PEPEUSDT" in caplog.text


@pytest.mark.parametrize(
    "line, message",
    [
        ("2025-01-15T12:03:00Z,BTCUSDT,95020.00,95030.00,95000.00,abc", "line 3: close 'abc' is not a number"),
        ("2025-01-15T12:03:00Z,BTCUSDT,95020.00,95030.00,95000.00,-5", "line 3: close '-5' must be a positive number"),
        ("yesterday,BTCUSDT,95020.00,95030.00,95000.00,95010.00", "line 3: open_time 'yesterday' is not an ISO 8601"),
        ("2025-01-15T12:03:00Z,BTCUSDT,95020.00,95030.00", "line 3: expected 6 fields, found 4"),
        ("2025-01-15T12:03:00Z,BTCUSDT,95020.00,95010.00,95000.00,95030.00", "line 3: low <= open, close <= high"),
        ("2025-01-15T12:00:00Z,BTCUSDT,95000.00,95010.00,94990.00,95000.00", "line 3: a second BTCUSDT candle"),
    ],
)
def test_a_bad_replay_line_is_a_clear_error_naming_it(tmp_path, line, message):
    good = "2025-01-15T12:00:00Z,BTCUSDT,95000.00,95010.00,94990.00,95000.00"
    path = write_csv(tmp_path, f"open_time,symbol,open,high,low,close\n{good}\n{line}\n")

    with pytest.raises(ReplayFileError, match=message) as caught:
        ReplaySource(path=path)
    assert str(path) in str(caught.value)


def test_a_replay_file_with_a_wrong_header_or_missing_is_an_error(tmp_path):
    with pytest.raises(ReplayFileError, match="line 1: the header must be open_time,symbol,open,high,low,close"):
        ReplaySource(path=write_csv(tmp_path, "time,symbol,price\n"))
    with pytest.raises(ReplayFileError, match="Cannot read the price replay file"):
        ReplaySource(path=tmp_path / "nowhere.csv")
    with pytest.raises(ReplayFileError, match="no candle of a listed pair"):
        ReplaySource(path=write_csv(tmp_path, CANDLES), symbols=["ETHUSDT"])


def test_the_sample_file_has_120_candles_per_listed_pair_on_its_tick(db):
    source = ReplaySource(path=django_settings.MARGINLAB_PRICE_REPLAY_FILE)

    assert sorted(source.closes) == PAIRS
    ticks = dict(Pair.objects.values_list("symbol", "tick_size"))
    for symbol, closes in source.closes.items():
        assert len(closes) == 120
        assert all(close % ticks[symbol] == 0 for close in closes)
        # Starts near the default listing's price: a demo switching to replay does not jump.
        assert abs(closes[0] / marks()[symbol] - 1) < D("0.01")


# --- manual and the choice of source -------------------------------------------------------------------


def test_manual_moves_nothing():
    assert ManualSource().next_prices(step=0, feeds=[BTC, DOGE]) == {}


def test_the_source_is_chosen_by_settings(settings, db):
    settings.MARGINLAB_PRICE_SEED = 7
    source = price_source_get()
    assert isinstance(source, SimulatedSource) and source.seed == 7

    settings.MARGINLAB_PRICE_SOURCE = "replay"
    assert isinstance(price_source_get(), ReplaySource)

    settings.MARGINLAB_PRICE_SOURCE = "manual"
    assert isinstance(price_source_get(), ManualSource)

    settings.MARGINLAB_PRICE_SOURCE = "oracle"
    with pytest.raises(ImproperlyConfigured, match="'oracle'"):
        price_source_get()


def test_simulated_is_the_default():
    assert django_settings.MARGINLAB_PRICE_SOURCE == "simulated"
    assert django_settings.MARGINLAB_PRICE_SEED == 42


# --- the price tick ------------------------------------------------------------------------------------


def test_every_listed_pair_has_a_feed_btc_calmer_than_doge(db):
    feeds = dict(PriceFeed.objects.values_list("pair__symbol", "volatility"))

    assert sorted(feeds) == PAIRS
    assert feeds["BTCUSDT"] < feeds["ETHUSDT"] < feeds["DOGEUSDT"]
    assert PriceSourceState.objects.filter(name="simulated", step=0).exists()


def test_prices_advance_writes_marks_and_candles_and_returns_the_moved_pairs(platform):
    start = marks()
    PriceFeed.objects.filter(pair__symbol="ETHUSDT").update(volatility=0)

    moved = prices_advance(now=NOW)

    by_symbol = {pair.symbol: price for pair, price in moved}
    assert sorted(by_symbol) == [s for s in PAIRS if s != "ETHUSDT"]  # zero volatility: not moved
    after = marks()
    assert {s: after[s] for s in by_symbol} == by_symbol
    assert after["ETHUSDT"] == start["ETHUSDT"]
    assert set(MarkPrice.objects.filter(pair__symbol__in=by_symbol).values_list("updated_at", flat=True)) == {NOW}
    # The same prices the pure source gives from the same start.
    feeds = [
        Feed(f.pair.symbol, f.pair.tick_size, start[f.pair.symbol], f.volatility, f.drift)
        for f in PriceFeed.objects.select_related("pair")
    ]
    expected = SimulatedSource(seed=42).next_prices(step=0, feeds=feeds)
    assert by_symbol == {s: p for s, p in expected.items() if s != "ETHUSDT"}
    assert PriceSourceState.objects.get(name="simulated").step == 1
    candle = PriceCandle.objects.get(pair__symbol="BTCUSDT", interval=PriceCandle.Interval.MINUTE)
    assert candle.open_time == NOW.replace(second=0)
    assert candle.close == by_symbol["BTCUSDT"]


def test_the_same_seed_replays_the_same_prices_through_the_database(platform):
    start = marks()
    first = [dict((p.symbol, price) for p, price in prices_advance(now=NOW)) for _ in range(3)]

    MarkPrice.objects.all().delete()
    for symbol, price in start.items():
        MarkPrice.objects.create(pair=Pair.objects.get(symbol=symbol), price=price, updated_at=NOW)
    PriceSourceState.objects.filter(name="simulated").update(step=0)
    again = [dict((p.symbol, price) for p, price in prices_advance(now=NOW)) for _ in range(3)]

    assert first == again
    assert first[0] != first[1] != first[2]


def test_a_disabled_feed_does_not_move_and_a_new_pair_gets_a_feed(platform):
    PriceFeed.objects.filter(pair__symbol="BTCUSDT").update(enabled=False)
    eth = Pair.objects.get(symbol="ETHUSDT")
    PriceFeed.objects.filter(pair=eth).delete()
    btc_before = marks()["BTCUSDT"]

    moved = {pair.symbol for pair, _ in prices_advance(now=NOW)}

    assert "BTCUSDT" not in moved and marks()["BTCUSDT"] == btc_before
    assert "ETHUSDT" in moved
    assert PriceFeed.objects.get(pair=eth).volatility == D("0.002")


def test_replay_through_the_tick(platform, settings, tmp_path):
    settings.MARGINLAB_PRICE_SOURCE = "replay"
    settings.MARGINLAB_PRICE_REPLAY_FILE = str(write_csv(tmp_path, CANDLES))

    closes = []
    for _ in range(4):
        prices_advance(now=NOW)
        closes.append(marks()["BTCUSDT"])

    assert closes == [D("95000.00"), D("95010.00"), D("95020.00"), D("95000.00")]
    assert PriceSourceState.objects.get(name="replay").step == 4
    assert PriceSourceState.objects.get(name="simulated").step == 0  # each source keeps its own place


def test_manual_source_leaves_every_mark_alone(platform, settings, set_prices):
    settings.MARGINLAB_PRICE_SOURCE = "manual"
    set_prices(BTCUSDT="90000.00")
    before = marks()

    assert prices_advance(now=NOW) == []
    assert marks() == before
    assert before["BTCUSDT"] == D("90000.00")


def test_a_stale_step_claim_changes_nothing(platform):
    assert price_step_claim(name="simulated", step=0) is True
    assert price_step_claim(name="simulated", step=0) is False
    assert price_step_claim(name="simulated", step=5) is False
    assert PriceSourceState.objects.get(name="simulated").step == 1


def test_a_tick_that_loses_its_step_to_another_does_nothing(platform, monkeypatch):
    before = marks()
    claim = risk.price_feed.price_step_claim

    def another_tick_got_there_first(*, name, step, now=None):
        PriceSourceState.objects.filter(name=name).update(step=F("step") + 1)
        return claim(name=name, step=step, now=now)

    monkeypatch.setattr(risk.price_feed, "price_step_claim", another_tick_got_there_first)

    assert prices_advance(now=NOW) == []
    assert marks() == before
    assert PriceSourceState.objects.get(name="simulated").step == 1  # the other tick's claim only
    assert not PriceCandle.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_ticks_never_play_the_same_step(monkeypatch):
    require_postgres()
    write = risk.price_feed.mark_price_set
    barrier = threading.Barrier(2)

    def slow_write(**kwargs):
        # Hold the claimed step's transaction open, so that the other tick has read the same step.
        threading.Event().wait(0.05)
        return write(**kwargs)

    monkeypatch.setattr(risk.price_feed, "mark_price_set", slow_write)
    start = marks()
    results = []

    def tick():
        try:
            barrier.wait(timeout=10)
            results.append(prices_advance(now=NOW))
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 2
    played = [dict((pair.symbol, price) for pair, price in moved) for moved in results if moved]
    feeds = [
        Feed(f.pair.symbol, f.pair.tick_size, start[f.pair.symbol], f.volatility, f.drift)
        for f in PriceFeed.objects.select_related("pair")
    ]
    step_zero = SimulatedSource(seed=42).next_prices(step=0, feeds=feeds)
    # Usually the loser read step 0 too and then did nothing; if it came late it played step 1. Never
    # step 0 twice, and the counter counts exactly the ticks that wrote prices.
    assert played.count(step_zero) == 1
    assert PriceSourceState.objects.get(name="simulated").step == len(played)


# --- the management command ----------------------------------------------------------------------------


def test_advance_prices_command_plays_steps_and_prints_prices(platform):
    out = StringIO()

    call_command("advance_prices", "--steps", "3", stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["step 1", "step 2", "step 3"]
    assert f"BTCUSDT {marks()['BTCUSDT'].quantize(D('0.01'))}," in lines[-1]
    assert PriceSourceState.objects.get(name="simulated").step == 3


def test_advance_prices_command_reports_a_still_market_and_bad_input(platform, settings, tmp_path):
    settings.MARGINLAB_PRICE_SOURCE = "manual"
    out = StringIO()
    call_command("advance_prices", stdout=out)
    assert out.getvalue() == "step 1: no price moved (source: manual)\n"

    with pytest.raises(CommandError, match="at least 1"):
        call_command("advance_prices", "--steps", "0")

    settings.MARGINLAB_PRICE_SOURCE = "replay"
    settings.MARGINLAB_PRICE_REPLAY_FILE = str(tmp_path / "missing.csv")
    with pytest.raises(CommandError, match="Cannot read the price replay file"):
        call_command("advance_prices")

    settings.MARGINLAB_PRICE_SOURCE = "oracle"
    with pytest.raises(CommandError, match="MARGINLAB_PRICE_SOURCE is 'oracle'"):
        call_command("advance_prices")
