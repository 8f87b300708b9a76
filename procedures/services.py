"""Writes to the catalogue: loading a catalogue folder as a new, immutable version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from . import content
from .engine.catalogue import CatalogueError, CompiledCatalogue
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
from .selectors import catalogue_document


@dataclass(frozen=True)
class LoadResult:
    version: CatalogueVersion
    created: bool
    municipality_changes: tuple[str, ...] = ()


def catalogue_check(*, source: content.Source) -> CompiledCatalogue:
    """Compile the catalogue for its municipality; raise ContentErrors naming file and field."""
    codes = [m["code"] for m in source.municipalities]
    wanted = source.meta["municipality"]
    if wanted not in codes:
        raise content.ContentErrors(
            [content.ContentError("catalogue.yaml", "municipality", f"no folder municipalities/{wanted}/")]
        )
    errors = _duplicates(source)
    if errors:
        raise content.ContentErrors(errors)
    compiled = None
    for code in codes:
        try:
            catalogue = CompiledCatalogue(catalogue_document(source, code))
        except CatalogueError as exc:
            raise content.ContentErrors([_locate(source, code, *p) for p in exc.problems]) from exc
        if code == wanted:
            compiled = catalogue
    return compiled


def _duplicates(source: content.Source) -> list[content.ContentError]:
    errors = []
    groups = [
        ("national/laws.yaml", "key", source.laws),
        ("national/life_events.yaml", "code", source.life_events),
        ("national/offices.yaml", "code", source.offices),
    ]
    for file, key, entries in groups:
        seen = set()
        for i, entry in enumerate(entries):
            if entry[key] in seen:
                errors.append(content.ContentError(file, f"{i}.{key}", f"'{entry[key]}' appears twice"))
            seen.add(entry[key])
    seen = {}
    for q in source.questions:
        if q["key"] in seen:
            errors.append(content.ContentError(q["_file"], "key", f"question '{q['key']}' also in {seen[q['key']]}"))
        seen.setdefault(q["key"], q["_file"])
    for m in source.municipalities:
        codes = {}
        for p in source.procedures:
            if p["_layer"] in ("national", m["code"]):
                if p["code"] in codes:
                    errors.append(
                        content.ContentError(p["_file"], "code", f"procedure '{p['code']}' also in {codes[p['code']]}")
                    )
                codes.setdefault(p["code"], p["_file"])
        national = {p["code"] for p in source.procedures if p["_layer"] == "national"}
        for i, o in enumerate(m["overrides"]):
            if o["procedure"] not in national:
                errors.append(
                    content.ContentError(
                        f"{m['_dir']}/overrides.yaml",
                        f"overrides.{i}.procedure",
                        f"no national procedure '{o['procedure']}'",
                    )
                )
        counters = [c["code"] for c in m["counters"]]
        for c in {c for c in counters if counters.count(c) > 1}:
            errors.append(content.ContentError(f"{m['_dir']}/municipality.yaml", "counters", f"'{c}' appears twice"))
    return errors


def _locate(source: content.Source, municipality: str, kind: str, code: str, field: str, message: str):
    """Turn an engine problem into the file that holds the entry."""
    file = "catalogue"
    if kind == "procedure":
        for p in source.procedures:
            if p["code"] == code and p["_layer"] in ("national", municipality):
                file = p["_file"]
                if p["_layer"] == "national" and field.startswith("where"):
                    message += f" (for municipality '{municipality}')"
    elif kind == "question":
        file = next((q["_file"] for q in source.questions if q["key"] == code), file)
        field = f"{code}.{field}"
    return content.ContentError(file, field, message)


def municipality_changes(*, source: content.Source, municipality: str) -> list[str]:
    """What a municipality's layer changes in the national one, in words, for the loader to report."""
    muni = next(m for m in source.municipalities if m["code"] == municipality)
    lines = [f"override {o['procedure']}: {', '.join(k for k in o if k != 'procedure')}" for o in muni["overrides"]]
    lines += [f"local procedure {p['code']}" for p in source.procedures if p["_layer"] == municipality]
    if muni.get("closed_days"):
        lines.append(f"own closed days: {', '.join(muni['closed_days'])}")
    return lines


def catalogue_load(*, path: Path) -> LoadResult:
    """Validate everything under path and import it as one new version, or change nothing.

    Loading the same content again creates nothing: versions are identified by content hash.
    """
    return catalogue_import(source=content.read_tree(path))


def catalogue_import(*, source: content.Source, version_by: str = "build_date") -> LoadResult:
    """Validate a catalogue's content (from files, or a rule studio draft) and store it as a version.

    The loader's path: whatever comes in, the checks, the content hash and the rows are the same.
    """
    catalogue_check(source=source)
    digest = source.content_hash
    existing = CatalogueVersion.objects.filter(content_hash=digest).first()
    changes = tuple(municipality_changes(source=source, municipality=source.meta["municipality"]))
    if existing is not None:
        return LoadResult(version=existing, created=False, municipality_changes=changes)
    with transaction.atomic():
        version = CatalogueVersion.objects.create(
            content_hash=digest,
            effective_from=date.fromisoformat(source.meta["effective_from"]),
            municipality=source.meta["municipality"],
            version_by=version_by,
        )
        _store(version, source)
    return LoadResult(version=version, created=True, municipality_changes=changes)


def _store(version: CatalogueVersion, source: content.Source) -> None:
    def rows(model, entries, **extra):
        model.objects.bulk_create(
            model(version=version, position=i, **{k: v for k, v in e.items() if not k.startswith("_")}, **extra)
            for i, e in enumerate(entries)
        )

    rows(Law, source.laws)
    rows(LifeEvent, source.life_events)
    rows(Office, source.offices)
    Question.objects.bulk_create(
        Question(version=version, position=i, file=q["_file"], **_plain(q)) for i, q in enumerate(source.questions)
    )
    Procedure.objects.bulk_create(
        Procedure(version=version, position=i, file=p["_file"], layer=p["_layer"], **_plain(p))
        for i, p in enumerate(source.procedures)
    )
    for i, m in enumerate(source.municipalities):
        muni = Municipality.objects.create(
            version=version,
            position=i,
            code=m["code"],
            name=m["name"],
            closed_days=m.get("closed_days", []),
            has_overrides_file=m["_overrides_file"],
        )
        Counter.objects.bulk_create(
            Counter(version=version, municipality=muni, position=j, **c) for j, c in enumerate(m["counters"])
        )
        Override.objects.bulk_create(
            Override(
                version=version,
                municipality=muni,
                position=j,
                procedure=o["procedure"],
                data={k: v for k, v in o.items() if k != "procedure"},
            )
            for j, o in enumerate(m["overrides"])
        )
    AcceptedFinding.objects.bulk_create(
        AcceptedFinding(version=version, position=i, file=a["_file"], layer=a["_layer"], data=_plain(a))
        for i, a in enumerate(source.accepted_findings)
    )


def _plain(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if not k.startswith("_")}
