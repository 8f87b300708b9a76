"""The questionnaire's state, kept server-side in the session until the checklist is made.

The journey is plain JSON in the session: the life events, the event date, the household
members (each with its key, relation and member answers) and the case answers. The steps (one
question per page, per member where the question is per member) are worked out from it on every
request, so changing an earlier answer hides or shows later questions at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from procedures.engine.catalogue import CompiledCatalogue

SESSION_KEY = "navi_journey"
HOUSEHOLD_QUESTIONS = frozenset({"age"})  # asked on the household page, not one by one


@dataclass(frozen=True)
class Step:
    question: dict
    member: dict | None

    @property
    def key(self) -> str:
        return self.question["key"]

    @property
    def member_key(self) -> str | None:
        return self.member["key"] if self.member else None

    def answer(self, journey: dict) -> Any:
        if self.member is not None:
            return self.member.get(self.key)
        return journey["answers"].get(self.key)


def empty() -> dict:
    """A new journey, with a random id that only counts it in the funnel (navi.funnel)."""
    return {"id": secrets.token_hex(8), "life_events": [], "event_date": None, "members": [], "answers": {}}


def from_checklist(checklist) -> dict:
    """A stored checklist's answers as a journey that revises it (no funnel id: it is no new journey).

    The checklist is named by its primary key, not its token: the session never holds the
    private link.
    """
    return {
        "revise": checklist.pk,
        "life_events": list(checklist.life_events),
        "event_date": checklist.event_date.isoformat(),
        "members": [dict(m) for m in checklist.members],
        "answers": dict(checklist.answers),
        "used_keys": [m["key"] for m in checklist.members],
    }


def load(session) -> dict | None:
    journey = session.get(SESSION_KEY)
    return journey if isinstance(journey, dict) else None


def save(session, journey: dict) -> None:
    session[SESSION_KEY] = journey
    session.modified = True


def clear(session) -> None:
    session.pop(SESSION_KEY, None)


def new_member_key(journey: dict) -> str:
    """The first free key; while revising, never one the stored checklist used (its ticks go by key)."""
    taken = {m["key"] for m in journey["members"]} | set(journey.get("used_keys", ()))
    n = 1
    while f"m{n}" in taken:
        n += 1
    return f"m{n}"


def _visible(catalogue: CompiledCatalogue, key: str, facts: dict, member: dict | None) -> bool:
    rule = catalogue.show_if.get(key)
    if rule is None:
        return True
    return rule(facts, member) is not False  # unknown → ask


def steps(catalogue: CompiledCatalogue, journey: dict) -> list[Step]:
    """The questions to ask, in the catalogue's order, honouring show_if with the answers so far.

    Only answers to questions that are still shown count as facts, so an answer left behind by
    an earlier change never decides what is asked next.
    """
    answers: dict = {}
    members = [{"key": m["key"], "relation": m["relation"], "age": m.get("age")} for m in journey["members"]]
    by_key = {m["key"]: m for m in journey["members"]}
    out: list[Step] = []
    for q in catalogue.questions_for(journey["life_events"]):
        key = q["key"]
        if key in HOUSEHOLD_QUESTIONS:
            continue
        facts = {**answers, "event_date": journey["event_date"], "members": members}
        if q["per_member"]:
            for member in members:
                if _visible(catalogue, key, facts, member):
                    out.append(Step(q, by_key[member["key"]]))
                    value = by_key[member["key"]].get(key)
                    if value is not None:
                        member[key] = value
        elif _visible(catalogue, key, facts, None):
            out.append(Step(q, None))
            value = journey["answers"].get(key)
            if value is not None:
                answers[key] = value
    return out


def case_input(catalogue: CompiledCatalogue, journey: dict) -> tuple[dict, list[dict]]:
    """The answers and members for checklist_create: only questions still shown, none left over."""
    answers: dict = {}
    members = [
        {"key": m["key"], "relation": m["relation"], **({"age": m["age"]} if m.get("age") is not None else {})}
        for m in journey["members"]
    ]
    by_key = {m["key"]: m for m in members}
    for step in steps(catalogue, journey):
        value = step.answer(journey)
        if value is None:
            continue
        if step.member is not None:
            by_key[step.member_key][step.key] = value
        else:
            answers[step.key] = value
    return answers, members
