"""Reads of the catalogue: the version in force, its compiled rules, its content as files."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, timedelta

from django.utils import timezone

from . import content
from .engine.catalogue import CompiledCatalogue
from .models import CatalogueVersion, Counter, Law, LifeEvent, Municipality, Office, Override, Procedure, Question


class NoCatalogue(LookupError):
    """No catalogue version is in force yet (run load_catalogue)."""


def today() -> date:
    return timezone.localdate()


def catalogue_version_in_force(*, on: date | None = None) -> CatalogueVersion:
    """The latest published version whose effective date has come: looked up per request."""
    version = (
        CatalogueVersion.objects.filter(effective_from__lte=on or today())
        .order_by("-effective_from", "-published_at", "-id")
        .first()
    )
    if version is None:
        raise NoCatalogue("no catalogue version is in force")
    return version


def catalogue_version_for_case(*, event_date: date, on: date | None = None) -> CatalogueVersion:
    """The version a case follows when its checklist is built on `on` (today by default).

    The version in force that day, unless it says cases follow the version in force on their
    event date (a death before a law change follows the old rule) and the event came before it
    took effect: then the version in force the day before, and so on.
    """
    version = catalogue_version_in_force(on=on)
    while version.version_by == "event_date" and event_date < version.effective_from:
        try:
            version = catalogue_version_in_force(on=version.effective_from - timedelta(days=1))
        except NoCatalogue:
            break
    return version


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
    return source
