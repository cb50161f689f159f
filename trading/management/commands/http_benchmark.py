"""HTTP benchmark of the real server: gunicorn on PostgreSQL and Redis, driven by wrk.

    python manage.py http_benchmark [--duration 10] [--rounds 3] [--connections 8] [--workers 4] [--users 40] [--keep]

In a database of its own (``<your database>_bench``; ``--suffix`` to change it) it migrates, makes --users
traders, each with an API token, a Binance-style key pair and 10 BTC of collateral in their cross account,
starts gunicorn as the Procfile does (``config.web``, config/gunicorn.py) with the throttles and Binance weight
limits raised so that they cannot refuse the load, and runs wrk against five endpoints, one after the other:

- bare: GET /api/v1/me, the same authentication, permission and throttles as every endpoint, no work;
- GET /api/v1/accounts/{id} (the cross account with its balances and margin level);
- POST /api/v1/orders, MARKET BUY ETHUSDT with MARGIN_BUY (the account holds no USDT, so each order borrows);
- POST /api/v1/orders, LIMIT SELL BTCUSDT far above the market (rests, locks BTC);
- POST /sapi/v1/margin/order, the Binance API's MARKET MARGIN_BUY, HMAC-signed.

Requests cycle over the traders, so concurrent orders seldom wait for the same account's lock. The five
run one after the other, ``--rounds`` times over (3), so that a load that comes and goes on the machine
falls on all of them alike; each round's ratios are taken against that round's bare run. It prints
requests per second, p50 and p99 latency and the CPU each request cost the web server, PostgreSQL, Redis
and wrk (from /proc: what a request costs the machine, whatever else runs on it) of every run, then per
endpoint the median over the rounds and the median of its ratios to bare. Any non-2xx answer or socket
error fails the run, and check_ledger runs on the database afterwards. Needs wrk (``apt-get install wrk``:
it is installed when missing and this runs as root with apt-get). Figures depend on the machine and what
else runs on it: compare runs on one machine.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import re
import resource
import time
from dataclasses import dataclass
from statistics import median
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from trading.management.benchdb import run_in_bench_database
from trading.management.httpbench import (
    UNITS_MS,
    Result,
    cpu_seconds,
    cpu_used,
    free_port,
    parse_wrk,
    probe,
    run_wrk,
    start_server,
    stop_server,
    wait_until_up,
    wrk_path,
    wrk_script,
)

PASSWORD = "bench-password-not-secret-42"
# A signed Binance request is good for recvWindow (at most 60 s, Binance's cap): the requests are signed
# just before their run, which must end well within it.
# https://developers.binance.com/docs/binance-spot-api-docs/rest-api/endpoint-security-type
RECV_WINDOW_MS = 60000
MAX_DURATION = 45
MAX_ROUNDS = 10


class Command(BaseCommand):
    help = "Benchmark the real HTTP server (gunicorn, PostgreSQL, Redis) with wrk: bare, account, orders, Binance."

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=10, help=f"seconds per endpoint (at most {MAX_DURATION})")
        parser.add_argument("--rounds", type=int, default=3, help="times each endpoint runs (medians are printed)")
        parser.add_argument("--connections", type=int, default=8, help="concurrent HTTP connections")
        parser.add_argument("--threads", type=int, default=2, help="wrk threads")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn processes (WEB_CONCURRENCY)")
        parser.add_argument("--users", type=int, default=40, help="traders the requests cycle over")
        parser.add_argument("--suffix", default="_bench", help="the benchmark database is <your database><suffix>")
        parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
        parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, duration, rounds, connections, threads, workers, users, suffix, keep, inner, **options):
        if not 1 <= duration <= MAX_DURATION:
            raise CommandError(f"--duration must be 1 to {MAX_DURATION} seconds")
        if not 1 <= rounds <= MAX_ROUNDS:
            raise CommandError(f"--rounds must be 1 to {MAX_ROUNDS}")
        if not inner:
            if not re.fullmatch(r"_[a-z0-9_]{1,40}", suffix):
                raise CommandError("--suffix: an underscore, then lower-case letters, digits and underscores")
            if not settings.REDIS_URL:
                raise CommandError("The benchmark needs Redis too: set REDIS_URL=redis://...")
            wrk_path()
            command = [
                "http_benchmark",
                f"--duration={duration}",
                f"--rounds={rounds}",
                f"--connections={connections}",
                f"--threads={threads}",
                f"--workers={workers}",
                f"--users={users}",
            ]
            run_in_bench_database(command, keep=keep, reuse=False, suffix=suffix)
            return
        self._inner(
            duration=duration, rounds=rounds, connections=connections, threads=threads, workers=workers, users=users
        )

    # --- inside the benchmark database ---------------------------------------------------------------

    def _inner(self, *, duration: int, rounds: int, connections: int, threads: int, workers: int, users: int) -> None:
        call_command("migrate", verbosity=0)
        traders = traders_seed(users)
        port = free_port()
        server = start_server(port=port, workers=workers)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/healthz", server)
            self.stdout.write(
                f"gunicorn on {base}: {workers} workers; wrk: {threads} threads, {connections} connections, "
                f"{duration} s per endpoint, {rounds} rounds; {len(traders)} traders"
            )
            # Every worker imports, connects and fills its caches before anything is timed.
            run_wrk("warm-up", bare(traders), base=base, duration=3, connections=connections, threads=threads)
            runs: list[list[Result]] = []
            for n in range(rounds):
                self.stdout.write(f"round {n + 1} of {rounds}")
                runs.append(
                    [
                        self._run(name, make(traders), base, duration, connections, threads, server)
                        for name, make in SCENARIOS
                    ]
                )
        finally:
            stop_server(server)
        self._report(runs)
        call_command("check_ledger")

    def _run(
        self, name: str, requests: list, base: str, duration: int, connections: int, threads: int, server
    ) -> Result:
        from trading.models import Order

        orders_before = Order.objects.count()
        database = settings.DATABASES["default"]["NAME"]
        cpu_before, wrk_before = cpu_seconds(server, database), _children_cpu()
        result = run_wrk(name, requests, base=base, duration=duration, connections=connections, threads=threads)
        used = cpu_used(cpu_before, cpu_seconds(server, database)) | {"wrk": _children_cpu() - wrk_before}
        cpu = {kind: seconds * 1000 / max(result.requests, 1) for kind, seconds in used.items()}
        self.stdout.write(
            f"  {name:<34} {result.requests_per_second:8.1f} req/s  p50 {result.p50_ms:7.2f} ms  "
            f"p99 {result.p99_ms:7.2f} ms  ({result.requests} requests, {result.errors} errors)\n"
            f"  {'':<34} CPU per request: " + ", ".join(f"{k} {v:.2f} ms" for k, v in cpu.items())
        )
        if result.errors:
            raise CommandError(f"{name}: {result.errors} failed requests; one of them: {probe(base, requests[0])}")
        made = Order.objects.count() - orders_before
        if requests[0][0] == "POST" and made < result.requests:
            # Proof that the 2xx answers placed orders (wrk counts only the status).
            raise CommandError(f"{name}: {result.requests} answered but only {made} orders placed")
        return result

    def _report(self, runs: list[list[Result]]) -> None:
        self.stdout.write("")
        self.stdout.write(f"medians over {len(runs)} rounds; ratios against the same round's bare run")
        self.stdout.write(
            f"{'endpoint':<36}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'req/s vs bare':>15}{'p50 vs bare':>13}"
        )
        for row in medians(runs):
            self.stdout.write(
                f"{row.name:<36}{row.requests_per_second:9.1f}{row.p50_ms:9.2f}{row.p99_ms:9.2f}"
                f"{row.rate_ratio:15.2f}{row.p50_ratio:13.2f}"
            )
        self.stdout.write("")


def traders_seed(users: int) -> list[dict]:
    """``users`` traders, each with an API token, a Binance-style key pair and 10 BTC in their cross account
    (and the platform bootstrapped): what the requests of ``SCENARIOS`` are made for."""
    from accounts.api_keys import api_key_create
    from accounts.services import token_create
    from trading.models import Account, AccountKind
    from trading.services.accounts import paper_funds_credit, user_signup
    from trading.services.markets import platform_bootstrap

    platform_bootstrap()
    traders = []
    # The traders sign in with tokens and keys, never with their password: a fast hasher spares the
    # seeding PBKDF2's deliberate second per user, and measures nothing the benchmark is about.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for n in range(users):
            user = user_signup(username=f"bench-http-{n}", password=PASSWORD)
            cross = Account.objects.get(user=user, kind=AccountKind.CROSS)
            paper_funds_credit(account_id=cross.pk, asset="BTC", amount="10")
            _, token = token_create(user=user, name="http benchmark")
            key, secret = api_key_create(user=user, label="http benchmark", can_trade=True)
            traders.append({"token": token, "account": cross.pk, "api_key": key.api_key, "secret": secret})
    return traders


def _children_cpu() -> float:
    """CPU seconds of this process's finished children: the wrk runs."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


@dataclass(frozen=True)
class Summary:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    rate_ratio: float  # requests/s over bare's, in the same round
    p50_ratio: float


def medians(runs: list[list[Result]]) -> list[Summary]:
    """Per endpoint, the median over the rounds of each figure and of its ratios to that round's bare run
    (the first endpoint of each round)."""
    summaries = []
    for i, name in enumerate(r.name for r in runs[0]):
        column = [run[i] for run in runs]
        summaries.append(
            Summary(
                name=name,
                requests_per_second=median(r.requests_per_second for r in column),
                p50_ms=median(r.p50_ms for r in column),
                p99_ms=median(r.p99_ms for r in column),
                rate_ratio=median(run[i].requests_per_second / run[0].requests_per_second for run in runs),
                p50_ratio=median(run[i].p50_ms / run[0].p50_ms for run in runs),
            )
        )
    return summaries


# --- the five endpoints ------------------------------------------------------------------------------


def _json(token: str, body: dict | None = None) -> dict:
    headers = {"Authorization": f"Token {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return headers


def bare(traders):
    return [("GET", "/api/v1/me", _json(t["token"]), "") for t in traders]


def account(traders):
    return [("GET", f"/api/v1/accounts/{t['account']}", _json(t["token"]), "") for t in traders]


def market_margin_buy(traders):
    return [
        (
            "POST",
            "/api/v1/orders",
            _json(t["token"], {}),
            json.dumps(
                {
                    "account": t["account"],
                    "symbol": "ETHUSDT",
                    "side": "BUY",
                    "type": "MARKET",
                    "quantity": "0.002",
                    "side_effect": "MARGIN_BUY",
                }
            ),
        )
        for t in traders
    ]


def limit_resting(traders):
    return [
        (
            "POST",
            "/api/v1/orders",
            _json(t["token"], {}),
            json.dumps(
                {
                    "account": t["account"],
                    "symbol": "BTCUSDT",
                    "side": "SELL",
                    "type": "LIMIT",
                    "quantity": "0.0001",
                    "price": "190000.00",
                }
            ),
        )
        for t in traders
    ]


def binance_margin_order(traders):
    """Signed as Binance specifies (HMAC-SHA256 of the form body), just before the run; a timestamp per
    trader, good for RECV_WINDOW_MS."""
    now = int(time.time() * 1000)
    requests = []
    for t in traders:
        params = {
            "symbol": "ETHUSDT",
            "side": "BUY",
            "type": "MARKET",
            "quantity": "0.002",
            "sideEffectType": "MARGIN_BUY",
            "newOrderRespType": "FULL",
            "recvWindow": RECV_WINDOW_MS,
            "timestamp": now,
        }
        query = urlencode(params)
        signature = hmac.new(t["secret"].encode(), query.encode(), hashlib.sha256).hexdigest()
        headers = {"X-MBX-APIKEY": t["api_key"], "Content-Type": "application/x-www-form-urlencoded"}
        requests.append(("POST", "/sapi/v1/margin/order", headers, f"{query}&signature={signature}"))
    return requests


SCENARIOS = [
    ("bare: GET /api/v1/me", bare),
    ("GET /api/v1/accounts/{id}", account),
    ("POST orders MARKET MARGIN_BUY", market_margin_buy),
    ("POST orders LIMIT (rests)", limit_resting),
    ("POST /sapi/v1/margin/order (signed)", binance_margin_order),
]

__all__ = [
    "UNITS_MS",
    "Result",
    "cpu_seconds",
    "cpu_used",
    "free_port",
    "parse_wrk",
    "probe",
    "run_wrk",
    "start_server",
    "stop_server",
    "traders_seed",
    "wait_until_up",
    "wrk_path",
    "wrk_script",
]
