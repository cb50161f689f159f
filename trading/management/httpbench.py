"""The HTTP benchmark's machinery: gunicorn started as the Procfile starts it, and wrk driving it."""

from __future__ import annotations

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

from django.conf import settings
from django.core.management.base import CommandError

# The throttles and Binance weight limits raised so that they cannot refuse the load.
UNLIMITED = {
    "MARGINLAB_THROTTLE_ANON": "100000000/minute",
    "MARGINLAB_THROTTLE_USER": "100000000/minute",
    "MARGINLAB_THROTTLE_AUTH": "100000000/minute",
    "MARGINLAB_BINANCE_IP_WEIGHT_LIMIT": str(10**12),
    "MARGINLAB_BINANCE_UID_WEIGHT_LIMIT": str(10**12),
}


@dataclass
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


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


# --- where the CPU goes -------------------------------------------------------------------------------------


def cpu_seconds(server: subprocess.Popen, database: str) -> dict[int, tuple[str, float]]:
    """Per process of the run, what it is and the CPU seconds (user + system) it used so far, from /proc
    (Linux): the web server's processes (its session), PostgreSQL's backends of ``database`` and its WAL
    writer (another database's, of other work on the machine, are not counted), Redis."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            text = (proc / "stat").read_text()
            args = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
        comm, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        seconds = (int(rest[11]) + int(rest[12])) / tick  # utime, stime: fields 14 and 15 of stat(5)
        if int(rest[3]) == server.pid:  # the session gunicorn leads (start_server)
            used[int(proc.name)] = ("web", seconds)
        elif comm == "postgres" and (f" {database} " in args or args.rstrip().endswith("walwriter")):
            used[int(proc.name)] = ("postgres", seconds)
        elif comm.startswith("redis-server"):
            used[int(proc.name)] = ("redis", seconds)
    return used


def cpu_used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds between two ``cpu_seconds`` readings by kind (a process that ended between them is lost)."""
    used = {"web": 0.0, "postgres": 0.0, "redis": 0.0}
    for pid, (kind, seconds) in after.items():
        used[kind] += seconds - before.get(pid, (kind, 0.0))[1]
    return used


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
