"""Celery tasks: thin, by id, safe to run twice. Queues, routes and the schedule: reminders/queues.py."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services


@shared_task(
    name="reminders.send",
    acks_late=True,  # acknowledged after the send: a worker that dies hands the task back
    reject_on_worker_lost=True,
    time_limit=settings.REMINDER_SEND_TIME_LIMIT,
    soft_time_limit=settings.REMINDER_SEND_TIME_LIMIT - 10,
    ignore_result=True,
)
def send_message(message_id: int) -> str:
    """Retries are rows back in pending with a later due time (backoff with jitter), not ETA tasks."""
    return services.message_send(message_id=message_id, now=timezone.now()).status


@shared_task(name="reminders.claim", ignore_result=True)
def claim_due() -> int:
    """Every few seconds (beat): due rows to the broker, batch after batch while there are more."""
    total = 0
    while True:
        ids = services.claim_due(now=timezone.now())
        total += len(ids)
        if len(ids) < settings.REMINDER_CLAIM_BATCH:
            return total


@shared_task(name="reminders.sweep", ignore_result=True)
def sweep_stuck() -> int:
    return len(services.sweep_stuck(now=timezone.now()))


@shared_task(name="reminders.catalogue_changes", ignore_result=True)
def catalogue_changes() -> int:
    return services.catalogue_changes_announce(now=timezone.now())


@shared_task(name="reminders.noop", ignore_result=True, acks_late=True)
def noop(n: int = 0) -> int:
    """Does nothing: the benchmark's reference for what the broker and a worker cost per task."""
    return n
