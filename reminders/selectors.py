"""Reads for reminders: a checklist's contacts, the delivery log, counts by status and day."""

from __future__ import annotations

from django.db.models import Count

from navi.models import Checklist

from .models import Contact, Message


def contacts_of(checklist: Checklist) -> list[Contact]:
    """The contacts still in use, for the resident's page and the API (addresses stay encrypted)."""
    return list(
        Contact.objects.filter(checklist=checklist, status__in=[Contact.PENDING, Contact.ACTIVE]).order_by("pk")
    )


def contact_of(checklist: Checklist, pk) -> Contact | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return Contact.objects.filter(checklist=checklist, pk=pk).first()


def delivery_log(checklist_id: int) -> list[Message]:
    return list(Message.objects.filter(checklist_id=checklist_id).select_related("contact").order_by("-day", "-pk"))


def counts_by_day(*, since) -> list[dict]:
    """Messages by status per day (the day a message is for), newest first: the admin's overview."""
    rows = Message.objects.filter(day__gte=since).values("day", "status").annotate(n=Count("pk")).order_by("-day")
    table: dict = {}
    for row in rows:
        table.setdefault(row["day"], {})[row["status"]] = row["n"]
    return [{"day": day, "counts": counts, "total": sum(counts.values())} for day, counts in table.items()]
