"""Benchmark of the risk engine on PostgreSQL: the floor query, the full sweep and a one-pair tick.

    python manage.py risk_benchmark [--users 100000] [--repeat 3] [--keep]

It works in a database of its own (``<your database>_risk_benchmark``, created and migrated here), so nothing
of yours is touched. It seeds N users with a spot wallet, a cross account (USDT debt against two
assets) and two isolated accounts each (about 3N margin accounts and 8N balances), with margin
levels spread from the liquidation line to 3, then prints, best of --repeat runs:

- floor: the bare SQL query computing every account's asset and debt value;
- full sweep: classification of every margin account and the work it leads to, as the engine runs it
  (chunked by account id, the chunks run one after another here);
- one-pair tick: BTCUSDT alone moves: new mark price, matching, and the sweep of the exposed accounts
  (of those, the ones the full sweep left watched, and any the ledger changed since; the moves stay
  well within the watch factor, as a tick's do); and the same tick with no baseline holding, which
  values every exposed account (after a move beyond the watch factor, until the next full sweep).

Targets (from the risk-engine issue): full sweep <= 1.5 x floor; one-pair tick <= 0.2 x full sweep.
"""

from __future__ import annotations

import argparse
import statistics
import time
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from risk import selectors as risk_selectors
from risk.models import AccountRisk, SweepBaseline
from risk.services.sweep import sweep_all, sweep_run
from risk.services.tick import tick_run
from trading.management.benchdb import run_in_bench_database, script_run
from trading.margin import round_down
from trading.models import Account, Balance, Pair, PlatformSettings
from trading.services.markets import mark_price_set, platform_bootstrap

SEED_SQL = """
SELECT setseed(0.42);

INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
SELECT '!', false, 'bench-' || g, '', '', '', false, true, now() FROM generate_series(1, %(users)s) g;

-- spot, cross and two isolated accounts per user; the two isolated pairs always differ
INSERT INTO trading_account (user_id, kind, pair_id, leverage, system_code, is_frozen, created_at)
SELECT u.id, x.kind, x.pair_id, x.leverage, NULL, false, now()
FROM accounts_user u
CROSS JOIN LATERAL (
    SELECT 1 AS n, 'spot' AS kind, NULL::bigint AS pair_id, NULL::smallint AS leverage
    UNION ALL SELECT 2, 'cross', NULL, CASE WHEN random() < 0.5 THEN 3 ELSE 5 END
    UNION ALL SELECT 3, 'isolated', (SELECT id FROM trading_pair ORDER BY id OFFSET (u.id %% 8) LIMIT 1), 5
    UNION ALL SELECT 4, 'isolated', (SELECT id FROM trading_pair ORDER BY id OFFSET ((u.id + 1 + (u.id / 8) %% 7) %% 8) LIMIT 1), 5
) x
WHERE u.username LIKE 'bench-%%'
ORDER BY u.id, x.n;

CREATE TEMP TABLE bench_px AS
SELECT p.id AS pair_id, p.base_id AS asset_id, m.price, row_number() OVER (ORDER BY p.id) - 1 AS k
FROM trading_pair p JOIN trading_markprice m ON m.pair_id = p.id;

-- every account gets a debt D and assets worth D * level, level between 1.06 and 3.0 (about 2 %% in
-- margin call, none past the liquidation line yet)
CREATE TEMP TABLE bench_acc AS
SELECT a.id, a.kind, a.pair_id, (200 + random() * 1800)::numeric(20, 8) AS debt,
       (1.06 + random() * 1.94)::numeric(20, 8) AS level,
       (random() * 8)::int %% 8 AS k1, (1 + (random() * 6)::int) AS step
FROM trading_account a JOIN accounts_user u ON u.id = a.user_id
WHERE u.username LIKE 'bench-%%';

INSERT INTO trading_balance (account_id, asset_id, free, locked, borrowed, interest, is_system, interest_accrued_exact)
SELECT b.account_id, b.asset_id, b.free, 0, b.borrowed, 0, false, 0 FROM (
    SELECT a.id AS account_id, (SELECT id FROM trading_asset WHERE code = 'USDT') AS asset_id,
           CASE WHEN a.kind = 'spot' THEN 10000 ELSE 0 END::numeric(32, 8) AS free,
           CASE WHEN a.kind = 'spot' THEN 0 ELSE a.debt END AS borrowed, 0 AS n
    FROM bench_acc a
    UNION ALL
    SELECT a.id, px.asset_id, round(a.debt * a.level / px.price, 8), 0, 1
    FROM bench_acc a JOIN bench_px px ON px.pair_id = a.pair_id
    WHERE a.kind = 'isolated'
    UNION ALL
    SELECT a.id, px.asset_id, round(a.debt * a.level / 2 / px.price, 8), 0, 1 + px.k
    FROM bench_acc a JOIN bench_px px ON px.k IN (a.k1, (a.k1 + a.step) %% 8)
    WHERE a.kind = 'cross'
) b ORDER BY b.account_id, b.n;
"""


class Command(BaseCommand):
    help = "Benchmark the risk engine (floor query, full sweep, one-pair tick) on PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
        parser.add_argument("--reuse", action="store_true", help="measure a kept benchmark database again")
        parser.add_argument("--inner", action="store_true", help=argparse_suppress())

    def handle(self, *args, users, repeat, keep, reuse, inner, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
        if not inner:
            return self._outer(users=users, repeat=repeat, keep=keep or reuse, reuse=reuse)
        self._inner(users=users, repeat=repeat, reuse=reuse)

    def _outer(self, *, users: int, repeat: int, keep: bool, reuse: bool) -> None:
        command = ["risk_benchmark", f"--users={users}", f"--repeat={repeat}"] + (["--reuse"] if reuse else [])
        run_in_bench_database(command, keep=keep, reuse=reuse)

    # --- in the benchmark database ------------------------------------------------------------------

    def _inner(self, *, users: int, repeat: int, reuse: bool) -> None:
        if not reuse:
            call_command("migrate", verbosity=0)
            platform_bootstrap()
            self.stdout.write(f"seeding {users:,} users ...")
            started = time.perf_counter()
            with connection.cursor() as cursor:
                script_run(cursor, SEED_SQL, {"users": users})
            connection.close()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            self.stdout.write(f"seeded in {time.perf_counter() - started:.1f}s")
            first = self._timed(lambda: sweep_all(), 1)
            self.stdout.write(f"first sweep (a state and a snapshot for every account with debt): {first:.3f}s")
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        margin_accounts = Account.objects.filter(kind__in=["cross", "isolated"]).count()
        balances = Balance.objects.filter(is_system=False).count()
        warm = sweep_all()
        self.stdout.write(
            f"{margin_accounts:,} margin accounts, {balances:,} balances; a steady sweep finds {warm.checked:,} "
            f"accounts in or near margin call, liquidates {len(warm.liquidations):,}"
        )

        profile_id = PlatformSettings.objects.get().risk_profile_id
        floor = self._timed(
            lambda: risk_selectors.margin_levels_floor(inputs=risk_selectors.valuation_inputs(profile_id=profile_id)),
            repeat,
        )
        one_query = self._timed(lambda: sweep_run(), repeat)
        sweep = self._timed(lambda: sweep_all(), repeat)

        btc = Pair.objects.select_related("base").get(symbol="BTCUSDT")
        price = btc.mark.price
        moves = iter([price * Decimal(f) for f in ("1.001", "0.999", "1.002", "0.998", "1.001", "0.999") * 2 * repeat])

        def one_pair_tick():
            new = round_down(next(moves), btc.tick_size)
            mark_price_set(symbol=btc.symbol, price=new)
            return tick_run(moved=[(btc, new)])

        tick = self._timed(one_pair_tick, repeat)
        # Without a baseline that holds (as after a move beyond the watch factor), a tick values every
        # exposed account; the next full sweep records the baselines again.
        SweepBaseline.objects.all().delete()
        unbounded = self._timed(one_pair_tick, repeat)
        sweep_all()
        exposed = Balance.objects.filter(asset_id=btc.base_id, is_system=False).values("account").distinct()
        watched = AccountRisk.objects.filter(account__in=exposed, watched=True).count()

        self.stdout.write("")
        self.stdout.write(f"floor (one SQL query, every account's value)   {floor:8.3f} s")
        self.stdout.write(
            f"full sweep, one query                          {one_query:8.3f} s  = {one_query / floor:.2f} x floor"
        )
        self.stdout.write(
            f"full sweep, chunked as the engine runs it      {sweep:8.3f} s  = {sweep / floor:.2f} x floor   (target <= 1.5)"
        )
        self.stdout.write(
            f"one-pair tick (BTCUSDT moved)                  {tick:8.3f} s  = {tick / sweep:.2f} x full sweep (target <= 0.2)"
        )
        self.stdout.write(
            f"one-pair tick, no baseline holding             {unbounded:8.3f} s  = {unbounded / sweep:.2f} x full sweep "
            "(every exposed account valued)"
        )
        self.stdout.write(
            f"(accounts holding or owing BTC: {exposed.count():,} of {margin_accounts:,} margin accounts, "
            f"{watched:,} of them watched)"
        )

    def _timed(self, func, repeat: int) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            func()
            times.append(time.perf_counter() - started)
        return min(times) if repeat < 3 else statistics.median(times)


def argparse_suppress():
    return argparse.SUPPRESS
