"""risk/tasks.py: a 3-second tick logs one INFO line a minute, not one a tick."""

import logging

from risk import tasks


def test_ticks_are_summed_up_in_one_info_line_a_minute(caplog):
    tasks._ticks.update(since=None, ticks=0, skipped=0, filled=0, checked=0)
    quiet = {"skipped": False, "orders_filled": 1, "checked": 2, "margin_calls": [], "liquidations": []}
    with caplog.at_level(logging.INFO, logger="risk.tasks"):
        for second in range(0, 60, 3):  # twenty ticks within the minute
            tasks._tick_logged(quiet, now=1000.0 + second)
        assert caplog.records == []
        tasks._tick_logged(quiet, now=1060.0)

    (line,) = caplog.records
    assert line.levelno == logging.INFO
    assert line.getMessage() == "ticks in the last 60 s: 21 (0 skipped), 21 orders filled, 42 account checks"


def test_a_margin_call_is_logged_when_it_happens_and_celerys_per_task_lines_are_quiet(caplog):
    tasks._ticks.update(since=None, ticks=0, skipped=0, filled=0, checked=0)
    with caplog.at_level(logging.INFO, logger="risk.tasks"):
        tasks._tick_logged({"margin_calls": [7], "liquidations": []}, now=5.0)
    assert [r.getMessage() for r in caplog.records] == ["tick: margin calls [7], liquidations []"]
    # Success lines (celery.app.trace), arrivals (celery.worker.strategy) and beat's dispatches (celery.beat).
    for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name
