"""Checklists and catalogue entries as the API shows them, ready for the JSON renderer.

Catalogue entries are plain dicts. A checklist's JSON, stored as the text the API sends (see
navi.selectors), goes through as orjson.Fragment: the renderer copies it into the response
without decoding and re-encoding ~100 KB per request. The serializers in navi.api document the
shapes, and the schemathesis test checks the responses against them.
"""

from __future__ import annotations

import orjson
from django.utils import timezone
from orjson import Fragment

from procedures.engine.catalogue import CompiledCatalogue
from procedures.engine.render import render_rule

from .selectors import ChecklistView, item_json


def checklist_payload(checklist: ChecklistView) -> dict:
    return {
        "token": checklist.token,
        "url": f"/c/{checklist.token}/",
        "life_events": Fragment(checklist.life_events),
        "event_date": checklist.event_date,
        "language": checklist.language,
        "catalogue_version": checklist.catalogue_version,
        "expires_at": timezone.localtime(checklist.expires_at),
        "answers": Fragment(checklist.answers),
        "members": Fragment(checklist.members),
        "items": Fragment(checklist.items),
        "documents": Fragment(checklist.documents),
        "unanswered": Fragment(checklist.unanswered),
    }


def item_payload(item) -> Fragment:
    """One item (a ChecklistItem) as the API sends it."""
    return Fragment(item_json(item.content, item.done))


def item_page_content(catalogue: CompiledCatalogue, code: str, lang: str, content: str) -> dict:
    """An item as the resident pages show it: its stored content (the API's item) with what the API
    leaves to /procedures/{code}/ — the procedure's description, location, hours and fee, and its
    full legal basis — from the catalogue version the checklist was built on, in its language."""
    item = orjson.loads(content)
    details = catalogue.texts_cached(("navi.page", code, lang), lambda: _page_details(catalogue, code, lang))
    item["procedure"] = {**details["procedure"], **item["procedure"]}
    item["legal_basis"] = details["legal_basis"]
    return item


def _page_details(catalogue: CompiledCatalogue, code: str, lang: str) -> dict:
    proc = catalogue.procedure_by_code.get(code)
    if proc is None:
        return {"procedure": {}, "legal_basis": []}
    full = procedure_payload(catalogue, proc, lang)
    keys = ("description", "department", "counter", "location", "hours", "office", "online_url", "fee")
    return {"procedure": {k: full[k] for k in keys}, "legal_basis": full["legal_basis"]}


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
