"""Writes to residents' checklists: build, rebuild on new answers, tick, forget, purge."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from procedures.engine.answers import check_case
from procedures.engine.catalogue import Case, CompiledCatalogue, Item
from procedures.models import CatalogueVersion
from procedures.selectors import catalogue_version_in_force, compiled_catalogue

from .models import Checklist, ChecklistItem

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
    items: list[dict]  # rows to store: key, procedure_code, member_key, status, deadline
    item_content: dict[str, dict]  # how each item reads, by key
    documents: list[dict]
    unanswered: list[str]


def new_token() -> str:
    """256 random bits, URL-safe: 43 characters."""
    return secrets.token_urlsafe(32)


def checklist_build(*, life_events: list[str], event_date: date, answers: dict, members: list, language: str) -> Built:
    """Evaluate a case against the catalogue in force today; pure apart from one lookup."""
    version = catalogue_version_in_force()
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
    items = catalogue.evaluate(case)
    return Built(
        version=version,
        life_events=list(life_events),
        event_date=event_date,
        answers=dict(answers),
        members=members,
        language=language,
        items=[_item_row(item) for item in items],
        item_content={item.key: _item_content(catalogue, case, item, language) for item in items},
        documents=_merged_documents(catalogue, items, language),
        unanswered=_unanswered(catalogue, case, items),
    )


def _item_row(item: Item) -> dict:
    return {
        "key": item.key,
        "procedure_code": item.procedure.code,
        "member_key": item.member["key"] if item.member else None,
        "status": item.status,
        "deadline": item.deadline,
    }


def _item_content(catalogue: CompiledCatalogue, case: Case, item: Item, lang: str) -> dict:
    proc = item.procedure
    data = proc.data
    fee = data.get("fee")
    return {
        "procedure": {
            "code": proc.code,
            "name": catalogue.text(data["name"], lang),
            "description": catalogue.text(data["description"], lang),
            **catalogue.where(proc, lang),
            "online_url": data.get("online_url"),
            "fee": None if fee is None else {"yen": fee["yen"], "note": catalogue.text(fee.get("note"), lang)},
        },
        "deadline_text": catalogue.deadline_text(proc, lang),
        "reasons": catalogue.reasons(item, case, lang),
        "legal_basis": [catalogue.citation(c, lang) for c in data["legal_basis"]],
        "documents": catalogue.documents(item, lang),
    }


def _merged_documents(catalogue: CompiledCatalogue, items: list[Item], lang: str) -> list[dict]:
    """One list of what to bring: each document once, with the items that need it."""
    merged: dict[str, dict] = {}
    for item in items:
        for doc in catalogue.documents(item, lang):
            entry = merged.setdefault(doc["name"], {"name": doc["name"], "notes": [], "items": []})
            if doc["note"] and doc["note"] not in entry["notes"]:
                entry["notes"].append(doc["note"])
            entry["items"].append(item.key)
    return list(merged.values())


def _unanswered(catalogue: CompiledCatalogue, case: Case, items: list[Item]) -> list[str]:
    keys = {k for item in items for k in item.unknown_facts}
    for item in items:
        rule = item.procedure.deadline_rule
        if rule is not None and rule.from_ != "event_date" and case.answers.get(rule.from_) is None:
            keys.add(rule.from_)
    return [q["key"] for q in catalogue.questions if q["key"] in keys]


def checklist_create(
    *, life_events: list[str], event_date: date, answers: dict, members: list, language: str = "ja"
) -> Checklist:
    built = checklist_build(
        life_events=life_events, event_date=event_date, answers=answers, members=members, language=language
    )
    with transaction.atomic():
        checklist = Checklist.objects.create(
            token=new_token(),
            expires_at=timezone.now() + timedelta(days=settings.CHECKLIST_RETENTION_DAYS),
            **_checklist_fields(built),
        )
        items = ChecklistItem.objects.bulk_create(
            [ChecklistItem(checklist=checklist, position=i, **row) for i, row in enumerate(built.items)]
        )
    checklist.__dict__["item_list"] = items
    return checklist


def _checklist_fields(built: Built) -> dict:
    return {
        "catalogue_version": built.version,
        "life_events": built.life_events,
        "event_date": built.event_date,
        "language": built.language,
        "answers": built.answers,
        "members": built.members,
        "item_content": built.item_content,
        "documents": built.documents,
        "unanswered": built.unanswered,
    }


def checklist_update(*, checklist: Checklist, **changes) -> Checklist:
    """Rebuild with new answers (or events, date, language) on the catalogue in force today.

    Items whose key remains keep their tick; the others are gone with their ticks.
    """
    fields = {
        "life_events": checklist.life_events,
        "event_date": checklist.event_date,
        "answers": checklist.answers,
        "members": checklist.members,
        "language": checklist.language,
    }
    fields.update({k: v for k, v in changes.items() if k in fields})
    built = checklist_build(**fields)
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
    return locked


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
