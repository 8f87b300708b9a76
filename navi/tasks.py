from celery import shared_task

from .funnel import journey_events_purge
from .services import checklists_purge_expired


@shared_task(name="navi.purge_expired_checklists")
def purge_expired_checklists() -> int:
    """Idempotent: deletes whatever has expired by now, and the journey events past the same retention."""
    journey_events_purge()
    return checklists_purge_expired()
