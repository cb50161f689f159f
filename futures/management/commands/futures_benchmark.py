"""Benchmark the futures sweep on PostgreSQL, in a database of its own (``<your database>_futures_benchmark``,
dropped afterwards unless --keep).

Seeds ``--users`` futures wallets with ``--positions`` positions each (cross and isolated, long and
short, 20x, within 1-30 % of the mark), none past the warning line, then times (median of --repeat):

- floor: one SQL query reading every open position with its mark (what any valuation must read);
- first sweep: ``futures_sweep()`` with no bands yet: every wallet valued in SQL, every band written
  (what follows a funding run or a bracket change), once; then VACUUM ANALYZE of the positions, as
  autovacuum would after that rewrite;
- full sweep: ``futures_sweep()``, every open position compared with its band (the whole book);
- one-symbol tick: BTCUSDT's mark moves by 0.05 %, then ``futures_tick_sweep()`` (the moved symbol's
  positions out of their band, and those without one);
- full sweep after a 3 % move of BTCUSDT: its holders valued again and banded, once;
- full sweep after funding cleared every band (as every funding run does): the whole book valued and
  banded again, once.
The three worst cases (first, moved, funded) are printed as multiples of the floor too.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from trading.lookup_cache import lookups_changed
from trading.management.benchdb import run_in_bench_database, script_run

SEED_SQL = """
SELECT setseed(0.42);
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
SELECT '!', false, 'fbench-' || g, '', '', '', false, true, now() FROM generate_series(1, %(users)s) g;

INSERT INTO trading_account (user_id, kind, pair_id, leverage, system_code, is_frozen, created_at)
SELECT u.id, 'futures', NULL, NULL, NULL, false, now() FROM accounts_user u WHERE u.username LIKE 'fbench-%%';

INSERT INTO trading_balance (account_id, asset_id, free, locked, borrowed, interest, is_system, interest_accrued_exact)
SELECT a.id, (SELECT id FROM trading_asset WHERE code = 'USDT'), 100000, 0, 0, 0, false, 0
FROM trading_account a WHERE a.kind = 'futures';

DROP TABLE IF EXISTS fbench_sym;
CREATE TEMP TABLE fbench_sym AS
SELECT s.id, m.price, row_number() OVER (ORDER BY s.id) - 1 AS k
FROM futures_futuressymbol s JOIN trading_markprice m ON m.pair_id = s.pair_id;

INSERT INTO futures_futuresposition (account_id, symbol_id, position_amt, entry_price, margin_type, leverage,
                                      isolated_margin, updated_at)
SELECT a.id, s.id,
       round(((CASE WHEN random() < 0.5 THEN 1 ELSE -1 END) * (200 + random() * 1800) / s.price)::numeric, 3),
       round((s.price * (0.7 + random() * 0.6))::numeric, 2),
       CASE WHEN x.n = 0 THEN 'ISOLATED' ELSE 'CROSSED' END, 20,
       CASE WHEN x.n = 0 THEN 1000 ELSE 0 END, now()
FROM trading_account a
CROSS JOIN generate_series(0, %(positions)s - 1) x(n)
JOIN fbench_sym s ON s.k = (a.id + x.n) %% 4
WHERE a.kind = 'futures';

UPDATE trading_balance b SET locked = 1000, free = 99000
FROM trading_account a WHERE a.id = b.account_id AND a.kind = 'futures';
"""

FLOOR_SQL = """
SELECT count(*), sum(p.position_amt * (mp.price * (1 + s.basis_rate) - p.entry_price))
FROM futures_futuresposition p
JOIN futures_futuressymbol s ON s.id = p.symbol_id
JOIN trading_markprice mp ON mp.pair_id = s.pair_id
WHERE p.position_amt <> 0
"""

MOVE_SQL = """
UPDATE trading_markprice SET price = round(price * %(factor)s, 2)
WHERE pair_id = (SELECT pair_id FROM futures_futuressymbol WHERE symbol = %(symbol)s)
"""


def seed(*, users: int, positions: int) -> None:
    with connection.cursor() as cursor:
        script_run(cursor, SEED_SQL, {"users": users, "positions": min(positions, 4)})


def floor() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL)
        return cursor.fetchone()


def move(symbol: str, factor: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(MOVE_SQL, {"symbol": symbol, "factor": factor})
    lookups_changed()  # raw SQL: the processes' copies of the mark prices are retired by hand


def analyze() -> None:
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE futures_futuresposition")


def timed(func: Callable[[], object], repeat: int = 1, before: Callable[[], object] | None = None) -> float:
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(*, repeat: int) -> dict[str, float]:
    """The figures, in seconds; the sweeps run as the engine runs them."""
    from futures.services.common import bands_clear
    from futures.services.sweep import futures_sweep, futures_tick_sweep

    figures = {"positions": float(floor()[0]), "floor": timed(floor, repeat)}
    figures["first"] = timed(futures_sweep)
    analyze()  # what autovacuum does after a rewrite of most rows: the planner learns the bands exist
    figures["full"] = timed(futures_sweep, repeat)
    futures_sweep()  # the baseline's marks: what the tick compares with
    figures["tick"] = timed(futures_tick_sweep, repeat, before=lambda: move("BTCUSDT", "1.0005"))
    figures["moved"] = timed(futures_sweep, before=lambda: move("BTCUSDT", "1.03"))
    figures["funded"] = timed(futures_sweep, before=bands_clear)
    return figures


class Command(BaseCommand):
    help = "Benchmark the futures sweep (floor scan, full sweep, one-symbol tick) on PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=100_000)
        parser.add_argument("--positions", type=int, default=3, help="positions per wallet (at most 4)")
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--keep", action="store_true")
        parser.add_argument("--reuse", action="store_true")
        parser.add_argument("--inner", action="store_true", help=argparse_suppress())

    def handle(self, *args, users, positions, repeat, keep, reuse, inner, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
        if not inner:
            command = ["futures_benchmark", f"--users={users}", f"--positions={positions}", f"--repeat={repeat}"]
            run_in_bench_database(command + (["--reuse"] if reuse else []), keep=keep or reuse, reuse=reuse)
            return
        from futures.services.common import bands_clear
        from trading.services.markets import platform_bootstrap

        if not reuse:
            call_command("migrate", verbosity=0)
            platform_bootstrap()
            started = time.perf_counter()
            seed(users=users, positions=positions)
            connection.close()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            self.stdout.write(f"seeded {users:,} wallets in {time.perf_counter() - started:.1f}s")
        else:
            bands_clear()
        figures = measure(repeat=repeat)
        base, full, tick = figures["floor"], figures["full"], figures["tick"]
        self.stdout.write(f"{int(figures['positions']):,} open positions")
        self.stdout.write(f"floor (bare scan of the positions with marks)  {base:8.3f} s")
        self.stdout.write(
            f"first sweep (no bands: all valued, banded)     {figures['first']:8.3f} s  = {figures['first'] / base:.2f} x floor"
        )
        self.stdout.write(
            f"full sweep (every position against its band)   {full:8.3f} s  = {full / base:.2f} x floor (target <= 1.5)"
        )
        self.stdout.write(
            f"one-symbol tick (BTCUSDT +0.05 %)              {tick:8.3f} s  = {tick / full:.2f} x full sweep (target <= 0.2)"
        )
        self.stdout.write(
            f"full sweep after BTCUSDT +3 % (holders valued) {figures['moved']:8.3f} s  = {figures['moved'] / base:.2f} x floor"
        )
        self.stdout.write(
            f"full sweep after funding cleared every band    {figures['funded']:8.3f} s  = {figures['funded'] / base:.2f} x floor"
        )


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS
