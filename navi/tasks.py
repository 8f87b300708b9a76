from celery import shared_task

from .services import checklists_purge_expired


@shared_task(name="navi.purge_expired_checklists")
def purge_expired_checklists() -> int:
    """Idempotent: deletes whatever has expired by now."""
    return checklists_purge_expired()
