"""Run a benchmark command in a PostgreSQL database of its own (``<your database>_<command>``).

The command re-runs itself with ``--inner`` and DATABASE_URL pointing at the benchmark database, so
the data it seeds never mixes with yours; the database is dropped afterwards unless kept.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection


def bench_database_name(command: str, suffix: str | None = None) -> str:
    return f"{settings.DATABASES['default']['NAME']}{suffix if suffix is not None else '_' + command}"


def run_in_bench_database(command: list[str], *, keep: bool, reuse: bool, suffix: str | None = None) -> None:
    if connection.vendor != "postgresql":
        raise CommandError("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
    db = settings.DATABASES["default"]
    bench = bench_database_name(command[0], suffix)
    if not reuse:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{bench}"')
            cursor.execute(f'CREATE DATABASE "{bench}"')
    user = db.get("USER") or ""
    auth = f"{user}:{db.get('PASSWORD')}@" if db.get("PASSWORD") else (f"{user}@" if user else "")
    url = f"postgres://{auth}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{bench}"
    try:
        subprocess.run(
            [sys.executable, "-u", "manage.py", *command, "--inner"],
            env=os.environ | {"DATABASE_URL": url},
            check=True,
            cwd=settings.BASE_DIR,
        )
    finally:
        if not keep:
            connection.close()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{bench}"')


def script_run(cursor, sql: str, params: dict) -> None:
    """A seeding script of several statements (each ending with ``;`` at the end of a line), one statement
    at a time: a statement the server binds (``config.settings``, prepared statements) holds one command."""
    for statement in re.split(r";\s*$", sql, flags=re.MULTILINE):
        if statement.strip():
            cursor.execute(statement, params)
