"""Writes to residents' checklists: build, rebuild on new answers, tick, forget, purge."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from procedures.db import prepared_cursor
from procedures.engine.answers import check_case
from procedures.engine.catalogue import Case, CompiledCatalogue, CompiledProcedure, Item
from procedures.engine.diff import ChecklistDiff, checklist_diff
from procedures.models import CatalogueVersion
from procedures.selectors import (
    IN_FORCE_ID_SQL,
    catalogue_version_for_case,
    catalogue_version_remembered,
    compiled_catalogue,
    today,
)
from reminders.services import reminders_sync

from .models import Checklist, ChecklistItem
from .selectors import ChecklistView, checklist_item, items_json, remember_version_hash

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
    shared_by_code = catalogue.texts_cached(("navi.item", language), dict)  # filled as procedures come
    for item in items:
        proc = item.procedure
        shared = shared_by_code.get(proc.code)
        if shared is None:
            shared = shared_by_code[proc.code] = _item_shared(catalogue, proc, language)
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
        name, note = doc["name"], doc["note"]
        entry = merged.get(name)
        if entry is None:
            entry = merged[name] = {"name": name, "notes": [], "items": []}
        if note and note not in entry["notes"]:
            entry["notes"].append(note)
        entry["items"].append(key)


def _unanswered(catalogue: CompiledCatalogue, case: Case, items: list[Item]) -> list[str]:
    keys = {k for item in items for k in item.unknown_facts}
    for item in items:
        rule = item.procedure.deadline_rule
        if rule is not None and rule.from_ != "event_date" and case.answers.get(rule.from_) is None:
            keys.add(rule.from_)
    return [q["key"] for q in catalogue.questions if q["key"] in keys]


# The checklist with its items in one row: one statement, so one round trip and, outside a
# transaction, its own transaction (no BEGIN and COMMIT to send). On PostgreSQL a statement
# prepared once per connection (procedures.db.prepared_cursor).
_COLUMNS = """
    INSERT INTO navi_checklist
        (token, catalogue_version_id, life_events, event_date, language, answers, members,
         documents, unanswered, items, ticks, created_at, updated_at, expires_at)
"""
_VALUES = "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '{}', %s, %s, %s"
_CREATE = f"{_COLUMNS} VALUES ({_VALUES})"
# The same, built on a remembered version: written only if that version is (still) the one in
# force that day, looked up by the statement itself; otherwise nothing is written.
_CREATE_IF_IN_FORCE = f"{_COLUMNS} SELECT {_VALUES} WHERE %s = {IN_FORCE_ID_SQL}"
_JSON_FIELDS = ("life_events", "answers", "members", "documents", "unanswered")


def _json_texts(built: Built) -> dict[str, str]:
    """The checklist's JSON columns as the text that is stored and sent."""
    return {name: orjson.dumps(getattr(built, name)).decode() for name in _JSON_FIELDS}


def checklist_create(
    *, life_events: list[str], event_date: date, answers: dict, members: list, language: str = "ja"
) -> ChecklistView:
    """Build, store and return the checklist as the API shows it, made from what was written.

    POST is the API's other hot path, so the write is one static statement with parameters rather
    than Model.objects.create, whose per-field preparation costs more than the database's own work;
    and the version in force is looked up by that statement, not by one of its own before it: the
    checklist is built on the version this process last found in force today, and written only if
    that is still the version in force. If it is not (a version has taken effect, or none was
    found yet today), it is looked up, the checklist built again, and written.
    """
    case = {"life_events": life_events, "event_date": event_date, "answers": answers, "members": members}
    on = today()
    token = new_token()
    now = timezone.now()
    expires_at = now + timedelta(days=settings.CHECKLIST_RETENTION_DAYS)
    remembered = catalogue_version_remembered(event_date=event_date, on=on)
    written = False
    with prepared_cursor() as cursor:
        if remembered is not None:
            try:
                built = checklist_build(**case, language=language, version=remembered)
            except InvalidCase:
                pass  # judged again on the version in force, below
            else:
                texts = _json_texts(built)
                cursor.execute(
                    _CREATE_IF_IN_FORCE,
                    [
                        *_row(built, texts, token, now, expires_at),
                        remembered.pk,
                        connection.ops.adapt_datefield_value(on),
                    ],
                )
                written = cursor.rowcount == 1
        if not written:
            built = checklist_build(
                **case, language=language, version=catalogue_version_for_case(event_date=event_date, on=on)
            )
            texts = _json_texts(built)
            cursor.execute(_CREATE, _row(built, texts, token, now, expires_at))
    remember_version_hash(built.version)
    return _view(built, texts, token=token, expires_at=expires_at, done=())


def _row(built: Built, texts: dict[str, str], token: str, now, expires_at) -> list:
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    return [
        token,
        built.version.pk,
        texts["life_events"],
        ops.adapt_datefield_value(built.event_date),
        built.language,
        texts["answers"],
        texts["members"],
        texts["documents"],
        texts["unanswered"],
        _lines(built),
        stamp,
        stamp,
        ops.adapt_datetimefield_value(expires_at),
    ]


def _lines(built: Built) -> str:
    """The items as stored: their JSON objects, one per line (JSON text as orjson writes it has no newline)."""
    return "\n".join([row["content"] for row in built.items])


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
    return checklist_diff(checklist.item_list, built.items)


def checklist_update(*, checklist: Checklist, **changes) -> ChecklistView:
    """Rebuild with new answers (or events, date, language) on the catalogue in force today.

    Items whose key remains keep their tick; the others are gone with their ticks.
    """
    built = checklist_build(**_case_fields(checklist, changes))
    with transaction.atomic():
        locked = Checklist.objects.select_for_update().get(pk=checklist.pk)
        keys = {row["key"] for row in built.items}
        done = {key: at for key, at in locked.ticks.items() if key in keys}
        for name, value in _checklist_fields(built).items():
            setattr(locked, name, value)
        locked.items, locked.ticks = _lines(built), done
        locked.save()
        reminders_sync(checklist=locked)
    return _view(built, _json_texts(built), token=locked.token, expires_at=locked.expires_at, done=done)


def checklist_item_set_done(*, checklist: Checklist, key: str, done: bool) -> ChecklistItem | None:
    """Tick an item (or untick it); None if the checklist has no item by that key (or is gone)."""
    with transaction.atomic():
        locked = Checklist.objects.select_for_update().filter(pk=checklist.pk).only("items", "ticks").first()
        item = checklist_item(locked, key) if locked is not None else None
        if item is None:
            return None
        ticks = dict(locked.ticks)
        if done:
            ticks.setdefault(key, timezone.now().isoformat())
        else:
            ticks.pop(key, None)
        if ticks != locked.ticks:
            locked.ticks = ticks
            locked.save(update_fields=["ticks"])
    at = ticks.get(key)
    return replace(item, done=at is not None, done_at=None if at is None else datetime.fromisoformat(at))


def checklist_delete(*, checklist: Checklist) -> None:
    """Forget at once: the checklist, its answers and its items."""
    checklist.delete()


def checklists_purge_expired(*, now=None) -> int:
    """Delete every checklist past its expiry (the retention period set in settings)."""
    _, per_model = Checklist.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return per_model.get(Checklist._meta.label, 0)
