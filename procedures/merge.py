"""A new release of the national layer, taken into a catalogue whose municipality layer is kept.

Three-way, per entry. Base is the national layer the catalogue holds now, theirs the new
release, ours the municipalities' layers (overrides, local procedures). Entries are laws, life
events, offices, questions, national procedures and national accepted findings, each by its key.

- An entry theirs adds, changes or removes is taken automatically, unless a municipality's
  layer depends on the part that changed:
- an override of a national procedure replaces fields (where, fee, online_url): a field a
  municipality overrides whose national value changed (base ≠ theirs) is a conflict, one per
  (municipality, procedure, field). The procedure's other changes are taken; the override stays
  until the conflict is settled;
- an entry theirs removes that a municipality overrides or refers to (a local procedure's
  citation, office, life event or the facts its rules read) is a conflict; until settled the
  base entry is kept.

A conflict is settled by a person: theirs (the override field dropped / the removal done), ours
(the override / the base entry kept) or edit (a value for the override field / the entry kept).
Nothing is overwritten silently: every entry taken automatically is listed in the report.
Plain Python (no Django), like content.py.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from . import content
from .engine.findings import identity

# part of the Source -> the field naming an entry
NATIONAL_PARTS = {"laws": "key", "life_events": "code", "offices": "code", "questions": "key", "procedures": "code"}
OVERRIDE_FIELDS = ("where", "fee", "online_url")
RESOLUTIONS = ("theirs", "ours", "edit")


class MergeError(ValueError):
    """A resolution that cannot be applied (unknown conflict, already settled, wrong value)."""


@dataclass
class Merge:
    source: content.Source  # the merged catalogue, every open conflict kept as ours
    taken: list[dict] = field(default_factory=list)  # {part, key, change: added|changed|removed, fields}
    conflicts: list[dict] = field(default_factory=list)


def _plain(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if not k.startswith("_")}


def _national(source: content.Source, part: str) -> dict[str, dict]:
    key = NATIONAL_PARTS[part]
    entries = getattr(source, part)
    if part == "procedures":
        entries = [p for p in entries if p["_layer"] == "national"]
    return {e[key]: e for e in entries}


def _vars(rule: Any, out: set[str]) -> set[str]:
    """Every name a JsonLogic rule reads ({"var": "member.age"} → "age"), over-approximated."""
    if isinstance(rule, dict):
        for op, args in rule.items():
            if op == "var":
                name = args[0] if isinstance(args, list) and args else args
                if isinstance(name, str) and name:
                    out.add(name.removeprefix("member.").split(".")[0])
            else:
                _vars(args, out)
    elif isinstance(rule, list):
        for item in rule:
            _vars(item, out)
    return out


def references(source: content.Source) -> dict[str, dict[str, str]]:
    """National entries a municipality's layer depends on: part -> key -> who depends on it."""
    refs: dict[str, dict[str, str]] = {part: {} for part in NATIONAL_PARTS}
    for m in source.municipalities:
        for o in m["overrides"]:
            who = f"{m['_dir']}/overrides.yaml ({o['procedure']})"
            refs["procedures"].setdefault(o["procedure"], who)
            office = (o.get("where") or {}).get("office")
            if office:
                refs["offices"].setdefault(office, who)
    for p in source.procedures:
        if p["_layer"] == "national":
            continue
        who = p["_file"]
        for cite in p["legal_basis"]:
            refs["laws"].setdefault(cite["law"], who)
        if (p.get("where") or {}).get("office"):
            refs["offices"].setdefault(p["where"]["office"], who)
        for event in p["life_events"]:
            refs["life_events"].setdefault(event, who)
        facts = _vars(p["applies_if"], set())
        for doc in p.get("documents") or ():
            _vars(doc.get("applies_if"), facts)
        if p.get("deadline") and p["deadline"].get("from"):
            facts.add(p["deadline"]["from"])
        for fact in facts:
            refs["questions"].setdefault(fact, who)
    return refs


def _conflict_id(*parts: str) -> str:
    return ":".join(parts)


def national_merge(base: content.Source, theirs: content.Source) -> Merge:
    """Base with theirs' national layer and base's municipalities: the entries taken and the conflicts."""
    merged = copy.deepcopy(base)
    refs = references(base)
    taken: list[dict] = []
    conflicts: list[dict] = []
    overridden: dict[str, list[tuple[dict, dict]]] = {}  # procedure -> [(municipality, override)]
    for m in merged.municipalities:
        for o in m["overrides"]:
            overridden.setdefault(o["procedure"], []).append((m, o))

    for part in NATIONAL_PARTS:
        old, new = _national(base, part), _national(theirs, part)
        result: list[dict] = []
        for key, entry in new.items():  # theirs' entries, in theirs' order
            if key not in old:
                taken.append({"part": part, "key": key, "change": "added", "fields": []})
                result.append(copy.deepcopy(entry))
                continue
            before = _plain(old[key])
            after = _plain(entry)
            changed = sorted(f for f in set(before) | set(after) if before.get(f) != after.get(f))
            if part == "procedures":
                for m, o in overridden.get(key, []):
                    for f in OVERRIDE_FIELDS:
                        if f in o and f in changed:
                            conflicts.append(
                                {
                                    "id": _conflict_id("override", m["code"], key, f),
                                    "kind": "override",
                                    "part": part,
                                    "key": key,
                                    "municipality": m["code"],
                                    "field": f,
                                    "base": before.get(f),
                                    "theirs": after.get(f),
                                    "ours": o[f],
                                    "status": "open",
                                }
                            )
            if changed or entry.get("_file") != old[key].get("_file"):
                taken.append({"part": part, "key": key, "change": "changed", "fields": changed})
            result.append(copy.deepcopy(entry))
        for key, entry in old.items():
            if key in new:
                continue
            who = refs[part].get(key)
            if who is None:
                taken.append({"part": part, "key": key, "change": "removed", "fields": []})
                continue
            conflicts.append(
                {
                    "id": _conflict_id("removed", part, key),
                    "kind": "removed",
                    "part": part,
                    "key": key,
                    "used_by": who,
                    "base": _plain(entry),
                    "theirs": None,
                    "ours": _plain(entry),
                    "status": "open",
                }
            )
            result.append(copy.deepcopy(entry))  # kept (ours) until settled
        if part == "procedures":
            result += [copy.deepcopy(p) for p in base.procedures if p["_layer"] != "national"]
        setattr(merged, part, result)

    def national_findings(source):
        return {identity(a): a for a in source.accepted_findings if a["_layer"] == "national"}

    old_f, new_f = national_findings(base), national_findings(theirs)
    for ident in new_f.keys() - old_f.keys():
        taken.append({"part": "accepted_findings", "key": new_f[ident]["kind"], "change": "added", "fields": []})
    for ident in old_f.keys() - new_f.keys():
        taken.append({"part": "accepted_findings", "key": old_f[ident]["kind"], "change": "removed", "fields": []})
    merged.accepted_findings = [copy.deepcopy(a) for a in theirs.accepted_findings if a["_layer"] == "national"] + [
        copy.deepcopy(a) for a in base.accepted_findings if a["_layer"] != "national"
    ]
    return Merge(source=merged, taken=taken, conflicts=conflicts)


def settle(source: content.Source, conflict: dict, resolution: str, value: Any = None) -> None:
    """Apply a person's decision on one conflict to the merged catalogue (changed in place)."""
    if resolution not in RESOLUTIONS:
        raise MergeError(f"unknown resolution '{resolution}' (theirs, ours or edit)")
    if conflict["status"] != "open":
        raise MergeError("this conflict is already settled")
    if resolution == "ours":
        return
    part, key = conflict["part"], conflict["key"]
    key_field = NATIONAL_PARTS[part]
    if conflict["kind"] == "override":
        muni = next(m for m in source.municipalities if m["code"] == conflict["municipality"])
        override = next((o for o in muni["overrides"] if o["procedure"] == key), None)
        if override is None:
            raise MergeError(f"the override of '{key}' is no longer in the catalogue")
        if resolution == "theirs" or value is None:
            override.pop(conflict["field"], None)
        else:
            override[conflict["field"]] = value
        if set(override) == {"procedure"}:
            muni["overrides"].remove(override)
        return
    entries = getattr(source, part)
    index = next(
        (i for i, e in enumerate(entries) if e[key_field] == key and e.get("_layer", "national") == "national"), None
    )
    if index is None:
        raise MergeError(f"'{key}' is no longer in the catalogue")
    if resolution == "theirs":
        del entries[index]
        if part == "procedures":
            for m in source.municipalities:
                m["overrides"] = [o for o in m["overrides"] if o["procedure"] != key]
        return
    if not isinstance(value, dict) or value.get(key_field) != key:
        raise MergeError(f"the value must be the entry itself, with {key_field}: {key}")
    kept = {k: v for k, v in entries[index].items() if k.startswith("_")}
    entries[index] = {**copy.deepcopy(value), **kept}


def read_release(base: content.Source, national_files: dict[str, str | bytes]) -> content.Source:
    """Theirs: a release's national/ files, read (shape-checked) beside base's catalogue.yaml and municipalities."""
    errors = [
        content.ContentError(rel, "", "a national release holds national/ files only")
        for rel in sorted(national_files)
        if not rel.startswith("national/")
    ]
    if not any(rel.startswith("national/") for rel in national_files):
        errors.append(content.ContentError("national/", "", "the release holds no national/ files"))
    if errors:
        raise content.ContentErrors(errors)
    files: dict[str, str | bytes] = {rel: t for rel, t in base.files().items() if not rel.startswith("national/")}
    files.update(national_files)
    return content.read_files(files)
