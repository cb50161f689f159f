"""The Celery app, and every periodic task of the platform in one place.

Settings come from the ``CELERY_*`` block of ``config.settings``. Beat runs django-celery-beat's
DatabaseScheduler, which copies ``beat_schedule`` below into its tables at start-up (staff can then see
and pause the entries in the admin); an entry changed here replaces the stored one on the next start.
"""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("marginlab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Interest is charged at the start of every clock hour while principal is outstanding (margin rules).
    "accrue-interest": {"task": "risk.tasks.accrue_interest", "schedule": crontab(minute=0)},
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
