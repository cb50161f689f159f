"""The `web` process of the Procfile: gunicorn (config/gunicorn.py), or Django's development server behind
the switch MARGINLAB_DEV_SERVER=1 (``python3 dev.py run --dev``), never meant to face real traffic (Django
says so: it has not been through security audits or performance tests).

    python -m config.web
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRUE = ("1", "true", "yes", "on")


def command(environ: dict) -> list[str]:
    if (environ.get("MARGINLAB_DEV_SERVER") or "").lower() in TRUE:
        port = environ.get("PORT") or "8000"
        return [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"]
    return [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "config" / "gunicorn.py")]


def main() -> None:
    argv = command(dict(os.environ))
    os.chdir(ROOT)
    os.execv(argv[0], argv)  # the server takes this process's place: honcho's signals reach it directly


if __name__ == "__main__":
    main()
