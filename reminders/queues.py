"""Celery queues, routes, broker options and the periodic jobs of reminders, in one place.

config/celery.py applies them to the app. The worker consumes every queue listed here.
"""

from kombu import Queue

QUEUES = (Queue("celery"), Queue("reminders"))
ROUTES = {"reminders.*": {"queue": "reminders"}}
BEAT_SCHEDULE = {
    "reminders-claim": {"task": "reminders.claim", "schedule": 15.0},
    "reminders-sweep": {"task": "reminders.sweep", "schedule": 60.0},
    "reminders-catalogue-changes": {"task": "reminders.catalogue_changes", "schedule": 15 * 60.0},
}
# Redis redelivers a task a worker took but never acknowledged (acks_late) after this many
# seconds: longer than a send may take (REMINDER_SEND_TIME_LIMIT) plus the wait behind the one
# task a worker process prefetches. Rows a lost task leaves behind are the sweeper's anyway.
VISIBILITY_TIMEOUT = 300


def configure(app) -> None:
    conf = app.conf
    conf.task_queues = QUEUES
    conf.task_default_queue = "celery"
    conf.task_routes = ROUTES
    conf.beat_schedule = {**(conf.beat_schedule or {}), **BEAT_SCHEDULE}
    if str(conf.broker_url or "").startswith("redis"):
        conf.broker_transport_options = {
            **(conf.broker_transport_options or {}),
            "visibility_timeout": VISIBILITY_TIMEOUT,
        }
