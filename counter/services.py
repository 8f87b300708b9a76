"""Writes at the counter: open a case (by interview or from the resident's QR code), revise its
facts, enter the personal details once, send it on to the departments, call and finish there, purge.

Each service checks the actor's capability itself (staff.permissions), whoever calls it. The
checklist is built by navi's service on the engine; nothing here evaluates a rule.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import orjson
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from navi.selectors import checklist_by_token
from navi.services import Built, InvalidCase, checklist_build
from procedures.selectors import compiled_catalogue
from staff.permissions import has_capability, require_capability

from .dates import normalize_date
from .models import Case, CasePersonal, CaseVisit
from .privacy import MY_NUMBER_MESSAGE, looks_like_my_number
from .selectors import current_municipality, staff_department

_LINK_TOKEN = re.compile(r"(?:^|/c/)([A-Za-z0-9_-]{43})(?:/|$|\?|#)")


class UnknownLink(ValueError):
    """What was scanned or typed is not the link of a live resident checklist."""


def _summaries(built: Built) -> list[dict]:
    """Per item what the queues and statistics need, read from the built list."""
    catalogue = compiled_catalogue(built.version)
    where = {p.code: p.data["where"] for p in catalogue.procedures}
    out = []
    for row in built.items:
        content = orjson.loads(row["content"])
        procedure = content["procedure"]
        counter = catalogue.counters.get(where[row["procedure_code"]].get("counter"))
        out.append(
            {
                "key": row["key"],
                "procedure_code": row["procedure_code"],
                "member_key": row["member_key"],
                "status": row["status"],
                "name": procedure["name"],
                "department": procedure.get("department"),
                "counter": procedure.get("counter") or procedure.get("office"),
                "visit_order": counter["visit_order"] if counter else None,
            }
        )
    return out


def _build(*, life_events, event_date, answers, members) -> Built:
    return checklist_build(
        life_events=life_events, event_date=event_date, answers=answers, members=members, language="ja"
    )


def case_create(
    *, actor, life_events: list[str], event_date: date, answers: dict | None = None, members: list | None = None
) -> Case:
    """Open a case by interview. Raises InvalidCase (errors by field) for facts that do not fit."""
    require_capability(actor, "counter.interview")
    built = _build(life_events=life_events, event_date=event_date, answers=answers or {}, members=members or [])
    return Case.objects.create(
        municipality=current_municipality(),
        life_events=built.life_events,
        event_date=built.event_date,
        answers=built.answers,
        members=built.members,
        items=_summaries(built),
        created_by=actor,
    )


def case_update(*, actor, case: Case, life_events: list[str], event_date: date, answers: dict, members: list) -> Case:
    """New facts from the interview: the list is built again on the catalogue in force."""
    require_capability(actor, "counter.interview")
    built = _build(life_events=life_events, event_date=event_date, answers=answers, members=members)
    case.life_events = built.life_events
    case.event_date = built.event_date
    case.answers = built.answers
    case.members = built.members
    case.items = _summaries(built)
    with transaction.atomic():
        case.save(update_fields=["life_events", "event_date", "answers", "members", "items", "updated_at"])
        personal = CasePersonal.objects.filter(case=case).first()
        if personal is not None:
            keys = {m["key"] for m in case.members}
            kept = {k: v for k, v in personal.people.items() if k in keys}
            if kept != personal.people:  # a member taken off the case takes their details along
                personal.people = kept
                personal.save(update_fields=["people", "updated_at"])
    return case


def case_preview(*, actor, case: Case, life_events: list[str], event_date: date, answers: dict, members: list) -> Case:
    """The case as it would be with these facts, not saved: what the interview's live list shows.

    Only the clerk's submit writes, so a background preview arriving late can never undo it.
    """
    require_capability(actor, "counter.interview")
    built = _build(life_events=life_events, event_date=event_date, answers=answers, members=members)
    preview = Case(
        pk=case.pk,
        municipality=case.municipality,
        checklist_id=case.checklist_id,
        resident_item_keys=case.resident_item_keys,
        created_at=case.created_at,
        life_events=built.life_events,
        event_date=built.event_date,
        answers=built.answers,
        members=built.members,
        items=_summaries(built),
    )
    return preview


def token_from_scan(text: str) -> str | None:
    """The checklist token in what a scanner typed: the private link (/c/<token>/) or the bare token."""
    match = _LINK_TOKEN.search((text or "").strip())
    return match.group(1) if match else None


def case_from_checklist(*, actor, scanned: str) -> Case:
    """ワンスオンリー: the resident's answers become the case's facts, for the clerk to confirm.

    The resident's checklist is linked (the case points at it), not copied; its item keys are kept
    so the statistics can count what the interview added.
    """
    require_capability(actor, "counter.interview")
    token = token_from_scan(scanned)
    checklist = checklist_by_token(token) if token else None
    if checklist is None:
        raise UnknownLink(scanned)
    built = _build(
        life_events=checklist.life_events,
        event_date=checklist.event_date,
        answers=checklist.answers,
        members=checklist.members,
    )
    return Case.objects.create(
        municipality=current_municipality(),
        life_events=built.life_events,
        event_date=built.event_date,
        answers=built.answers,
        members=built.members,
        items=_summaries(built),
        checklist=checklist,
        resident_item_keys=[item.key for item in checklist.item_list],
        created_by=actor,
    )


# --- personal details -------------------------------------------------------------------------

PERSON_FIELDS = ("name", "kana", "birth_date", "sex", "relationship")
CASE_FIELDS = ("old_address", "new_address", "moved_in_on", "moved_out_on", "phone")
FREE_TEXT = ("name", "kana", "relationship", "old_address", "new_address", "phone")
SEXES = ("男", "女")


def case_personal_save(*, actor, case: Case, people: dict[str, dict], details: dict) -> CasePersonal:
    """Store the personal details once for the whole case; every form reads them from here.

    Raises InvalidCase for a My Number-like value, an unknown member or a bad date; nothing is saved then.
    """
    require_capability(actor, "counter.personal")
    if case.purged_at is not None:
        raise PermissionDenied("purged")
    errors: dict[str, list[str]] = {}
    keys = {m["key"] for m in case.members}
    clean_people = {}
    for key, person in people.items():
        if key not in keys:
            errors.setdefault(f"people.{key}", []).append("この世帯員はいません")
            continue
        clean = {}
        for name in PERSON_FIELDS:
            value = (person.get(name) or "").strip()
            if name == "birth_date" and value:
                value = normalize_date(value)
            if name in FREE_TEXT and looks_like_my_number(value):
                errors.setdefault(f"people.{key}.{name}", []).append(MY_NUMBER_MESSAGE)
            if name == "birth_date" and value and _date(value) is None:
                errors.setdefault(f"people.{key}.{name}", []).append("日付を 2026-04-01 のように入力してください")
            if name == "sex" and value and value not in SEXES:
                errors.setdefault(f"people.{key}.{name}", []).append("男 か 女 を選んでください")
            clean[name] = value
        clean_people[key] = clean
    clean_details = {}
    for name in CASE_FIELDS:
        value = (details.get(name) or "").strip()
        if name in FREE_TEXT and looks_like_my_number(value):
            errors.setdefault(name, []).append(MY_NUMBER_MESSAGE)
        if name in ("moved_in_on", "moved_out_on"):
            if value and _date(value) is None:
                errors.setdefault(name, []).append("日付を 2026-04-01 のように入力してください")
            value = _date(value) if value else None
        clean_details[name] = value
    if errors:
        raise InvalidCase(errors)
    personal, _ = CasePersonal.objects.update_or_create(
        case=case, defaults={"people": clean_people, "updated_by": actor, **clean_details}
    )
    return personal


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(normalize_date(text))
    except ValueError:
        return None


# --- departments ------------------------------------------------------------------------------


def case_hand_off(*, actor, case: Case) -> list[CaseVisit]:
    """The routing slip sends the case on: one queue entry per department with items for it.

    Sending again after the facts changed updates what each department still has to do and adds
    new departments; a department already done stays done.
    """
    require_capability(actor, "counter.interview")
    by_department: dict[str, dict] = {}
    for item in case.items:
        if not item.get("department"):
            continue  # outside offices (年金事務所, 税務署 …) have no queue here
        entry = by_department.setdefault(
            item["department"], {"visit_order": item["visit_order"] or 10_000, "item_keys": []}
        )
        entry["visit_order"] = min(entry["visit_order"], item["visit_order"] or 10_000)
        entry["item_keys"].append(item["key"])
    now = timezone.now()
    with transaction.atomic():
        existing = {v.department: v for v in CaseVisit.objects.select_for_update().filter(case=case)}
        for department, entry in by_department.items():
            visit = existing.get(department)
            if visit is None:
                CaseVisit.objects.create(case=case, department=department, arrived_at=now, **entry)
            elif visit.done_at is None:
                visit.item_keys = entry["item_keys"]
                visit.visit_order = entry["visit_order"]
                visit.save(update_fields=["item_keys", "visit_order"])
        case.handed_off_at = case.handed_off_at or now
        case.save(update_fields=["handed_off_at", "updated_at"])
    return list(case.visits.all())


def _require_department(actor, department: str) -> None:
    require_capability(actor, "counter.queue")
    own = staff_department(actor)
    if not has_capability(actor, "counter.dashboard") and own != department:
        raise PermissionDenied("another department's queue")


def visit_call_next(*, actor, department: str) -> CaseVisit | None:
    """The longest-waiting case of the department is called (None when nobody waits)."""
    _require_department(actor, department)
    with transaction.atomic():
        visit = (
            CaseVisit.objects.select_for_update(skip_locked=True)
            .filter(
                department=department,
                called_at__isnull=True,
                case__municipality=current_municipality(),
                case__purged_at__isnull=True,
            )
            .order_by("arrived_at", "id")
            .first()
        )
        if visit is None:
            return None
        visit.called_at = timezone.now()
        visit.called_by = actor
        visit.save(update_fields=["called_at", "called_by"])
    return visit


def visit_done(*, actor, visit: CaseVisit, handled_keys: list[str]) -> CaseVisit:
    """The department marks the items it handled; its part is done (called now if it was not yet)."""
    _require_department(actor, visit.department)
    now = timezone.now()
    visit.handled_keys = [k for k in visit.item_keys if k in set(handled_keys)]
    visit.called_at = visit.called_at or now
    visit.called_by = visit.called_by or actor
    visit.done_at = now
    visit.done_by = actor
    visit.save(update_fields=["handled_keys", "called_at", "called_by", "done_at", "done_by"])
    return visit


# --- retention --------------------------------------------------------------------------------


def cases_purge_expired(*, now=None) -> int:
    """Delete the personal details of every case older than COUNTER_RETENTION_DAYS; mark it purged.

    The facts, items and department times stay (they are what the dashboard counts); the case is
    no longer shown to anyone at the counter. Safe to run twice.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.COUNTER_RETENTION_DAYS)
    with transaction.atomic():
        ids = list(
            Case.objects.select_for_update()
            .filter(created_at__lte=cutoff, purged_at__isnull=True)
            .values_list("id", flat=True)
        )
        CasePersonal.objects.filter(case_id__in=ids).delete()
        Case.objects.filter(id__in=ids).update(purged_at=now, checklist=None)
    return len(ids)
