from celery import shared_task

from .services import cases_purge_expired


@shared_task(name="counter.purge_expired_cases")
def purge_expired_cases() -> int:
    """Idempotent: purges the personal details of whatever is past COUNTER_RETENTION_DAYS by now."""
    return cases_purge_expired()
