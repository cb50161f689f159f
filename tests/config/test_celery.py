from celery.schedules import crontab

from config import celery_app


def test_every_periodic_task_names_a_registered_task():
    celery_app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks.py

    schedule = celery_app.conf.beat_schedule
    assert schedule, "no periodic tasks declared"
    for name, entry in schedule.items():
        assert entry["task"] in celery_app.tasks, f"{name}: {entry['task']} is not a registered task"


def test_interest_is_accrued_at_the_start_of_every_hour():
    assert celery_app.conf.beat_schedule["accrue-interest"] == {
        "task": "risk.tasks.accrue_interest",
        "schedule": crontab(minute=0),
    }


def test_celery_reads_the_celery_settings_block(settings):
    assert celery_app.conf.task_serializer == "json"
    assert celery_app.conf.accept_content == ["json"]
    assert celery_app.conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert celery_app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert celery_app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
