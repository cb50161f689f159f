"""The Celery app, and every periodic task of the platform in one place.

Settings come from the ``CELERY_*`` block of ``config.settings``. Beat runs django-celery-beat's
DatabaseScheduler, which copies ``beat_schedule`` below into its tables at start-up (staff can then see
and pause the entries in the admin); an entry changed here replaces the stored one on the next start.
"""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("marginlab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # The risk engine's heartbeat: new mark prices, matching, margin levels, margin calls, liquidations.
    "risk-tick": {
        "task": "risk.tasks.tick",
        "schedule": settings.MARGINLAB_TICK_SECONDS,
        # A tick that waited longer than its own interval is stale: the next one has fresher prices.
        "options": {"expires": settings.MARGINLAB_TICK_SECONDS},
    },
    # Every account at current prices: catches what ticks do not move (interest, trades, profile edits).
    "risk-full-sweep": {"task": "risk.tasks.full_sweep", "schedule": crontab(minute="*")},
    # Interest is charged at the start of every clock hour while principal is outstanding (margin rules).
    "accrue-interest": {"task": "risk.tasks.accrue_interest", "schedule": crontab(minute=0)},
    # USDⓈ-M futures: resting and stop orders, then liquidations, at the risk tick's pace.
    "futures-tick": {
        "task": "futures.tasks.tick",
        "schedule": settings.MARGINLAB_TICK_SECONDS,
        "options": {"expires": settings.MARGINLAB_TICK_SECONDS},
    },
    # Every futures position against its sweep band: the whole book (ticks read only moved symbols).
    "futures-full-sweep": {"task": "futures.tasks.full_sweep", "schedule": crontab(minute="*")},
    # Funding at 00:00, 08:00 and 16:00 UTC (Binance's 8-hour intervals); idempotent per interval.
    "futures-funding": {"task": "futures.tasks.funding", "schedule": crontab(minute=0, hour="0,8,16")},
    # Price history and snapshots must not grow without bound.
    "prune-history": {"task": "risk.tasks.prune_history", "schedule": crontab(minute=17, hour=3)},
}


@app.on_after_configure.connect
def _create_broker_folders(sender: Celery, **kwargs) -> None:
    # kombu's file-system transport expects its folders to exist. Every process that talks to the broker
    # (web, worker, beat) configures the app, so each makes sure of them before its first message.
    if not str(sender.conf.broker_url or "").startswith("filesystem"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
