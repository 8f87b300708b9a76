"""Reads for residents' checklists.

GET /api/v1/checklists/{token}/ reads the database on every request (nothing about a checklist is
cached between requests, so a tick or a delete made through another worker shows at once), which
makes that read the API's hot path. It is two static SQL statements with parameters rather than
ORM querysets: on a request that does nothing else, compiling querysets and building model
instances cost more than the database's own work. On PostgreSQL both are prepared statements
(procedures.db.prepared_cursor), parsed and planned once per connection. (One statement joining
the items into a JSON array in PostgreSQL, string_agg in a subquery, took longer to run than these
two.) The statements are plain SQL that PostgreSQL and SQLite both run. Nothing read is decoded:
the JSON columns are text (navi.models.JSONTextField), and each item's content is already the JSON
the API sends, so the items are joined into the array as they are.

Writes go through services, which use checklist_by_token (model instances, for the ORM).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import connection
from django.utils import timezone

from procedures.db import prepared_cursor

from .models import Checklist, ChecklistItem

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
ITEM_KEY_MAX = ChecklistItem._meta.get_field("key").max_length


_TICK = {True: ',"done":true}', False: ',"done":false}'}


def item_json(content: str, done: bool) -> str:
    """One item as the API sends it: its stored content (a JSON object) with its tick as last member."""
    return content[:-1] + _TICK[done]


def items_json(items) -> str:
    """The items, (content, done) pairs in order, as one JSON array."""
    return "[" + ",".join([item_json(content, done) for content, done in items]) + "]"


@dataclass(frozen=True, slots=True)
class ChecklistView:
    """A checklist as the API shows it, read (or just written) in one go: no model instances.

    The JSON fields hold JSON text, as stored; nothing here is decoded.
    """

    token: str
    life_events: str
    event_date: date
    language: str
    catalogue_version: str  # the version's content hash
    expires_at: datetime
    answers: str
    members: str
    items: str  # a JSON array: each item's stored content with its tick
    documents: str
    unanswered: str


_CHECKLIST_SQL = """
    SELECT id, life_events, event_date, language, catalogue_version_id, expires_at,
           answers, members, documents, unanswered
    FROM navi_checklist
    WHERE token = %s AND expires_at > %s
"""
_ITEMS_SQL = """
    SELECT content, done
    FROM navi_checklistitem
    WHERE checklist_id = %s
    ORDER BY "position"
"""
_VERSION_HASH_SQL = "SELECT content_hash FROM procedures_catalogueversion WHERE id = %s"
# A catalogue version never changes once loaded (its content hash is what it is) and cannot be
# deleted while a checklist refers to it, so each process keeps the hashes it has read, by version
# id, as procedures.selectors keeps compiled versions: the GET then reads the checklist table alone
# (joining the version table cost it a third of its database time).
_version_hashes: dict[int, str] = {}


def valid_token(token: object) -> bool:
    return isinstance(token, str) and TOKEN.match(token) is not None


def checklist_view(token: str) -> ChecklistView | None:
    """The live checklist behind a token with its items; None for unknown, malformed or expired."""
    if not valid_token(token):
        return None
    with prepared_cursor() as cursor:
        cursor.execute(_CHECKLIST_SQL, [token, connection.ops.adapt_datetimefield_value(timezone.now())])
        row = cursor.fetchone()
        if row is None:
            return None
        cursor.execute(_ITEMS_SQL, [row[0]])
        items = items_json(cursor.fetchall())
        _, life_events, event_date, language, version_id, expires_at, answers, members, documents, unanswered = row
        version = _version_hashes.get(version_id)
        if version is None:
            cursor.execute(_VERSION_HASH_SQL, [version_id])
            (version,) = cursor.fetchone()
            _version_hashes[version_id] = version
    if timezone.is_naive(expires_at):  # SQLite keeps UTC without an offset
        expires_at = expires_at.replace(tzinfo=UTC)
    return ChecklistView(
        token=token,
        life_events=life_events,
        event_date=event_date,
        language=language,
        catalogue_version=version,
        expires_at=expires_at,
        answers=answers,
        members=members,
        items=items,
        documents=documents,
        unanswered=unanswered,
    )


def checklist_by_token(token: str) -> Checklist | None:
    """The live checklist behind a token, as a model instance to change; None for unknown, malformed or expired."""
    if not valid_token(token):
        return None
    return Checklist.objects.filter(token=token, expires_at__gt=timezone.now()).first()


def checklist_item(checklist: Checklist, key: str) -> ChecklistItem | None:
    """The item by key; None for a key no item can have (too long, or a NUL, which PostgreSQL refuses)."""
    if not isinstance(key, str) or len(key) > ITEM_KEY_MAX or "\x00" in key:
        return None
    return checklist.items.filter(key=key).first()


def remember_version_hash(version) -> None:
    """Called by services with a version they just used, so the next read needs no lookup."""
    _version_hashes[version.pk] = version.content_hash
