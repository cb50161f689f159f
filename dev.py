#!/usr/bin/env python3
"""MarginLab's two commands (and a third for CI), with nothing but the standard library.

    python3 dev.py run [--dev]    set up .venv and the database, then run web (gunicorn; with --dev Django's
                                  runserver) + Celery worker + beat
    python3 dev.py test [ARGS]    run pytest with ARGS
    python3 dev.py check          ruff check, ruff format --check, makemigrations --check, mypy

Everything runs in ./.venv, made with this Python if missing. Requirements are installed again only
when a requirements file changed (a stamp in .venv remembers their hashes).
"""

from __future__ import annotations  # so that an old Python gets as far as the version check

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

MIN_PYTHON = (3, 11)
ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".marginlab-requirements"
BANNER_REPEAT_SECONDS = 300
USAGE = "usage: python3 dev.py run [--dev] | test [pytest args] | check"


def main(argv: list) -> int:
    if sys.version_info < MIN_PYTHON:
        wanted = ".".join(map(str, MIN_PYTHON))
        sys.exit(f"MarginLab needs Python {wanted} or newer; this is {sys.version.split()[0]} ({sys.executable}).")
    if not argv or argv[0] not in COMMANDS:
        print(USAGE, file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])


# --- the commands -------------------------------------------------------------------------------------


def run(args: list) -> int:
    server = run_server_env(args)
    prepare("requirements.txt")
    port = os.environ.get("PORT") or "8000"
    env = venv_env(PORT=port, PYTHONUNBUFFERED="1", **server)
    for step in (["migrate", "--noinput"], ["collectstatic", "--noinput", "--verbosity", "0"], ["bootstrap"]):
        call([PYTHON, "manage.py", *step], env=env)
    seeded = subprocess.run([PYTHON, "manage.py", "seed_demo"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    if seeded.returncode:
        sys.stdout.write(seeded.stdout)
        sys.exit(f"manage.py seed_demo failed (exit {seeded.returncode})")
    lines = seeded.stdout.strip().splitlines() or ["(seed_demo printed nothing)"]
    banner = next((line for line in lines if line.startswith("MarginLab is running")), lines[-1])
    show(banner, "starting web server, Celery worker and Celery beat; Ctrl-C stops all three")

    # honcho runs the Procfile: it prefixes each process's output, and on SIGINT/SIGTERM it sends
    # SIGTERM to every process group, then SIGKILL to whatever is still running after 5 s.
    honcho = subprocess.Popen([BIN / "honcho", "start", "--port", port], cwd=ROOT, env=env)
    stopping = threading.Event()

    def forward(signum, frame):
        # Ctrl-C in a terminal reaches honcho too (same process group); a second SIGINT is harmless.
        stopping.set()
        if honcho.poll() is None:
            honcho.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    threading.Thread(target=announce_when_up, args=(port, banner, honcho), daemon=True).start()
    code = honcho.wait()
    return 0 if stopping.is_set() else code


def run_server_env(args: list) -> dict:
    """What `run`'s arguments add to the environment: --dev turns the Procfile's `web` into Django's
    runserver (config/web.py reads MARGINLAB_DEV_SERVER); without it, gunicorn."""
    if any(arg != "--dev" for arg in args):
        sys.exit(f"dev.py run takes only --dev (set PORT=... to change the port)\n{USAGE}")
    return {"MARGINLAB_DEV_SERVER": "1"} if args else {}


def test(args: list) -> int:
    prepare("requirements-dev.txt")
    return subprocess.call([PYTHON, "-m", "pytest", *args], cwd=ROOT, env=venv_env())


def check(args: list) -> int:
    if args:
        sys.exit(f"dev.py check takes no arguments\n{USAGE}")
    prepare("requirements-dev.txt")
    env = venv_env()
    steps = [
        [BIN / "ruff", "check", "."],
        [BIN / "ruff", "format", "--check", "."],
        [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"],
        [BIN / "mypy"],  # what it checks: [tool.mypy] in pyproject.toml
    ]
    failed = []
    for step in steps:  # all of them, so that one run shows every problem
        print(f"$ {printable(step)}", flush=True)
        if subprocess.call(step, cwd=ROOT, env=env):
            failed.append(printable(step))
    if failed:
        print("check failed: " + "; ".join(failed), file=sys.stderr)
        return 1
    print("check passed")
    return 0


COMMANDS = {"run": run, "test": test, "check": check}


# --- the virtual environment --------------------------------------------------------------------------


def prepare(requirements: str) -> None:
    """Make .venv if needed and install `requirements` unless the same files were installed before."""
    if not works(PYTHON):
        if VENV.exists():
            print(f"{VENV} is broken (its python does not run); making it again", flush=True)
            shutil.rmtree(VENV)
        print(f"Creating {VENV} with {sys.executable}", flush=True)
        call([sys.executable, "-m", "venv", VENV])
    files = requirement_files(ROOT / requirements)
    keys = {f"{path.name}:{digest(path)}" for path in files}
    done = set(STAMP.read_text().split()) if STAMP.exists() else set()
    if f"{files[0].name}:{digest(files[0])}" in done:
        return
    print(f"Installing {requirements} into {VENV}", flush=True)
    call([PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", "-r", ROOT / requirements])
    STAMP.write_text("\n".join(sorted(done | keys)) + "\n")


def requirement_files(path: Path) -> list:
    """`path` first, then every file it includes with -r (recursively)."""
    found = [path]
    for line in path.read_text().splitlines():
        parts = line.split("#")[0].split()
        if len(parts) == 2 and parts[0] in ("-r", "--requirement"):
            found += [f for f in requirement_files(path.parent / parts[1]) if f not in found]
    return found


def digest(path: Path) -> str:
    # A file's hash covers what it includes, so a change of requirements.txt also reinstalls the dev set.
    sha = hashlib.sha256()
    for included in requirement_files(path):
        sha.update(included.read_bytes())
    return sha.hexdigest()[:16]


def venv_env(**extra: str) -> dict:
    env = dict(os.environ)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    env.pop("PYTHONHOME", None)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env.update(extra)
    return env


# --- helpers ------------------------------------------------------------------------------------------


def works(python: Path) -> bool:
    try:
        return subprocess.run([python, "-c", "pass"], capture_output=True).returncode == 0
    except OSError:
        return False


def call(cmd: list, env: dict | None = None) -> None:
    code = subprocess.call(cmd, cwd=ROOT, env=env or venv_env())
    if code:
        sys.exit(f"failed (exit {code}): {printable(cmd)}")


def printable(cmd: list) -> str:
    return " ".join(os.path.relpath(c, ROOT) if isinstance(c, Path) else str(c) for c in cmd)


def show(*lines: str) -> None:
    rule = "=" * 100
    print("\n".join(["", rule, *lines, rule, ""]), flush=True)


def announce_when_up(port: str, banner: str, honcho: subprocess.Popen) -> None:
    """Print the URL and logins again once the web server answers, below the processes' start-up logs."""
    url = f"http://127.0.0.1:{port}/healthz"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and honcho.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    time.sleep(1.5)  # let the worker and beat finish their start-up banners first
                    show(banner)
                    # Again every few minutes, so the logins are on screen whatever the processes printed.
                    while honcho.poll() is None:
                        time.sleep(BANNER_REPEAT_SECONDS)
                        if honcho.poll() is None:
                            show(banner)
                    return
        except OSError:
            pass
        time.sleep(0.5)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
