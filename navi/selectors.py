"""Reads for residents' checklists.

GET /api/v1/checklists/{token}/ reads the database on every request (nothing about a checklist is
cached between requests, so a tick or a delete made through another worker shows at once), which
makes that read the API's hot path. It is one static SQL statement with parameters rather than an
ORM queryset: on a request that does nothing else, compiling querysets and building model
instances cost more than the database's own work. On PostgreSQL it is a prepared statement
(procedures.db.prepared_cursor), parsed and planned once per connection, and plain SQL that SQLite
runs as well. Nothing read is decoded: the JSON columns are text (navi.models.JSONTextField), and
each item is stored as the JSON the API sends, one per line, so the items are joined into the
array as they are, each with its tick.

Writes go through services, which use checklist_by_token (model instances, for the ORM).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import orjson
from django.db import connection
from django.utils import timezone

from procedures.db import prepared_cursor

from .models import ITEM_KEY_MAX, Checklist, ChecklistItem

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


_TICK = {True: ',"done":true}', False: ',"done":false}'}


def item_json(content: str, done: bool) -> str:
    """One item as the API sends it: its stored content (a JSON object) with its tick as last member."""
    return content[:-1] + _TICK[done]


def items_json(items) -> str:
    """The items, (content, done) pairs in order, as one JSON array."""
    return "[" + ",".join([item_json(content, done) for content, done in items]) + "]"


_KEY_AT = len('{"key":"')


def stored_items_json(lines: str, ticks: str) -> str:
    """The items as stored (one JSON object per line) and the ticks (JSON text) as one JSON array.

    Each line begins with the item's key ({"key":"…", as the build writes it; keys are codes, with
    nothing to escape), so a tick is found without decoding the item.
    """
    if not lines:
        return "[]"
    if ticks == "{}":  # nothing done: every object's closing brace becomes the tick and the brace
        undone = _TICK[False]
        return "[" + lines[:-1].replace("}\n", undone + ",") + undone + "]"
    done = orjson.loads(ticks)
    return items_json((line, line[_KEY_AT : line.index('"', _KEY_AT)] in done) for line in lines.split("\n"))


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
           answers, members, documents, unanswered, items, ticks
    FROM navi_checklist
    WHERE token = %s AND expires_at > %s
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
        (_, life_events, event_date, language, version_id, expires_at, answers, members, documents, unanswered,
         lines, ticks) = row  # fmt: skip
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
        items=stored_items_json(lines, ticks),
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
    return next((item for item in checklist.item_list if item.key == key), None)


def remember_version_hash(version) -> None:
    """Called by services with a version they just used, so the next read needs no lookup."""
    _version_hashes[version.pk] = version.content_hash
