"""config/web.py and config/gunicorn.py: the Procfile's `web` is gunicorn, runserver only behind the
development switch; gunicorn's settings come from the environment; the real server serves static files."""

import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from config import web

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "gunicorn.py"


def test_the_web_process_is_gunicorn_unless_the_development_switch_is_on():
    assert web.command({})[1:] == ["-m", "gunicorn", "--config", str(CONFIG)]
    assert web.command({"MARGINLAB_DEV_SERVER": "0"})[1:3] == ["-m", "gunicorn"]

    dev = web.command({"MARGINLAB_DEV_SERVER": "1", "PORT": "8123"})
    assert dev[1:] == [str(ROOT / "manage.py"), "runserver", "127.0.0.1:8123", "--noreload"]


def test_the_procfile_runs_the_web_process_through_config_web():
    lines = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line[:1].isalpha())

    assert lines["web"].strip() == "python -m config.web"


def gunicorn_settings(monkeypatch, **environ) -> dict:
    for name in ("DATABASE_URL", "WEB_CONCURRENCY", "WEB_THREADS", "WEB_BIND", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_on_sqlite_one_process_with_threads_serves(monkeypatch):
    conf = gunicorn_settings(monkeypatch, PORT="8123")

    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (1, 4, "gthread")
    assert conf["bind"] == "127.0.0.1:8123" and conf["wsgi_app"] == "config.wsgi:application"
    assert conf["control_socket_disable"] is True


def test_on_postgresql_processes_serve_and_web_concurrency_sets_how_many(monkeypatch):
    conf = gunicorn_settings(monkeypatch, DATABASE_URL="postgres://db/marginlab")
    assert (conf["workers"], conf["threads"]) == (2 * os.cpu_count() + 1, 1)

    conf = gunicorn_settings(
        monkeypatch, DATABASE_URL="postgres://db/marginlab", WEB_CONCURRENCY="3", WEB_THREADS="2", WEB_BIND="0.0.0.0:80"
    )
    assert (conf["workers"], conf["threads"], conf["bind"]) == (3, 2, "0.0.0.0:80")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


def test_gunicorn_serves_static_files_through_whitenoise(tmp_path):
    port = free_port()
    env = dict(os.environ)
    env.update(
        PORT=str(port),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_DEBUG="false",
        MARGINLAB_DEV_SERVER="",
    )
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen([sys.executable, "-m", "config.web"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = get(f"http://127.0.0.1:{port}/static/marginlab/app.css")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("gunicorn did not answer within 60 s")
                time.sleep(0.3)
        assert status == 200
        assert body == (ROOT / "trading" / "static" / "marginlab" / "app.css").read_bytes()
        assert get(f"http://127.0.0.1:{port}/healthz") == (200, b'{"status": "ok"}')
    finally:
        server.terminate()
        server.wait(timeout=15)
