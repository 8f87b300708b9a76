"""Reading the audit log for supervisors: by person and by date, newest first."""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEvent


def audit_event_list(
    *, username: str = "", date_from: date | None = None, date_to: date | None = None
) -> QuerySet[AuditEvent]:
    """Events of one person (exact username, any case) between two days inclusive, in local time.

    The days become half-open ranges of instants, so the (username, at) index serves the query.
    """
    events = AuditEvent.objects.all()
    if username:
        events = events.filter(username__iexact=username.strip())
    if date_from:
        events = events.filter(at__gte=_start_of(date_from))
    if date_to:
        events = events.filter(at__lt=_start_of(date_to + timedelta(days=1)))
    return events.order_by("-at", "-id")


def audit_event_stream(events: QuerySet[AuditEvent], *, chunk_size: int = 2000) -> Iterator[AuditEvent]:
    """The rows one chunk at a time (a server-side cursor on PostgreSQL), for exports of any size."""
    return events.iterator(chunk_size=chunk_size)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
