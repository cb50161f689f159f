"""HTTP benchmark of the real server: gunicorn on PostgreSQL and Redis, driven by wrk.

    python manage.py http_benchmark [--duration 10] [--connections 8] [--workers 4] [--users 40] [--keep]

In a database of its own (``<your database>_bench``; ``--suffix`` to change it) it migrates, makes --users
traders, each with an API token, a Binance-style key pair and 10 BTC of collateral in their cross account,
starts gunicorn as the Procfile does (``config.web``, config/gunicorn.py) with the throttles and Binance weight
limits raised so that they cannot refuse the load, and runs wrk against five endpoints, one after the other:

- bare: GET /api/v1/me, the same authentication, permission and throttles as every endpoint, no work;
- GET /api/v1/accounts/{id} (the cross account with its balances and margin level);
- POST /api/v1/orders, MARKET BUY ETHUSDT with MARGIN_BUY (the account holds no USDT, so each order borrows);
- POST /api/v1/orders, LIMIT SELL BTCUSDT far above the market (rests, locks BTC);
- POST /sapi/v1/margin/order, the Binance API's MARKET MARGIN_BUY, HMAC-signed.

Requests cycle over the traders, so concurrent orders seldom wait for the same account's lock. It prints
requests per second, p50 and p99 latency and each one's ratio to bare; any non-2xx answer or socket error
fails the run, and check_ledger runs on the database afterwards. Needs wrk (``apt-get install wrk``: it is
installed when missing and this runs as root with apt-get). Figures depend on the machine and what else runs
on it: compare runs on one machine.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from trading.management.benchdb import run_in_bench_database

PASSWORD = "bench-password-not-secret-42"
UNLIMITED = {
    "MARGINLAB_THROTTLE_ANON": "100000000/minute",
    "MARGINLAB_THROTTLE_USER": "100000000/minute",
    "MARGINLAB_THROTTLE_AUTH": "100000000/minute",
    "MARGINLAB_BINANCE_IP_WEIGHT_LIMIT": str(10**12),
    "MARGINLAB_BINANCE_UID_WEIGHT_LIMIT": str(10**12),
}
# A signed Binance request is good for recvWindow (at most 60 s, Binance's cap): the requests are signed
# just before their run, which must end well within it.
# https://developers.binance.com/docs/binance-spot-api-docs/rest-api/endpoint-security-type
RECV_WINDOW_MS = 60000
MAX_DURATION = 45


@dataclass
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


class Command(BaseCommand):
    help = "Benchmark the real HTTP server (gunicorn, PostgreSQL, Redis) with wrk: bare, account, orders, Binance."

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=10, help=f"seconds per endpoint (at most {MAX_DURATION})")
        parser.add_argument("--connections", type=int, default=8, help="concurrent HTTP connections")
        parser.add_argument("--threads", type=int, default=2, help="wrk threads")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn processes (WEB_CONCURRENCY)")
        parser.add_argument("--users", type=int, default=40, help="traders the requests cycle over")
        parser.add_argument("--suffix", default="_bench", help="the benchmark database is <your database><suffix>")
        parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
        parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, duration, connections, threads, workers, users, suffix, keep, inner, **options):
        if not 1 <= duration <= MAX_DURATION:
            raise CommandError(f"--duration must be 1 to {MAX_DURATION} seconds")
        if not inner:
            if not re.fullmatch(r"_[a-z0-9_]{1,40}", suffix):
                raise CommandError("--suffix: an underscore, then lower-case letters, digits and underscores")
            if not settings.REDIS_URL:
                raise CommandError("The benchmark needs Redis too: set REDIS_URL=redis://...")
            wrk_path()
            command = [
                "http_benchmark",
                f"--duration={duration}",
                f"--connections={connections}",
                f"--threads={threads}",
                f"--workers={workers}",
                f"--users={users}",
            ]
            run_in_bench_database(command, keep=keep, reuse=False, suffix=suffix)
            return
        self._inner(duration=duration, connections=connections, threads=threads, workers=workers, users=users)

    # --- inside the benchmark database ---------------------------------------------------------------

    def _inner(self, *, duration: int, connections: int, threads: int, workers: int, users: int) -> None:
        from trading.models import Order

        call_command("migrate", verbosity=0)
        traders = self._seed(users)
        port = free_port()
        server = start_server(port=port, workers=workers)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/healthz", server)
            self.stdout.write(
                f"gunicorn on {base}: {workers} workers; wrk: {threads} threads, {connections} connections, "
                f"{duration} s per endpoint; {len(traders)} traders"
            )
            # Every worker imports, connects and fills its caches before anything is timed.
            run_wrk("warm-up", bare(traders), base=base, duration=3, connections=connections, threads=threads)
            results = []
            for name, make in SCENARIOS:
                requests = make(traders)
                orders_before = Order.objects.count()
                result = run_wrk(name, requests, base=base, duration=duration, connections=connections, threads=threads)
                results.append(result)
                self.stdout.write(
                    f"  {name:<34} {result.requests_per_second:8.1f} req/s  p50 {result.p50_ms:7.2f} ms  "
                    f"p99 {result.p99_ms:7.2f} ms  ({result.requests} requests, {result.errors} errors)"
                )
                if result.errors:
                    raise CommandError(
                        f"{name}: {result.errors} failed requests; one of them: {probe(base, requests[0])}"
                    )
                made = Order.objects.count() - orders_before
                if requests[0][0] == "POST" and made < result.requests:
                    # Proof that the 2xx answers placed orders (wrk counts only the status).
                    raise CommandError(f"{name}: {result.requests} answered but only {made} orders placed")
        finally:
            stop_server(server)
        self._report(results)
        call_command("check_ledger")

    def _seed(self, users: int) -> list[dict]:
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

    def _report(self, results: list[Result]) -> None:
        bare = results[0]
        self.stdout.write("")
        self.stdout.write(
            f"{'endpoint':<36}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'req/s vs bare':>15}{'p50 vs bare':>13}"
        )
        for r in results:
            self.stdout.write(
                f"{r.name:<36}{r.requests_per_second:9.1f}{r.p50_ms:9.2f}{r.p99_ms:9.2f}"
                f"{r.requests_per_second / bare.requests_per_second:15.2f}{r.p50_ms / bare.p50_ms:13.2f}"
            )
        self.stdout.write("")


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


# --- the server ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(*, port: int, workers: int) -> subprocess.Popen:
    """gunicorn as the Procfile's `web` starts it (config.web), on this process's (benchmark) database."""
    from config import web

    env = dict(os.environ)
    env.update(UNLIMITED)
    env.update(PORT=str(port), WEB_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(workers), MARGINLAB_DEV_SERVER="")
    env.pop("WEB_ACCESS_LOG", None)
    # Its own process group: stopping it reaches every worker.
    return subprocess.Popen(web.command(env), cwd=settings.BASE_DIR, env=env, start_new_session=True)


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError(f"gunicorn exited with {server.returncode} before it answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise CommandError(f"gunicorn did not answer {url} within {timeout:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def probe(base: str, request: tuple) -> str:
    """One request of a scenario, by urllib, to show what the server answered."""
    method, path, headers, body = request
    req = urllib.request.Request(base + path, data=body.encode() or None, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return f"{response.status} {response.read()[:300]!r}"
    except urllib.error.HTTPError as error:
        return f"{error.code} {error.read()[:300]!r}"


# --- wrk --------------------------------------------------------------------------------------------------


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        sys.stdout.write("wrk is missing: apt-get install -y wrk\n")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False)
        path = shutil.which("wrk")
        if path:
            return path
    raise CommandError("The benchmark drives the server with wrk: install it (apt-get install wrk) and run again.")


def _lua(text: str) -> str:
    level = "=" * 4
    assert f"]{level}]" not in text
    return f"[{level}[{text}]{level}]"


def wrk_script(requests: list[tuple]) -> str:
    """A wrk script that sends ``requests`` round robin, each wrk thread starting at its own offset."""
    rows = []
    for method, path, headers, body in requests:
        # "[ [=[...]=] ]": without the spaces, "[[" would open a long string of its own.
        lua_headers = ", ".join(f"[ {_lua(k)} ] = {_lua(v)}" for k, v in headers.items())
        rows.append(f"  {{{_lua(method)}, {_lua(path)}, {{{lua_headers}}}, {_lua(body)}}},")
    return "\n".join(
        [
            "local requests = {",
            *rows,
            "}",
            "local threads = 0",
            "function setup(thread)",
            "  thread:set('offset', threads * 7919)",
            "  threads = threads + 1",
            "end",
            "local n = 0",
            "function request()",
            "  n = n + 1",
            "  local r = requests[((offset or 0) + n) % #requests + 1]",
            "  local body = r[4] ~= '' and r[4] or nil",
            "  return wrk.format(r[1], r[2], r[3], body)",
            "end",
        ]
    )


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    number, unit = match.groups()
    return float(number) * UNITS_MS[unit]


def parse_wrk(name: str, output: str) -> Result:
    def find(pattern: str) -> re.Match:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise CommandError(f"{name}: cannot read wrk's output ({pattern}):\n{output}")
        return match

    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return Result(
        name=name,
        requests_per_second=float(find(r"^Requests/sec:\s+([\d.]+)").group(1)),
        p50_ms=_ms(find(r"^\s+50%\s+(\S+)").group(1)),
        p99_ms=_ms(find(r"^\s+99%\s+(\S+)").group(1)),
        requests=int(find(r"^\s+(\d+) requests in").group(1)),
        errors=errors,
    )


def run_wrk(name: str, requests, *, base: str, duration: int, connections: int, threads: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="http-benchmark-") as tmp:
        script = Path(tmp) / "requests.lua"
        script.write_text(wrk_script(requests))
        command = [
            wrk_path(),
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={duration}s",
            "--timeout=10s",
            "--latency",
            f"--script={script}",
            base,
        ]
        finished = subprocess.run(command, capture_output=True, text=True, check=False)
    # wrk reports a broken script on stderr and then load-tests GET / instead: never take that for a result.
    if finished.returncode or finished.stderr.strip():
        raise CommandError(f"{name}: wrk failed ({finished.returncode}): {finished.stderr or finished.stdout}")
    return parse_wrk(name, finished.stdout)
