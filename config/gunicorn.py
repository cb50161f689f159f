"""gunicorn's settings for the `web` process (Procfile; ``python -m config.web`` starts gunicorn with them).

Everything comes from the environment, with defaults for a laptop (README, "The production server"):

- ``PORT`` (8000) and ``WEB_BIND`` (``127.0.0.1:$PORT``; ``0.0.0.0:$PORT`` behind a proxy on another host);
- ``WEB_CONCURRENCY``: worker processes. On PostgreSQL ``2 x cores + 1``, gunicorn's own advice, as each
  process runs Python under its own GIL. On SQLite one process: the whole database has one write lock,
  so more processes add no write throughput; they only contend for the lock, and SQLite's busy handler
  sleeps and retries rather than queueing, so under load a writer in one process can wait out the 30 s
  timeout behind the others ("database is locked"). Threads in one process still read side by side (WAL);
- ``WEB_THREADS``: threads per process (gthread workers, which also keep HTTP connections alive): 4 on
  SQLite (see above), 1 on PostgreSQL, where processes give the parallelism;
- ``WEB_TIMEOUT`` (30 s): a worker silent for longer is killed and replaced;
- ``WEB_ACCESS_LOG``: ``-`` logs every request to stdout; unset, none.
"""

import multiprocessing
import os

_sqlite = (os.environ.get("DATABASE_URL") or "sqlite:").startswith("sqlite:")

wsgi_app = "config.wsgi:application"
bind = os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('PORT') or '8000'}"
workers = int(os.environ.get("WEB_CONCURRENCY") or (1 if _sqlite else 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("WEB_THREADS") or (4 if _sqlite else 1))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT") or 30)
# honcho (dev.py run) kills what is still running 5 s after its SIGTERM: finish requests in flight first.
graceful_timeout = 4
keepalive = 5
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
# gunicorn's runtime control socket (gunicornc) sits at one path per user: several servers on one machine
# (a benchmark beside `dev.py run`) would fight over it, and nothing here uses it.
control_socket_disable = True
