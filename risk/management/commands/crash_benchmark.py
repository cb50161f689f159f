"""Benchmark of the risk engine under load, with real Celery workers: a crash, and the latency of a tick.

    python manage.py crash_benchmark [--users 100000] [--workers 1,2] [--drop 20] [--latency 60]

For each worker count it seeds a PostgreSQL database of its own (``<your database>_crash_benchmark``) as
risk_benchmark does (--users users, three margin accounts each: 100,000 users are 300,000 margin accounts),
runs one full sweep, starts that many Celery worker processes (``--concurrency=1`` each: one process that
works) against the same PostgreSQL and Redis, then moves every pair down by --drop percent at once, as a
staff price change does (``tick_run`` with the moved prices, its sweep fanned out in chunks to the
workers). It prints how many accounts that put past the liquidation line (the share of all margin
accounts), the time from the price move to the last liquidation record, and liquidations per second,
per worker process, and the CPU time the workers used for it (liquidations per CPU-second of a worker: a
figure the load of a shared machine does not move, PostgreSQL's own work apart). Afterwards every liquidation must have its record, its notification and its balanced
journal entry (checked per entry: the seed writes its balances without entries, so check_ledger cannot).

``--latency N`` runs instead N seconds of the platform as deployed: the workers and beat at its default
interval (MARGINLAB_TICK_SECONDS), the simulated price source moving every pair each tick. Every margin
call and liquidation record found is timed from its price change (the last mark-price write at or before
the record's created_at: prices change only when a tick writes them) to the moment it was seen (polled
every 0.1 s); it prints p50 and p99 against the target p99 <= 2 x the beat interval.

Needs PostgreSQL and Redis (the broker). Figures depend on the machine: compare runs on one machine.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from trading.management.benchdb import run_in_bench_database, script_run

POLL_SECONDS = 0.1
UNBALANCED_SQL = """
SELECT count(*) FROM (
    SELECT l.entry_id, b.asset_id
    FROM trading_ledgerline l
    JOIN trading_journalentry e ON e.id = l.entry_id
    JOIN trading_balance b ON b.id = l.balance_id
    WHERE e.kind = %s
    GROUP BY l.entry_id, b.asset_id
    HAVING sum(CASE WHEN l.bucket IN ('free', 'locked') THEN l.amount ELSE -l.amount END) <> 0
) unbalanced
"""
CRASH_TIMEOUT = 3600.0


class Command(BaseCommand):
    help = "Crash and latency benchmark of the risk engine with real Celery worker processes."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=100_000, help="users; three margin accounts each")
        parser.add_argument("--workers", default="1,2", help="worker process counts to run, comma-separated")
        parser.add_argument("--drop", type=Decimal, default=Decimal(20), help="percent every pair falls at once")
        parser.add_argument("--chunks", type=int, default=16, help="sweep chunks the accounts are split into")
        parser.add_argument("--latency", type=int, default=0, help="seconds of beat-driven ticks instead of a crash")
        parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
        parser.add_argument("--inner", action="store_true", help="(internal)")

    def handle(self, *args, users, workers, drop, chunks, latency, keep, inner, **options):
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            raise CommandError("The benchmark needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
        counts = [int(n) for n in str(workers).split(",") if n.strip()]
        if not counts or min(counts) < 1 or not 0 < drop < 100:
            raise CommandError("--workers: counts of 1 or more; --drop: a percentage between 0 and 100")
        if inner:
            self._inner(users=users, workers=counts[0], drop=drop, chunks=chunks, latency=latency)
            return
        for count in counts:
            command = ["crash_benchmark", f"--users={users}", f"--workers={count}", f"--drop={drop}"]
            command += [f"--chunks={chunks}", f"--latency={latency}"]
            run_in_bench_database(command, keep=keep, reuse=False)

    # --- in the benchmark database ------------------------------------------------------------------

    def _inner(self, *, users: int, workers: int, drop: Decimal, chunks: int, latency: int) -> None:
        from risk import selectors as risk_selectors
        from risk.management.commands.risk_benchmark import SEED_SQL
        from trading.models import Account
        from trading.services.markets import platform_bootstrap

        call_command("migrate", verbosity=0)
        platform_bootstrap()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            script_run(cursor, SEED_SQL, {"users": users})
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        margin_accounts = Account.objects.filter(kind__in=["cross", "isolated"]).count()
        bounds = risk_selectors.margin_account_id_bounds()
        assert bounds is not None
        chunk_size = max(1000, (bounds[1] - bounds[0] + chunks) // chunks)
        self.stdout.write(
            f"seeded {margin_accounts:,} margin accounts in {time.perf_counter() - started:.1f} s; "
            f"sweep chunks of {chunk_size:,} account ids"
        )
        env = {"MARGINLAB_SWEEP_CHUNK_SIZE": str(chunk_size)}
        with override_settings(MARGINLAB_SWEEP_CHUNK_SIZE=chunk_size):
            from risk.services.sweep import sweep_all

            sweep_all()  # every account's state and first snapshot, before anything is timed
            processes = start_workers(workers, env, beat=latency > 0)
            try:
                wait_for_workers(workers)
                if latency:
                    self._latency(seconds=latency, workers=workers, beat=processes[-1])
                else:
                    self._crash(drop=drop, workers=workers, margin_accounts=margin_accounts, processes=processes)
            finally:
                stop(processes)

    def _crash(self, *, drop: Decimal, workers: int, margin_accounts: int, processes: list) -> None:
        from risk import selectors as risk_selectors
        from risk.models import Liquidation
        from risk.services.tick import tick_run
        from risk.tasks import _fan_out
        from trading.margin import Status, round_down
        from trading.models import JournalEntry, Pair, PlatformSettings
        from trading.services.markets import mark_price_set

        moved = []
        for pair in Pair.objects.select_related("mark", "base", "quote").order_by("id"):
            price = round_down(pair.mark.price * (1 - drop / 100), pair.tick_size)
            mark_price_set(symbol=pair.symbol, price=price)
            moved.append((pair, price))
        now = timezone.now()
        profile_id = PlatformSettings.objects.get().risk_profile_id
        rows = risk_selectors.accounts_needing_attention(
            inputs=risk_selectors.valuation_inputs(profile_id=profile_id), now=now, snapshot_before=now
        )
        expected = sum(1 for row in rows if row.status == Status.LIQUIDATION)
        del rows
        self.stdout.write(
            f"every pair -{drop} %: {expected:,} of {margin_accounts:,} margin accounts "
            f"({expected / margin_accounts:.1%}) past the liquidation line; {workers} worker process(es)"
        )
        cpu_before = cpu_seconds(processes)
        started = time.monotonic()
        tick_run(moved=moved, fan_out=_fan_out)
        done = 0
        while time.monotonic() - started < CRASH_TIMEOUT:
            done = Liquidation.objects.count()
            if done >= expected:
                break
            time.sleep(POLL_SECONDS)
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(processes) - cpu_before
        if done < expected:
            raise CommandError(f"only {done:,} of {expected:,} liquidations after {elapsed:.0f} s")
        # Wait for the workers to go idle: nothing in flight when check_ledger reads.
        wait_idle()
        self._check_records(done)
        entries = JournalEntry.objects.filter(kind=JournalEntry.Kind.LIQUIDATION).count()
        self.stdout.write(
            f"\n{workers} worker process(es): {done:,} liquidations in {elapsed:.2f} s from the price move to the "
            f"last record = {done / elapsed:,.0f} accounts/s, {done / elapsed / workers:,.0f} per worker process "
            f"(target >= 500); {entries:,} liquidation journal entries\n"
        )
        if cpu > 0:
            # Machine-independent of the load around: the CPU time the workers spent (PostgreSQL's apart).
            self.stdout.write(
                f"the worker processes used {cpu:.2f} CPU-seconds: {done / cpu:,.0f} liquidations per CPU-second "
                f"of a worker process (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)\n"
            )

    def _check_records(self, liquidations: int) -> None:
        from accounts.models import Notification
        from risk.models import Liquidation
        from trading.models import JournalEntry

        # The seed writes balances without journal entries (check_ledger would list them all): what is
        # checked is that every liquidation entry balances, per asset, and has its record.
        with connection.cursor() as cursor:
            cursor.execute(UNBALANCED_SQL, [JournalEntry.Kind.LIQUIDATION])
            unbalanced = cursor.fetchone()[0]
        if unbalanced:
            raise CommandError(f"{unbalanced} liquidation journal entries do not balance")
        if Liquidation.objects.filter(entry__isnull=True).exists():
            raise CommandError("a liquidation record without its journal entry")
        notified = Notification.objects.filter(kind=Notification.Kind.LIQUIDATION).count()
        accounts = Liquidation.objects.values("account").distinct().count()
        if notified != liquidations or accounts != liquidations:
            raise CommandError(
                f"{liquidations} liquidations, {notified} notifications, {accounts} accounts: "
                "one record and one notification per liquidated account expected"
            )

    def _latency(self, *, seconds: int, workers: int, beat: subprocess.Popen) -> None:
        from django.db.models import Max

        from risk.models import Liquidation, MarginCall
        from trading.models import MarkPrice

        interval = settings.MARGINLAB_TICK_SECONDS
        self.stdout.write(f"{workers} worker process(es) and beat, a tick every {interval} s, for {seconds} s ...")
        seen: dict[Any, int] = {MarginCall: _last_id(MarginCall), Liquidation: _last_id(Liquidation)}
        # A chunk task values at its own start (the record's created_at), after the tick wrote the prices:
        # a record's price change is the last price write at or before it, seen by polling.
        writes: set = set()
        found: list[tuple] = []
        ended = time.monotonic() + seconds
        while time.monotonic() < ended:
            writes.add(MarkPrice.objects.aggregate(last=Max("updated_at"))["last"])
            for model, last in seen.items():
                fresh = list(model.objects.filter(pk__gt=last).values_list("pk", "created_at"))
                observed = timezone.now()
                found += [(created_at, observed) for _, created_at in fresh]
                seen[model] = max([last, *(pk for pk, _ in fresh)])
            time.sleep(POLL_SECONDS)
        latencies = []
        for created_at, observed in found:
            changed = max((w for w in writes if w is not None and w <= created_at), default=created_at)
            latencies.append((observed - changed) / timedelta(seconds=1))
        # Tasks still waiting when the window closed: more than a tick's worth means the workers fell behind
        # beat (each later record would wait longer). Then beat stops and its queued ticks are dropped, or
        # the workers would never go idle.
        backlog = queued_tasks()
        stop([beat])
        from config.celery import app

        app.control.purge()
        wait_idle()
        self.stdout.write(f"tasks queued when the window closed: {backlog} (the workers kept up if about 0)")
        if len(latencies) < 2:
            raise CommandError(f"only {len(latencies)} margin calls or liquidations in {seconds} s: run longer")
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        self.stdout.write(
            f"\n{len(latencies):,} margin-call and liquidation records: from price change to record "
            f"p50 {p50:.2f} s, p99 {p99:.2f} s, max {latencies[-1]:.2f} s = {p99 / interval:.2f} x the beat "
            f"interval of {interval} s (target p99 <= 2)\n"
        )


def _last_id(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- the worker processes --------------------------------------------------------------------------


def start_workers(count: int, extra_env: dict[str, str], *, beat: bool) -> list[subprocess.Popen]:
    """``count`` Celery workers of one working process each (and beat), as the Procfile starts them."""
    # As the Procfile's worker runs: no prepared statements for its batch statements.
    env = os.environ | {"MARGINLAB_PREPARED_STATEMENTS": "false"} | extra_env
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    processes = [
        subprocess.Popen(
            [*celery, "worker", "--concurrency=1", "--loglevel=WARNING", f"--hostname=crash{n}@%h"],
            cwd=settings.BASE_DIR,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,  # the banner; warnings and errors still reach stderr
        )
        for n in range(count)
    ]
    if beat:
        processes.append(
            subprocess.Popen(
                [*celery, "beat", "--loglevel=WARNING"], cwd=settings.BASE_DIR, env=env, start_new_session=True
            )
        )
    return processes


def cpu_seconds(processes: list[subprocess.Popen]) -> float:
    """User + system CPU time of the workers' process groups so far (Linux's /proc; 0 elsewhere)."""
    groups = {process.pid for process in processes}
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) in groups:  # pgrp (each worker leads a session of its own)
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.0


def wait_for_workers(count: int, timeout: float = 120.0) -> None:
    from config.celery import app

    app.control.purge()  # nothing left over from an earlier run may reach these workers
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if sum(1 for reply in replies for name in reply if name.startswith("crash")) >= count:
            return
    raise CommandError(f"{count} Celery workers did not answer within {timeout:.0f} s")


def queued_tasks() -> int:
    """Messages waiting in the broker's default queue."""
    from config.celery import app

    with app.connection_for_write() as conn:
        try:
            return conn.default_channel.queue_declare(queue="celery", passive=True).message_count  # type: ignore[attr-defined]
        except Exception:  # kombu's Redis transport: no queue yet is no message
            return 0


def wait_idle(timeout: float = 600.0) -> None:
    """Until no worker has a task running or reserved (and the broker's queue is empty)."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inspect = app.control.inspect(timeout=1.0)
        active, reserved = inspect.active() or {}, inspect.reserved() or {}
        if not any(active.values()) and not any(reserved.values()) and not queued_tasks():
            return
        time.sleep(0.5)
    raise CommandError("the workers did not go idle")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, 15)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
