"""Reads of the catalogue: the version in force, its compiled rules, its content as files."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, date, timedelta

from django.db import connection
from django.utils import timezone

from . import content
from .db import prepared_cursor
from .engine.catalogue import CompiledCatalogue
from .models import (
    AcceptedFinding,
    CatalogueVersion,
    Counter,
    Law,
    LifeEvent,
    Municipality,
    Office,
    Override,
    Procedure,
    Question,
)


class NoCatalogue(LookupError):
    """No catalogue version is in force yet (run load_catalogue)."""


def today() -> date:
    return timezone.localdate()


_IN_FORCE_FIELDS = ("id", "content_hash", "effective_from", "municipality", "published_at", "version_by")
_IN_FORCE_FROM = """
    FROM procedures_catalogueversion
    WHERE effective_from <= %s
    ORDER BY effective_from DESC, published_at DESC, id DESC
    LIMIT 1
"""  # the model's ordering
# Static SQL rather than a queryset: every checklist build looks the version up, and compiling the
# queryset and building the instance through it cost the API's POST more than the query itself.
_IN_FORCE_SQL = f"SELECT {', '.join(_IN_FORCE_FIELDS)} {_IN_FORCE_FROM}"
# The id of the version in force on a date (the parameter), as a subquery for a statement that
# relies on a remembered version (catalogue_version_remembered) to check it where it writes.
IN_FORCE_ID_SQL = f"(SELECT id {_IN_FORCE_FROM})"

# What each lookup found, by date: the row, so that every caller gets an instance of its own.
_found: dict[date, tuple] = {}
_FOUND_KEEP = 8


def catalogue_version_in_force(*, on: date | None = None) -> CatalogueVersion:
    """The latest published version whose effective date has come: looked up per request."""
    on = on or today()
    with prepared_cursor() as cursor:
        cursor.execute(_IN_FORCE_SQL, [connection.ops.adapt_datefield_value(on)])
        row = cursor.fetchone()
    if row is None:
        raise NoCatalogue("no catalogue version is in force")
    if len(_found) >= _FOUND_KEEP:
        _found.clear()
    _found[on] = row
    return _version_from_row(row)


def _version_from_row(row) -> CatalogueVersion:
    version = CatalogueVersion.from_db(connection.alias, _IN_FORCE_FIELDS, row)
    if timezone.is_naive(version.published_at):  # SQLite keeps UTC without an offset
        version.published_at = version.published_at.replace(tzinfo=UTC)
    return version


def catalogue_version_for_case(*, event_date: date, on: date | None = None) -> CatalogueVersion:
    """The version a case follows when its checklist is built on `on` (today by default).

    The version in force that day, unless it says cases follow the version in force on their
    event date (a death before a law change follows the old rule) and the event came before it
    took effect: then the version in force the day before, and so on.
    """
    version = catalogue_version_in_force(on=on)
    while _follows_an_older(version, event_date):
        try:
            version = catalogue_version_in_force(on=version.effective_from - timedelta(days=1))
        except NoCatalogue:
            break
    return version


def _follows_an_older(version: CatalogueVersion, event_date: date) -> bool:
    return version.version_by == "event_date" and event_date < version.effective_from


def catalogue_version_remembered(*, event_date: date, on: date) -> CatalogueVersion | None:
    """The version a case follows on `on` as this process last found it in force that day, when the
    case follows the version in force (no older one); None when no lookup has found it yet.

    Without a query, so whoever uses it checks it in the very statement that relies on it, with
    IN_FORCE_ID_SQL: a version published since then is found there, and the caller starts again
    with catalogue_version_for_case. The version in force is still looked up on every request,
    in the statement that stores what was built on it.
    """
    row = _found.get(on)
    if row is None:
        return None
    version = _version_from_row(row)
    return None if _follows_an_older(version, event_date) else version


_compiled: OrderedDict[int, CompiledCatalogue] = OrderedDict()
_compiled_lock = threading.Lock()
_COMPILED_KEEP = 8


def compiled_catalogue(version: CatalogueVersion) -> CompiledCatalogue:
    """Versions never change, so their compiled rules are kept per process, keyed by id."""
    with _compiled_lock:
        found = _compiled.get(version.pk)
        if found is not None:
            _compiled.move_to_end(version.pk)
            return found
    compiled = CompiledCatalogue(catalogue_document(version_source(version), version.municipality))
    with _compiled_lock:
        _compiled[version.pk] = compiled
        while len(_compiled) > _COMPILED_KEEP:
            _compiled.popitem(last=False)
    return compiled


def catalogue_document(source: content.Source, municipality: str) -> dict:
    """The engine's input: national content with one municipality's procedures and overrides."""
    muni = next(m for m in source.municipalities if m["code"] == municipality)
    overrides = {o["procedure"]: o for o in muni["overrides"]}
    procedures = []
    for p in source.procedures:
        if p["_layer"] == "national":
            changes = {k: v for k, v in overrides.get(p["code"], {}).items() if k != "procedure"}
            procedures.append({**p, **changes})
        elif p["_layer"] == municipality:
            procedures.append(p)
    return {
        "meta": source.meta,
        "laws": source.laws,
        "life_events": source.life_events,
        "offices": source.offices,
        "questions": source.questions,
        "procedures": procedures,
        "municipality": muni,
    }


def version_source(version: CatalogueVersion) -> content.Source:
    """Rebuild the catalogue's files from a stored version (export, compile)."""

    def plain(row, *fields):
        return {f: getattr(row, f) for f in fields}

    source = content.Source(
        meta={"effective_from": version.effective_from.isoformat(), "municipality": version.municipality}
    )
    v = version.pk
    source.laws = [plain(r, "key", "name", "number", "egov_id", "verified") for r in Law.objects.filter(version_id=v)]
    source.life_events = [
        plain(r, "code", "name", "description", "event_date_label") for r in LifeEvent.objects.filter(version_id=v)
    ]
    source.offices = [plain(r, "code", "name") for r in Office.objects.filter(version_id=v)]
    source.questions = [
        {
            **plain(
                r,
                "key",
                "order",
                "life_events",
                "per_member",
                "type",
                "text",
                "help",
                "choices",
                "min",
                "max",
                "show_if",
            ),
            "_file": r.file,
        }
        for r in Question.objects.filter(version_id=v)
    ]
    source.procedures = [
        {
            **plain(
                r, "code", "life_events", "name", "description", "rationale", "where", "online_url", "fee", "per_member",
                "applies_if", "deadline", "deadline_note", "legal_basis", "documents",
            ),
            "_file": r.file,
            "_layer": r.layer,
        }
        for r in Procedure.objects.filter(version_id=v)
    ]  # fmt: skip
    counters: dict[int, list] = {}
    for c in Counter.objects.filter(version_id=v):
        counters.setdefault(c.municipality_id, []).append(
            plain(c, "code", "name", "department", "location", "hours", "visit_order")
        )
    overrides: dict[int, list] = {}
    for o in Override.objects.filter(version_id=v):
        overrides.setdefault(o.municipality_id, []).append({"procedure": o.procedure, **o.data})
    source.municipalities = [
        {
            **plain(m, "code", "name", "closed_days"),
            "counters": counters.get(m.pk, []),
            "overrides": overrides.get(m.pk, []),
            "_dir": f"municipalities/{m.code}",
            "_overrides_file": m.has_overrides_file,
        }
        for m in Municipality.objects.filter(version_id=v)
    ]
    source.accepted_findings = [
        {**a.data, "_file": a.file, "_layer": a.layer} for a in AcceptedFinding.objects.filter(version_id=v)
    ]
    return source
