"""The interview form: every question of the chosen life events on one page, members inline.

Field names: ``life_events``, ``event_date``, ``a-<question>`` for the household's answers,
``m<i>-key``, ``m<i>-relation`` and ``m<i>-<question>`` for member i (``members`` says how many).
Buttons: ``add`` (value: a relation) appends a member, ``remove`` (value: i) drops one.
Parsing turns the posted text into typed answers; the engine's own check (navi's service)
decides what fits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.http import QueryDict

from procedures.engine.answers import check_value
from procedures.engine.rules import facts_read
from procedures.selectors import catalogue_version_in_force, compiled_catalogue

from .dates import normalize_date
from .selectors import RELATION_LABELS

RELATIONS = list(RELATION_LABELS.items())
YES_NO = [("true", "はい"), ("false", "いいえ")]
MAX_MEMBERS = 20


@dataclass
class Posted:
    life_events: list[str]
    event_date: date | None
    answers: dict
    members: list[dict]
    raw: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)


def _value(question: dict, text: str, name: str, errors: dict):
    text = (text or "").strip()
    if text == "":
        return None
    kind = question["type"]
    if kind == "yes_no":
        if text in ("true", "false"):
            return text == "true"
        errors.setdefault(name, []).append("はい か いいえ を選んでください")
        return None
    if kind == "number":
        try:
            value = int(text)
        except ValueError:
            errors.setdefault(name, []).append("数字で入力してください")
            return None
    elif kind == "date":
        value = normalize_date(text)
    else:
        value = text
    problem = check_value(question, value)
    if problem:
        errors.setdefault(name, []).append(_message(question, problem))
        return None
    return value


def _message(question: dict, problem: str) -> str:
    if question["type"] == "date":
        return "日付を 2026-04-01 のように入力してください"
    if question["type"] == "number":
        return f"{question.get('min', 0)} から {question.get('max', '')} の数字で入力してください"
    return "一覧から選んでください"


def parse(post: QueryDict) -> Posted:
    """The posted interview as facts in a checklist's shape, with errors by field name."""
    catalogue = compiled_catalogue(catalogue_version_in_force())
    errors: dict[str, list[str]] = {}
    raw = {k: post.get(k, "") for k in post}
    life_events = [e for e in post.getlist("life_events") if e in catalogue.life_event_codes]
    if not life_events:
        errors["life_events"] = ["あてはまる出来事を 1 つ以上選んでください"]
    event_date = None
    text = normalize_date(post.get("event_date", ""))
    if not text:
        errors["event_date"] = ["日付を入力してください"]
    elif check_value({"type": "date"}, text):
        errors["event_date"] = ["日付を 2026-04-01 のように入力してください"]
    else:
        event_date = date.fromisoformat(text)
    questions = catalogue.questions_for(life_events)
    answers = {}
    for q in questions:
        if not q["per_member"]:
            value = _value(q, post.get(f"a-{q['key']}", ""), f"a-{q['key']}", errors)
            if value is not None:
                answers[q["key"]] = value
    try:
        count = min(int(post.get("members", "0")), MAX_MEMBERS)
    except ValueError:
        count = 0
    remove = post.get("remove")
    members = []
    for i in range(count):
        if remove == str(i):
            continue
        relation = post.get(f"m{i}-relation", "")
        if relation not in RELATION_LABELS:
            relation = "other"
        member = {"relation": relation}
        key = post.get(f"m{i}-key", "").strip()
        if key:
            member["key"] = key
        for q in questions:
            if q["per_member"]:
                value = _value(q, post.get(f"m{i}-{q['key']}", ""), f"m{len(members)}-{q['key']}", errors)
                if value is not None:
                    member[q["key"]] = value
        members.append(member)
    add = post.get("add")
    if add in RELATION_LABELS and len(members) < MAX_MEMBERS:
        members.append({"relation": add})
    if remove is not None or add is not None:
        raw = {}  # the member fields moved: show what was parsed, not the old numbering
    return Posted(life_events, event_date, answers, members, raw, errors)


def service_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The service's error keys (answers.x, members.1.age) as this form's field names."""
    out: dict[str, list[str]] = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if parts[0] == "answers" and len(parts) > 1:
            name = f"a-{parts[1]}"
        elif parts[0] == "members" and len(parts) > 2:
            name = f"m{parts[1]}-{parts[2]}"
        elif parts[0] == "life_events":
            name = "life_events"
        else:
            name = parts[0]
        out.setdefault(name, []).extend(messages)
    return out


def _controlling(catalogue) -> frozenset[str]:
    """The question keys some show_if reads: changing one of them changes which questions are asked."""
    keys = set()
    for q in catalogue.questions:
        if q.get("show_if") is not None:
            keys.update(name.rpartition(".")[2] for name in facts_read(q["show_if"]))
    return frozenset(keys)


def _field(
    q: dict, name: str, value, raw: dict, errors: dict, catalogue, visible: bool, controlling=frozenset()
) -> dict:
    shown = raw.get(name)
    if shown is None:
        if value is None:
            shown = ""
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        else:
            shown = str(value)
    if q["type"] == "yes_no":
        choices = YES_NO
    elif q["type"] == "choice":
        choices = [(c["value"], catalogue.text(c["label"], "ja")) for c in q.get("choices") or ()]
    else:
        choices = []
    return {
        "name": name,
        "id": f"id_{name}",
        "key": q["key"],
        "label": catalogue.text(q["text"], "ja"),
        "help": catalogue.text(q.get("help"), "ja"),
        "type": q["type"],
        "choices": [{"value": v, "label": lbl, "selected": v == shown} for v, lbl in choices],
        "value": shown,
        "min": q.get("min"),
        "max": q.get("max"),
        "errors": errors.get(name, []),
        "conditional": q.get("show_if") is not None,
        "visible": visible,
        "reshapes": q["key"] in controlling,
    }


def layout(*, life_events, event_date, answers, members, raw=None, errors=None) -> dict:
    """What the template draws: the events, the household's questions grouped by life event, one
    fieldset per member. A question whose show_if is false for these answers is left out."""
    catalogue = compiled_catalogue(catalogue_version_in_force())
    raw = raw or {}
    errors = errors or {}
    facts = {**answers, "event_date": event_date.isoformat() if event_date else None, "members": members}
    questions = catalogue.questions_for(life_events)
    controlling = _controlling(catalogue)
    groups: dict[str, dict] = {}
    names = {code: catalogue.text(e["name"], "ja") for code, e in catalogue.life_events.items()}
    for q in questions:
        if q["per_member"]:
            continue
        shows = catalogue.show_if.get(q["key"])
        visible = shows is None or shows(facts, None) is not False
        if not visible:
            continue
        events = [e for e in q["life_events"] if e in life_events]
        title = names[events[0]] if len(events) == 1 else "共通"
        group = groups.setdefault(title, {"title": title, "fields": []})
        name = f"a-{q['key']}"
        group["fields"].append(_field(q, name, answers.get(q["key"]), raw, errors, catalogue, visible, controlling))
    member_rows = []
    for i, member in enumerate(members):
        fields = []
        for q in questions:
            if not q["per_member"]:
                continue
            shows = catalogue.show_if.get(q["key"])
            if shows is not None and shows(facts, member) is False:
                continue
            name = f"m{i}-{q['key']}"
            fields.append(_field(q, name, member.get(q["key"]), raw, errors, catalogue, True, controlling))
        relation_name = f"m{i}-relation"
        member_rows.append(
            {
                "i": i,
                "n": i + 1,
                "key": member.get("key", ""),
                "relation": member["relation"],
                "relation_name": relation_name,
                "relations": [{"value": v, "label": lbl, "selected": v == member["relation"]} for v, lbl in RELATIONS],
                "fields": fields,
            }
        )
    return {
        "life_events": [{"code": code, "name": name, "checked": code in life_events} for code, name in names.items()],
        "event_date": raw.get("event_date") or (event_date.isoformat() if event_date else ""),
        "groups": list(groups.values()),
        "members": member_rows,
        "member_count": len(members),
        "relations": RELATIONS,
        "errors": errors,
        "error_list": [{"anchor": _anchor(name), "message": m} for name, messages in errors.items() for m in messages],
    }


def _anchor(name: str) -> str:
    return "id_life_events_0" if name == "life_events" else f"id_{name}"
