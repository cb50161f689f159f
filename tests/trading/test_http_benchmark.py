"""trading/management/commands/http_benchmark.py: the wrk script it writes sends the requests it was given,
and wrk's report is read right (errors included). The run itself needs PostgreSQL, Redis and wrk: see README."""

import http.server
import shutil
import subprocess
import threading

import pytest

from tests.helpers import IN_CI
from trading.management.commands import http_benchmark as bench

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:41853
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.31ms   10.02ms 210.44ms   91.23%
    Req/Sec   340.12     50.31   420.00     70.00%
  Latency Distribution
     50%  850.00us
     75%   12.40ms
     90%   20.10ms
     99%    1.20s
  6789 requests in 10.01s, 3.10MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    678.21
Transfer/sec:    317.20KB
"""


def test_wrk_report_is_read_with_its_units_and_errors():
    result = bench.parse_wrk("bare", WRK_OUTPUT)

    assert (result.requests_per_second, result.p50_ms, result.p99_ms) == (678.21, 0.85, 1200.0)
    assert (result.requests, result.errors) == (6789, 7)


def test_a_wrk_report_without_figures_is_an_error():
    with pytest.raises(bench.CommandError, match="cannot read wrk's output"):
        bench.parse_wrk("bare", "unable to connect to 127.0.0.1:1 Connection refused")


def test_binance_requests_are_signed_over_their_body(settings):
    (method, path, headers, body), *_ = bench.binance_margin_order([{"api_key": "k", "secret": "s"}])

    query, signature = body.rsplit("&signature=", 1)
    assert (method, path, headers["X-MBX-APIKEY"]) == ("POST", "/sapi/v1/margin/order", "k")
    assert "sideEffectType=MARGIN_BUY" in query and "recvWindow=60000" in query
    assert signature == bench.hmac.new(b"s", query.encode(), bench.hashlib.sha256).hexdigest()


def test_the_wrk_script_sends_each_request_with_its_method_headers_and_body(tmp_path):
    if shutil.which("wrk") is None:
        if IN_CI:
            pytest.fail("CI must run this test: apt-get install wrk (.ci/run does)")
        pytest.skip("needs wrk (apt-get install wrk); runs in CI")
    seen = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.command, self.path, self.headers["Authorization"], body))
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    traders = [{"token": "t1", "account": 1}, {"token": "t2", "account": 2}]
    script = tmp_path / "s.lua"
    script.write_text(bench.wrk_script(bench.market_margin_buy(traders)))
    try:
        run = subprocess.run(
            ["wrk", "-t1", "-c1", "-d1s", f"-s{script}", f"http://127.0.0.1:{server.server_port}"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        server.shutdown()

    assert run.returncode == 0 and not run.stderr
    assert {(m, p, a) for m, p, a, _ in seen} == {
        ("POST", "/api/v1/orders", "Token t1"),
        ("POST", "/api/v1/orders", "Token t2"),
    }
    assert b'"side_effect": "MARGIN_BUY"' in seen[0][3]


def test_medians_take_each_rounds_ratio_against_that_rounds_bare_run():
    def run(bare_rate, order_rate, bare_p50, order_p50):
        return [
            bench.Result("bare", bare_rate, bare_p50, 10.0, 100, 0),
            bench.Result("order", order_rate, order_p50, 20.0, 50, 0),
        ]

    # The machine slows down in round 2: both runs of that round halve, their ratio stays.
    rounds = [run(400, 200, 2.0, 4.0), run(200, 100, 4.0, 8.0), run(400, 240, 2.0, 3.0)]
    bare, order = bench.medians(rounds)

    assert (bare.name, bare.requests_per_second, bare.rate_ratio, bare.p50_ratio) == ("bare", 400, 1.0, 1.0)
    assert (order.name, order.requests_per_second, order.p50_ms, order.p99_ms) == ("order", 200, 4.0, 20.0)
    assert (order.rate_ratio, order.p50_ratio) == (0.5, 2.0)


def test_cpu_per_kind_counts_what_each_process_used_between_the_readings():
    before = {1: ("web", 2.0), 2: ("postgres", 5.0), 3: ("postgres", 1.0)}
    # 1 used 0.5 s more; 2 ended (its time is lost); 4 is a backend that started meanwhile; 5 is Redis.
    after = {1: ("web", 2.5), 3: ("postgres", 1.25), 4: ("postgres", 0.5), 5: ("redis", 0.125)}

    assert bench.cpu_used(before, after) == {"web": 0.5, "postgres": 0.75, "redis": 0.125}
