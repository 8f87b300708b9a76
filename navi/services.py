"""Writes to residents' checklists: build, rebuild on new answers, tick, forget, purge."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from procedures.db import prepared_cursor
from procedures.engine.answers import check_case
from procedures.engine.catalogue import Case, CompiledCatalogue, CompiledProcedure, Item
from procedures.engine.diff import ChecklistDiff, checklist_diff
from procedures.models import CatalogueVersion
from procedures.selectors import catalogue_version_for_case, compiled_catalogue
from reminders.services import reminders_sync

from .models import Checklist, ChecklistItem
from .selectors import ChecklistView, items_json, remember_version_hash

LANGUAGES = ("ja", "en", "easy")


class InvalidCase(ValueError):
    """Answers that do not fit the catalogue: errors by field, for a 400."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(errors)


@dataclass(frozen=True)
class Built:
    version: CatalogueVersion
    life_events: list[str]
    event_date: date
    answers: dict
    members: list[dict]
    language: str
    items: list[dict]  # rows to store: key, procedure_code, member_key, status, deadline, content
    documents: list[dict]
    unanswered: list[str]


def new_token() -> str:
    """256 random bits, URL-safe: 43 characters."""
    return secrets.token_urlsafe(32)


def checklist_build(
    *,
    life_events: list[str],
    event_date: date,
    answers: dict,
    members: list,
    language: str,
    version: CatalogueVersion | None = None,
) -> Built:
    """Evaluate a case against a catalogue version (by default the one the case follows today); no writes."""
    version = version or catalogue_version_for_case(event_date=event_date)
    catalogue = compiled_catalogue(version)
    errors: dict[str, list[str]] = {}
    for i, code in enumerate(life_events):
        if code not in catalogue.life_event_codes:
            known = ", ".join(sorted(catalogue.life_event_codes))
            errors.setdefault(f"life_events.{i}", []).append(f"unknown life event '{code}' (known: {known})")
    if not errors:
        case_errors, members = check_case(
            catalogue,
            life_events=life_events,
            answers=answers,
            members=members,
            max_members=settings.CHECKLIST_MAX_MEMBERS,
        )
        errors.update(case_errors)
    if errors:
        raise InvalidCase(errors)
    case = Case(life_events=tuple(life_events), event_date=event_date, answers=answers, members=members)
    return Built(
        version=version,
        life_events=list(life_events),
        event_date=event_date,
        answers=dict(answers),
        members=members,
        language=language,
        **checklist_render(catalogue=catalogue, case=case, language=language),
    )


def checklist_render(*, catalogue: CompiledCatalogue, case: Case, language: str) -> dict:
    """The items of a case rendered in the language, the documents to bring, the unanswered questions.

    Pure, no database. Each item's content is the JSON the API sends for it (but its tick),
    written here once: reads send it as stored (presenters.item_payload). What reads the same in
    every checklist on this catalogue (the procedure, its deadline text, the reasons' citations
    and words) is rendered once per catalogue version and language (CompiledCatalogue.texts_cached);
    which rules hold, and for whom, is evaluated for every case.
    """
    items = catalogue.evaluate(case)
    facts = catalogue.facts(case)
    rows = []
    merged: dict[str, dict] = {}
    for item in items:
        proc = item.procedure
        shared = catalogue.texts_cached(
            ("navi.item", proc.code, language), lambda proc=proc: _item_shared(catalogue, proc, language)
        )
        member_key = item.member["key"] if item.member else None
        documents = catalogue.documents(item, language)
        shown = {
            "key": item.key,
            "procedure": shared["procedure"],
            "member": member_key,
            "status": item.status,
            "deadline": item.deadline,
            "deadline_text": shared["deadline_text"],
            "reasons": catalogue.reasons(item, case, language, facts),
            "documents": documents,
        }
        rows.append(
            {
                "key": item.key,
                "procedure_code": proc.code,
                "member_key": member_key,
                "status": item.status,
                "deadline": item.deadline,
                "content": orjson.dumps(shown).decode(),
            }
        )
        _merge_documents(merged, item.key, documents)
    return {
        "items": rows,
        "documents": list(merged.values()),
        "unanswered": _unanswered(catalogue, case, items),
    }


def _item_shared(catalogue: CompiledCatalogue, proc: CompiledProcedure, lang: str) -> dict:
    """What every item of a procedure says alike: the procedure as the contract names it (and its
    outside office, for those not at a counter), as JSON text, and its deadline in words."""
    data = proc.data
    where = catalogue.where(proc, lang)
    procedure = {
        "code": proc.code,
        "name": catalogue.text(data["name"], lang),
        "department": where["department"],
        "counter": where["counter"],
        "office": where["office"],
        "online_url": data.get("online_url"),
    }
    return {"procedure": orjson.Fragment(orjson.dumps(procedure)), "deadline_text": catalogue.deadline_text(proc, lang)}


def _merge_documents(merged: dict[str, dict], key: str, documents: list[dict]) -> None:
    """One list of what to bring: each document once, with the items that need it."""
    for doc in documents:
        entry = merged.setdefault(doc["name"], {"name": doc["name"], "notes": [], "items": []})
        if doc["note"] and doc["note"] not in entry["notes"]:
            entry["notes"].append(doc["note"])
        entry["items"].append(key)


def _unanswered(catalogue: CompiledCatalogue, case: Case, items: list[Item]) -> list[str]:
    keys = {k for item in items for k in item.unknown_facts}
    for item in items:
        rule = item.procedure.deadline_rule
        if rule is not None and rule.from_ != "event_date" and case.answers.get(rule.from_) is None:
            keys.add(rule.from_)
    return [q["key"] for q in catalogue.questions if q["key"] in keys]


_CHECKLIST_INSERT = """
    INSERT INTO navi_checklist
        (token, catalogue_version_id, life_events, event_date, language, answers, members,
         documents, unanswered, created_at, updated_at, expires_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    RETURNING id
"""
_INSERT_ITEM = """
    INSERT INTO navi_checklistitem
        (checklist_id, "position", "key", procedure_code, member_key, status, deadline, content, done)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, false)
"""
# PostgreSQL: the checklist and all its items in one statement, so one round trip and, outside a
# transaction, its own transaction (no BEGIN and COMMIT to send). The items come as one array
# per column, sent in binary (%b: the JSON texts go as they are, where the text format escapes
# every quote); WITH ORDINALITY numbers them in order.
_CREATE_PG = """
    WITH checklist AS (
        INSERT INTO navi_checklist
            (token, catalogue_version_id, life_events, event_date, language, answers, members,
             documents, unanswered, created_at, updated_at, expires_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        RETURNING id
    )
    INSERT INTO navi_checklistitem
        (checklist_id, "position", "key", procedure_code, member_key, status, deadline, content, done)
    SELECT checklist.id, item.n - 1, item.key, item.procedure_code, item.member_key, item.status,
           item.deadline, item.content, false
    FROM checklist,
         unnest(%b::varchar[], %b::varchar[], %b::varchar[], %b::varchar[], %b::date[], %b::text[])
             WITH ORDINALITY AS item ("key", procedure_code, member_key, status, deadline, content, n)
"""
_JSON_FIELDS = ("life_events", "answers", "members", "documents", "unanswered")


def _json_texts(built: Built) -> dict[str, str]:
    """The checklist's JSON columns as the text that is stored and sent."""
    return {name: orjson.dumps(getattr(built, name)).decode() for name in _JSON_FIELDS}


def checklist_create(
    *, life_events: list[str], event_date: date, answers: dict, members: list, language: str = "ja"
) -> ChecklistView:
    """Build, store and return the checklist as the API shows it, made from what was written.

    POST is the API's other hot path, so the write is static SQL with parameters rather than
    Model.objects.create and bulk_create, whose per-object and per-field preparation costs more
    than the database's own work: on PostgreSQL one prepared statement for the checklist and all
    its items, elsewhere the checklist then an executemany of its items, in one transaction.
    """
    built = checklist_build(
        life_events=life_events, event_date=event_date, answers=answers, members=members, language=language
    )
    texts = _json_texts(built)
    token = new_token()
    now = timezone.now()
    expires_at = now + timedelta(days=settings.CHECKLIST_RETENTION_DAYS)
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    checklist = [
        token,
        built.version.pk,
        texts["life_events"],
        ops.adapt_datefield_value(built.event_date),
        built.language,
        texts["answers"],
        texts["members"],
        texts["documents"],
        texts["unanswered"],
        stamp,
        stamp,
        ops.adapt_datetimefield_value(expires_at),
    ]
    if connection.vendor == "postgresql":
        rows = built.items
        with prepared_cursor() as cursor:
            cursor.execute(
                _CREATE_PG,
                [
                    *checklist,
                    [r["key"] for r in rows],
                    [r["procedure_code"] for r in rows],
                    [r["member_key"] for r in rows],
                    [r["status"] for r in rows],
                    [r["deadline"] for r in rows],
                    [r["content"] for r in rows],
                ],
            )
    else:
        adapt_date = ops.adapt_datefield_value
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_CHECKLIST_INSERT, checklist)
            (checklist_id,) = cursor.fetchone()
            cursor.executemany(
                _INSERT_ITEM,
                [
                    (checklist_id, i, r["key"], r["procedure_code"], r["member_key"], r["status"],
                     adapt_date(r["deadline"]), r["content"])
                    for i, r in enumerate(built.items)
                ],
            )  # fmt: skip
    remember_version_hash(built.version)
    return _view(built, texts, token=token, expires_at=expires_at, done=())


def _view(built: Built, texts: dict[str, str], *, token: str, expires_at, done) -> ChecklistView:
    return ChecklistView(
        token=token,
        event_date=built.event_date,
        language=built.language,
        catalogue_version=built.version.content_hash,
        expires_at=expires_at,
        items=items_json((r["content"], r["key"] in done) for r in built.items),
        **texts,
    )


def _checklist_fields(built: Built) -> dict:
    return {
        "catalogue_version": built.version,
        "life_events": built.life_events,
        "event_date": built.event_date,
        "language": built.language,
        "answers": built.answers,
        "members": built.members,
        "documents": built.documents,
        "unanswered": built.unanswered,
    }


def _case_fields(checklist: Checklist, changes: dict) -> dict:
    fields = {
        "life_events": checklist.life_events,
        "event_date": checklist.event_date,
        "answers": checklist.answers,
        "members": checklist.members,
        "language": checklist.language,
    }
    fields.update({k: v for k, v in changes.items() if k in fields})
    return fields


def checklist_changes(*, checklist: Checklist, version: CatalogueVersion | None = None, **changes) -> ChecklistDiff:
    """What a rebuild would add, remove or change (status, deadline), without saving anything.

    For new answers (the resident revising them), or for another catalogue version (the one
    taking effect: reminders tell the resident; the rule studio counts checklists that would change).
    """
    built = checklist_build(**_case_fields(checklist, changes), version=version)
    return checklist_diff(checklist.items.all(), built.items)


def checklist_update(*, checklist: Checklist, **changes) -> ChecklistView:
    """Rebuild with new answers (or events, date, language) on the catalogue in force today.

    Items whose key remains keep their tick; the others are gone with their ticks.
    """
    built = checklist_build(**_case_fields(checklist, changes))
    with transaction.atomic():
        locked = Checklist.objects.select_for_update().get(pk=checklist.pk)
        done = dict(ChecklistItem.objects.filter(checklist=locked, done=True).values_list("key", "done_at"))
        for name, value in _checklist_fields(built).items():
            setattr(locked, name, value)
        locked.save()
        ChecklistItem.objects.filter(checklist=locked).delete()
        ChecklistItem.objects.bulk_create(
            ChecklistItem(checklist=locked, position=i, done=row["key"] in done, done_at=done.get(row["key"]), **row)
            for i, row in enumerate(built.items)
        )
        reminders_sync(checklist=locked)
    return _view(built, _json_texts(built), token=locked.token, expires_at=locked.expires_at, done=done)


def checklist_item_set_done(*, item: ChecklistItem, done: bool) -> ChecklistItem:
    item.done = done
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done", "done_at"])
    return item


def checklist_delete(*, checklist: Checklist) -> None:
    """Forget at once: the checklist, its answers and its items."""
    checklist.delete()


def checklists_purge_expired(*, now=None) -> int:
    """Delete every checklist past its expiry (the retention period set in settings)."""
    _, per_model = Checklist.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return per_model.get(Checklist._meta.label, 0)
