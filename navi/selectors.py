"""Reads for residents' checklists."""

from __future__ import annotations

import re

from django.utils import timezone

from .models import Checklist, ChecklistItem

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def checklist_by_token(token: str) -> Checklist | None:
    """The live checklist behind a token, with its items; None for unknown, malformed or expired."""
    if not isinstance(token, str) or not TOKEN.match(token):
        return None
    return (
        Checklist.objects.select_related("catalogue_version")
        .filter(token=token, expires_at__gt=timezone.now())
        .first()
    )


def checklist_item(checklist: Checklist, key: str) -> ChecklistItem | None:
    return next((item for item in checklist.item_list if item.key == key), None)
