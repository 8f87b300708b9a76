from celery import shared_task

from .services import preview_compute


@shared_task(name="studio.preview_run")
def preview_run(preview_id: int) -> None:
    """Safe to run twice: only a queued preview is taken (queued → running), then counted in batches."""
    preview_compute(preview_id=preview_id)
