"""What one request costs the machine, in this process, and the least an order's writes can cost.

    python manage.py order_cost_benchmark [--requests 300] [--users 10] [--keep]

The HTTP benchmark (``http_benchmark``) measures what users meet, but on a machine whose speed comes and goes
(the same loop takes 0.18 to 0.32 s from one second to the next here) its ratios move by 0.1 from one run to
the next. This one takes the requests of the HTTP benchmark's scenarios (the same traders, bodies and
signatures) through Django's own WSGI handler in this process, one of each in turn, so that a slow second
falls on all of them alike, and counts the CPU each costs: this process's (``time.process_time``) and its
PostgreSQL backend's (``/proc/<pid>/schedstat``: the database must run on this machine). Per scenario it prints
both and their sum as a multiple of the bare request's.

And the floor of an order (``floor:`` rows): the bare request followed by nothing but the order's own SQL
statements, captured from one order and run again in one transaction (each time with a new client order id),
with no parsing, checking, filling or answer. What any implementation of these writes costs on this stack at
least: an order's target ratio to bare (``http_benchmark``: 0.5 of the rate, 2.0 x the cost) cannot be met by
less work in Python while the floor is above it.

In a database of its own (``<your database>_cost``), seeded as ``http_benchmark`` seeds, with its throttles
and Binance weight limits raised. Needs PostgreSQL on this machine and Redis.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from trading.management.benchdb import run_in_bench_database
from trading.management.commands.http_benchmark import SCENARIOS, traders_seed
from trading.management.httpbench import UNLIMITED

# The orders whose floor is measured: their SQL captured from one order of the scenario.
FLOORS = {"POST orders MARKET MARGIN_BUY": "MARKET", "POST orders LIMIT (rests)": "LIMIT"}
CLIENT_ORDER_ID = re.compile(r"ml-[0-9a-f]{30}")
WARM_UP = 20
REMAKE = 200


@dataclass
class Cost:
    name: str
    requests: int = 0
    python: float = 0.0  # CPU seconds, this process
    postgres: float = 0.0  # CPU seconds, its PostgreSQL backend

    def ms(self, seconds: float) -> float:
        return seconds * 1000 / max(self.requests, 1)


@dataclass
class Scenario:
    name: str
    requests: list
    # Makes its requests again every REMAKE sends (Binance's are signed for a minute); None: never.
    make: Callable[[], list] | None = None
    sent: int = 0
    cost: Cost = field(init=False)

    def __post_init__(self) -> None:
        self.cost = Cost(self.name)

    def next(self):
        self.sent += 1
        if self.make is not None and self.sent % REMAKE == 0:
            self.requests = self.make()
        return self.requests[self.sent % len(self.requests)]


class Command(BaseCommand):
    help = "CPU per request (this process and its PostgreSQL backend), in-process, and the floor of an order."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=300, help="requests of each scenario measured")
        parser.add_argument("--users", type=int, default=10, help="traders the requests cycle over")
        parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
        parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, requests, users, keep, inner, **options):
        if not 1 <= requests <= 100_000 or not 1 <= users <= 1000:
            raise CommandError("--requests: 1 to 100000; --users: 1 to 1000")
        if not inner:
            if not settings.REDIS_URL:
                raise CommandError("The benchmark needs Redis too: set REDIS_URL=redis://...")
            # The throttles' rates are read when the settings load: raised for the inner run.
            os.environ.update(UNLIMITED)
            command = ["order_cost_benchmark", f"--requests={requests}", f"--users={users}"]
            run_in_bench_database(command, keep=keep, reuse=False, suffix="_cost")
            return
        call_command("migrate", verbosity=0)
        traders = traders_seed(users)
        self._measure(traders, requests)

    def _measure(self, traders: list[dict], count: int) -> None:
        from django.core.handlers.wsgi import WSGIHandler
        from django.db import connection

        handler = WSGIHandler()
        backend = _backend_cpu(connection)
        scenarios = [Scenario(name, make(traders), partial(make, traders)) for name, make in SCENARIOS]
        bare = scenarios[0]
        for scenario in scenarios:  # every code path imported, every copy and prepared statement made
            for _ in range(WARM_UP):
                request(handler, scenario.next())
        # Captured from an order of an account that holds every asset already (no balance made).
        floors = []
        for scenario in scenarios:
            if scenario.name in FLOORS:
                statements = _captured(handler, connection, scenario.next())
                floors.append(Scenario(f"floor: bare + the SQL of {FLOORS[scenario.name]}", [statements]))
        for _ in range(WARM_UP):
            for floor in floors:
                _floor(handler, connection, bare.next(), floor.next())
        self.stdout.write(f"{count} requests of each, one of each in turn; CPU per request")
        for _ in range(count):
            for scenario in scenarios:
                _timed(scenario.cost, backend, partial(request, handler, scenario.next()))
            for floor in floors:
                _timed(floor.cost, backend, partial(_floor, handler, connection, bare.next(), floor.next()))
        unit = bare.cost.python + bare.cost.postgres
        self.stdout.write(f"{'':<44}{'python ms':>10}{'postgres ms':>13}{'total ms':>10}{'x bare':>8}")
        for cost in [s.cost for s in scenarios] + [f.cost for f in floors]:
            total = cost.python + cost.postgres
            self.stdout.write(
                f"{cost.name:<44}{cost.ms(cost.python):10.2f}{cost.ms(cost.postgres):13.2f}"
                f"{cost.ms(total):10.2f}{total / unit:8.2f}"
            )


def environ(method: str, path: str, headers: dict, body: str) -> dict:
    """A WSGI environ as gunicorn makes it for this request."""
    path, _, query = path.partition("?")
    data = body.encode()
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "CONTENT_LENGTH": str(len(data)),
    }
    for name, value in headers.items():
        if name.lower() == "content-type":
            env["CONTENT_TYPE"] = value
        else:
            env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


def request(handler, req: tuple) -> bytes:
    """One request through Django's WSGI handler; anything but a 2xx stops the benchmark."""
    status = []
    body = b"".join(handler(environ(*req), lambda line, headers, exc_info=None: status.append(line)))
    if not status[0].startswith("2"):
        raise CommandError(f"{req[0]} {req[1]}: {status[0]} {body[:300]!r}")
    return body


def _backend_cpu(connection):
    """A reading of the CPU seconds the connection's PostgreSQL backend used so far (Linux, same machine)."""
    connection.ensure_connection()
    stat = Path(f"/proc/{connection.connection.info.backend_pid}/schedstat")
    if not stat.exists():
        raise CommandError("PostgreSQL must run on this machine: its backend's CPU is read from /proc")

    def read() -> float:
        return int(stat.read_text().split()[0]) / 1e9

    return read


def _timed(cost: Cost, backend, run: Callable[[], object]) -> None:
    postgres, python = backend(), time.process_time()
    run()
    cost.python += time.process_time() - python
    cost.postgres += backend() - postgres
    cost.requests += 1


def _floor(handler, connection, bare: tuple, statements: list[tuple]) -> None:
    """The bare request, then nothing but an order's own SQL (``_captured``)."""
    request(handler, bare)
    _replay(connection, statements)


def _captured(handler, connection, req: tuple) -> list[tuple]:
    """The SQL statements one request runs after its authentication (its token's look-up is the bare
    request's too): the order's own, to be run again by ``_replay``."""
    seen: list[tuple] = []

    def capture(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        request(handler, req)
    return [(sql, params) for sql, params in seen if "accounts_apitoken" not in sql]


def _replay(connection, statements: list[tuple]) -> None:
    """The statements again, in one transaction, each client order id a new one (ids are unique)."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            if isinstance(params, dict):
                params = {k: _new_ids(v) for k, v in params.items()}
            cursor.execute(sql, params)
            if cursor.description is not None:
                cursor.fetchall()


def _new_ids(value):
    return CLIENT_ORDER_ID.sub(lambda _: f"ml-{uuid.uuid4().hex[:30]}", value) if isinstance(value, str) else value
