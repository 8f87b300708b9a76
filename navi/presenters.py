"""Checklists and catalogue entries as the API shows them (plain dicts; the serializers document them)."""

from __future__ import annotations

from procedures.engine.catalogue import CompiledCatalogue
from procedures.engine.render import render_rule

from django.utils import timezone

from .models import Checklist, ChecklistItem


def checklist_payload(checklist: Checklist) -> dict:
    content = checklist.item_content
    return {
        "token": checklist.token,
        "url": f"/c/{checklist.token}/",
        "life_events": checklist.life_events,
        "event_date": checklist.event_date,
        "language": checklist.language,
        "catalogue_version": checklist.catalogue_version.content_hash,
        "expires_at": timezone.localtime(checklist.expires_at),
        "answers": checklist.answers,
        "members": checklist.members,
        "items": [item_payload(item, content[item.key]) for item in checklist.item_list],
        "documents": checklist.documents,
        "unanswered": checklist.unanswered,
    }


def item_payload(item: ChecklistItem, content: dict) -> dict:
    return {
        "key": item.key,
        "procedure": content["procedure"],
        "member": item.member_key,
        "status": item.status,
        "deadline": item.deadline,
        "deadline_text": content["deadline_text"],
        "reasons": content["reasons"],
        "legal_basis": content["legal_basis"],
        "documents": content["documents"],
        "done": item.done,
    }


def life_event_payload(catalogue: CompiledCatalogue, lang: str) -> list[dict]:
    return [
        {
            "code": e["code"],
            "name": catalogue.text(e["name"], lang),
            "description": catalogue.text(e["description"], lang),
        }
        for e in catalogue.life_events.values()
    ]


def question_payload(catalogue: CompiledCatalogue, life_events: list[str], lang: str) -> list[dict]:
    return [
        {
            "key": q["key"],
            "type": q["type"],
            "text": catalogue.text(q["text"], lang),
            "help": catalogue.text(q.get("help"), lang),
            "choices": [
                {"value": c["value"], "label": catalogue.text(c["label"], lang)} for c in q.get("choices") or ()
            ],
            "min": q.get("min"),
            "max": q.get("max"),
            "per_member": q["per_member"],
            "life_events": q["life_events"],
            "show_if": q.get("show_if"),
        }
        for q in catalogue.questions_for(life_events)
    ]


def procedure_payload(catalogue: CompiledCatalogue, proc, lang: str) -> dict:
    data = proc.data
    fee = data.get("fee")
    return {
        "code": proc.code,
        "name": catalogue.text(data["name"], lang),
        "description": catalogue.text(data["description"], lang),
        "life_events": data["life_events"],
        **catalogue.where(proc, lang),
        "online_url": data.get("online_url"),
        "fee": None if fee is None else {"yen": fee["yen"], "note": catalogue.text(fee.get("note"), lang)},
        "per_member": proc.per_member,
        "applies_if": data["applies_if"],
        "applies_if_text": render_rule(data["applies_if"], lang=lang, questions=catalogue.question_texts),
        "deadline": data.get("deadline"),
        "deadline_text": catalogue.deadline_text(proc, lang),
        "legal_basis": [catalogue.citation(c, lang) for c in data["legal_basis"]],
        "documents": [
            {"name": catalogue.text(d["name"], lang), "note": catalogue.text(d.get("note"), lang)}
            for d in data.get("documents") or ()
        ],
    }
