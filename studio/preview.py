"""Whose outcome a draft changes: the changed rules re-evaluated over stored checklists' answers.

Only the procedures whose outcome can differ (selectors.outcome_codes) are evaluated, on both
sides, and only for the stored checklists of their life events; the two results are compared with
the engine's checklist_diff. Stored checklists hold answers and relations, no identities; the
examples shown keep no date and no token either.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import date

import orjson
from django.db import connection

from procedures.engine.catalogue import Case, CompiledCatalogue
from procedures.engine.diff import checklist_diff
from procedures.engine.findings import check_acceptances, describe, identity

BATCH = 2000
EXAMPLES = 3
KINDS = ("gained", "lost", "status", "deadline")

_ROWS = """
    SELECT id, life_events::text, event_date, answers::text, members::text
    FROM navi_checklist
    WHERE id > %s {where}
    ORDER BY id
    LIMIT %s
"""


def checklist_batches(*, life_events: Iterable[str] | None, batch: int = BATCH) -> Iterator[list[Case]]:
    """Stored checklists as engine cases, in batches by id (keyset: each batch one indexed query).

    life_events None means every checklist; otherwise those with at least one of them.
    """
    events = None if life_events is None else sorted(life_events)
    if connection.vendor != "postgresql":
        yield from _batches_portable(events, batch)
        return
    where = "" if events is None else "AND life_events::jsonb ?| %s"
    sql = _ROWS.format(where=where)
    last = 0
    while True:
        params = [last] + ([events] if events is not None else []) + [batch]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        loads = orjson.loads
        yield [
            Case(life_events=tuple(loads(ev)), event_date=day, answers=loads(answers), members=loads(members))
            for _, ev, day, answers, members in rows
        ]


def _batches_portable(events: list[str] | None, batch: int) -> Iterator[list[Case]]:
    """The same through the ORM, filtering in Python (the quick start's SQLite has no jsonb)."""
    from navi.models import Checklist

    last = 0
    wanted = None if events is None else set(events)
    while True:
        rows = list(
            Checklist.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "life_events", "event_date", "answers", "members")[:batch]
        )
        if not rows:
            return
        last = rows[-1][0]
        yield [
            Case(life_events=tuple(ev), event_date=day, answers=answers, members=members)
            for _, ev, day, answers, members in rows
            if wanted is None or wanted.intersection(ev)
        ]


def checklist_count(*, life_events: Iterable[str] | None) -> int:
    if connection.vendor != "postgresql":
        from navi.models import Checklist

        wanted = None if life_events is None else set(life_events)
        return sum(
            1 for ev in Checklist.objects.values_list("life_events", flat=True) if not wanted or wanted & set(ev)
        )
    with connection.cursor() as cursor:
        if life_events is None:
            cursor.execute("SELECT count(*) FROM navi_checklist")
        else:
            cursor.execute("SELECT count(*) FROM navi_checklist WHERE life_events::jsonb ?| %s", [sorted(life_events)])
        return cursor.fetchone()[0]


class Tally:
    """Counts per procedure: checklists that gain an item, lose one, change status, change a deadline."""

    def __init__(self, old: CompiledCatalogue, new: CompiledCatalogue, codes: frozenset[str] | None):
        self.old, self.new, self.codes = old, new, codes
        self.counts: dict[str, dict[str, int]] = {}
        self.examples: dict[str, list[dict]] = {}
        self.checked = 0
        self.changed = 0

    def add(self, cases: Iterable[Case]) -> None:
        old, new, codes = self.old, self.new, self.codes
        for case in cases:
            self.checked += 1
            diff = checklist_diff(old.outcomes(case, codes), new.outcomes(case, codes))
            if not diff:
                continue
            self.changed += 1
            seen: dict[str, set[str]] = {}
            for key in diff.added:
                seen.setdefault(key.split(".", 1)[0], set()).add("gained")
            for key in diff.removed:
                seen.setdefault(key.split(".", 1)[0], set()).add("lost")
            for change in diff.changed:
                seen.setdefault(change.key.split(".", 1)[0], set()).update(change.changes)
            for code, kinds in seen.items():
                counts = self.counts.setdefault(code, dict.fromkeys(KINDS, 0))
                for kind in kinds:
                    counts[kind] += 1
                examples = self.examples.setdefault(code, [])
                if len(examples) < EXAMPLES:
                    examples.append(self._example(case, code, diff))

    def _example(self, case: Case, code: str, diff) -> dict:
        """An anonymous example: the relations and ages, the answers the rules read, what changes."""
        proc = next((p for p in self.new.procedures if p.code == code), None) or next(
            p for p in self.old.procedures if p.code == code
        )
        reads = {name.partition(".")[2] or name for name in proc.reads}
        mine = [k for k in (*diff.added, *diff.removed, *(c.key for c in diff.changed)) if k.split(".", 1)[0] == code]
        changes = []
        for key in mine:
            if key in diff.added:
                changes.append(f"{key}: 追加")
            elif key in diff.removed:
                changes.append(f"{key}: 削除")
            else:
                change = next(c for c in diff.changed if c.key == key)
                for f, (a, b) in change.changes.items():
                    changes.append(f"{key}: {f} {_show(a)} → {_show(b)}")
        return {
            "life_events": list(case.life_events),
            "members": [
                {"relation": m.get("relation"), "age": m.get("age"), **{k: m[k] for k in sorted(reads) if k in m}}
                for m in case.members
            ],
            "answers": {k: case.answers[k] for k in sorted(reads) if k in case.answers},
            "changes": changes,
        }

    def result(self) -> dict:
        return {
            "checked": self.checked,
            "changed": self.changed,
            "procedures": {
                code: {**self.counts[code], "examples": self.examples.get(code, [])} for code in sorted(self.counts)
            },
        }


def _show(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def life_events_of(catalogues: Iterable[CompiledCatalogue], codes: frozenset[str]) -> set[str]:
    events: set[str] = set()
    for catalogue in catalogues:
        for proc in catalogue.procedures:
            if proc.code in codes:
                events.update(proc.data["life_events"])
    return events


# --- the questionnaire walker on a draft ------------------------------------------------------------


def walk_report(source) -> dict:
    """catalogue_walk's findings for a draft's municipality, each marked accepted or not (a few seconds).

    Acceptances are the draft's own (accepted_findings of the national layer and of the
    municipality); one no longer found is listed as stale, as catalogue_walk --check does.
    """
    from procedures.engine.walk import WalkError, walk
    from procedures.selectors import catalogue_document

    code = source.meta["municipality"]
    started = time.perf_counter()
    try:
        result = walk(CompiledCatalogue(catalogue_document(source, code)))
    except WalkError as exc:
        return {"municipality": code, "error": str(exc), "findings": [], "stale": []}
    mine = [a for a in source.accepted_findings if a["_layer"] in ("national", code)]
    not_accepted, stale = check_acceptances({code: result.findings}, mine)
    missing = {identity(f) for f in not_accepted}
    reasons = {identity(a): a["reason"] for a in mine}
    findings = [
        {
            "kind": f["kind"],
            "what": describe(f),
            "where": f.get("procedure") or f.get("question") or "",
            "field": f.get("field") or "",
            "message": f.get("message", ""),
            "accepted": identity(f) not in missing,
            "reason": reasons.get(identity(f), ""),
        }
        for f in result.findings
    ]
    return {
        "municipality": code,
        "findings": findings,
        "not_accepted": len(not_accepted),
        "stale": [{"file": a["_file"], "what": describe(a)} for a in stale],
        "procedures": len(result.procedures),
        "questions": len(result.questions),
        "seconds": round(time.perf_counter() - started, 2),
    }
