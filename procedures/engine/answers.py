"""Checking a case's answers against the questions of a catalogue, before any rule sees them.

Returns errors by field ("answers.move_type", "members.1.age" …) so the API can name them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from .catalogue import RELATIONS, CompiledCatalogue

MEMBER_KEY = re.compile(r"^[a-z0-9_]{1,16}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NUMBER_LIMIT = 1_000_000_000


def check_value(question: Mapping[str, Any], value: Any) -> str | None:
    """The problem with one answer, or None when it fits the question (None means unanswered)."""
    if value is None:
        return None
    kind = question["type"]
    if kind == "yes_no":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "choice":
        values = [c["value"] for c in question.get("choices") or ()]
        if isinstance(value, str) and value in values:
            return None
        return f"must be one of: {', '.join(values)}"
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
        if not math.isfinite(value) or abs(value) > NUMBER_LIMIT:
            return "is out of range"
        low, high = question.get("min"), question.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            return f"must be between {low} and {high}"
        return None
    if kind == "date":
        if not isinstance(value, str) or not ISO_DATE.match(value):
            return "must be a date written YYYY-MM-DD"
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return "is not a real date"
        if not 1900 <= day.year <= 2200:
            return "is out of range"
        return None
    return "cannot be answered"


def check_case(
    catalogue: CompiledCatalogue, *, life_events: list[str], answers: Any, members: Any, max_members: int = 20
) -> tuple[dict[str, list[str]], list[dict]]:
    """Errors by field, and the members with keys assigned (m1, m2 … where absent)."""
    errors: dict[str, list[str]] = {}
    asked = {q["key"]: q for q in catalogue.questions_for(life_events)}
    if not isinstance(answers, Mapping):
        errors["answers"] = ["must be an object of answers by question key"]
    else:
        for key, value in answers.items():
            q = asked.get(key)
            if q is None or q["per_member"]:
                where = "a member question: give it under members" if q else "not a question for these life events"
                errors.setdefault(f"answers.{key}", []).append(where)
                continue
            problem = check_value(q, value)
            if problem:
                errors.setdefault(f"answers.{key}", []).append(problem)
    out: list[dict] = []
    if not isinstance(members, list):
        errors["members"] = ["must be a list of household members"]
        return errors, out
    if len(members) > max_members:
        errors["members"] = [f"at most {max_members} members"]
        return errors, out
    taken = {m.get("key") for m in members if isinstance(m, Mapping)}
    counter = 0
    for i, member in enumerate(members):
        field = f"members.{i}"
        if not isinstance(member, Mapping):
            errors[field] = ["must be an object"]
            continue
        fixed = {}
        key = member.get("key")
        if key is None:
            counter += 1
            while f"m{counter}" in taken:
                counter += 1
            key = f"m{counter}"
            taken.add(key)
        elif not isinstance(key, str) or not MEMBER_KEY.match(key):
            errors.setdefault(f"{field}.key", []).append("must be 1–16 characters a-z, 0-9 or _")
        elif [m.get("key") for m in members if isinstance(m, Mapping)].count(key) > 1:
            errors.setdefault(f"{field}.key", []).append(f"'{key}' is used by another member")
        fixed["key"] = key
        relation = member.get("relation")
        if relation not in RELATIONS:
            errors.setdefault(f"{field}.relation", []).append(f"must be one of: {', '.join(RELATIONS)}")
        fixed["relation"] = relation
        for name, value in member.items():
            if name in ("key", "relation"):
                continue
            q = asked.get(name)
            if q is None or not q["per_member"]:
                where = "a household question: give it under answers" if q else "not a member question here"
                errors.setdefault(f"{field}.{name}", []).append(where)
                continue
            problem = check_value(q, value)
            if problem:
                errors.setdefault(f"{field}.{name}", []).append(problem)
            fixed[name] = value
        out.append(fixed)
    return errors, out
