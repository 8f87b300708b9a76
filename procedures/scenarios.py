"""Scenario stories: real-life cases with the checklist they must produce (fixtures/scenarios/).

A story gives answers in and expected items out (status and deadline per item key). One pytest
function runs them all; catalogue_stats counts what they cover. Plain Python: the engine only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .engine.answers import check_case
from .engine.catalogue import Case, CompiledCatalogue


class ExpectedItem(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    status: Literal["required", "check"]
    deadline: str | None = None  # YYYY-MM-DD, or null for "no deadline" / not computable


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    title: str
    story: str | None = None
    reason: str | None = None  # why the expectation is what it is (stories saved in the rule studio)
    life_events: list[str] = Field(min_length=1)
    event_date: str
    answers: dict[str, Any] = {}
    members: list[dict[str, Any]] = []
    expect: dict[str, ExpectedItem]
    absent: list[str] = []
    exhaustive: bool = True  # the expected items are all the items


@dataclass
class Outcome:
    path: Path
    scenario: Scenario
    items: dict[str, tuple[str, str | None]]  # key -> (status, deadline)
    problems: list[str]

    def report(self) -> str:
        lines = [f"{self.path.name}: {self.scenario.title}"]
        if self.scenario.story:
            lines.append(f"  {self.scenario.story.strip()}")
        lines += [f"  - {p}" for p in self.problems]
        lines.append("  items built: " + ", ".join(f"{k} {s} {d}" for k, (s, d) in self.items.items()))
        return "\n".join(lines)


def scenario_files(folder: Path) -> list[Path]:
    return sorted(Path(folder).glob("*.yaml"))


def load_scenario(path: Path) -> Scenario:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"{path.name}: {exc}") from exc


SCENARIO_KEYS = ("title", "story", "reason", "life_events", "event_date", "answers", "members", "expect", "absent",
                 "exhaustive")  # fmt: skip


class _Flow(dict):
    pass


class _FlowList(list):
    pass


class _ScenarioDumper(yaml.SafeDumper):
    pass


_ScenarioDumper.add_representer(
    _Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True)
)
_ScenarioDumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)
_ScenarioDumper.add_representer(
    dict, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=False)
)


def dump_scenario(data: dict) -> str:
    """A story as the canonical text of fixtures/scenarios/<name>.yaml (the export's, byte-stable).

    Keys in the order the docs show them, defaults left out; answers, members, expected items
    and lists written inline, as the hand-written stories are.
    """
    story = Scenario.model_validate(data).model_dump()
    defaults = {"story": None, "reason": None, "answers": {}, "members": [], "absent": [], "exhaustive": True}
    out: dict = {}
    for key in SCENARIO_KEYS:
        value = story[key]
        if key in defaults and value == defaults[key] and key not in ("answers", "members"):
            continue
        if key == "answers":
            value = _Flow(sorted(value.items()))
        elif key == "members":
            value = [_Flow(sorted(m.items(), key=lambda kv: (kv[0] not in ("key", "relation"), kv[0]))) for m in value]
        elif key == "expect":
            value = {k: _Flow(v) for k, v in sorted(value.items())}
        elif isinstance(value, list):
            value = _FlowList(value)
        out[key] = value
    return yaml.dump(out, Dumper=_ScenarioDumper, allow_unicode=True, sort_keys=False, width=10_000, indent=2)


def run_scenario(catalogue: CompiledCatalogue, path: Path) -> Outcome:
    return run_story(catalogue, load_scenario(path), Path(path))


def run_story(catalogue: CompiledCatalogue, scenario: Scenario, path: Path) -> Outcome:
    """One story against a catalogue (a file's, or one saved in the rule studio under a name)."""
    errors, members = check_case(
        catalogue, life_events=scenario.life_events, answers=scenario.answers, members=scenario.members
    )
    if errors:
        return Outcome(path, scenario, {}, [f"invalid answers: {errors}"])
    case = Case(
        life_events=tuple(scenario.life_events),
        event_date=date.fromisoformat(scenario.event_date),
        answers=scenario.answers,
        members=members,
    )
    built = {i.key: (i.status, i.deadline.isoformat() if i.deadline else None) for i in catalogue.evaluate(case)}
    problems = []
    for key, want in scenario.expect.items():
        got = built.get(key)
        if got is None:
            problems.append(f"missing {key} (expected {want.status}, deadline {want.deadline})")
        elif got != (want.status, want.deadline):
            problems.append(f"{key}: expected {want.status} {want.deadline}, got {got[0]} {got[1]}")
    for key in scenario.absent:
        if key in built:
            problems.append(f"{key} should not be listed")
    if scenario.exhaustive:
        for key in built:
            if key not in scenario.expect:
                problems.append(f"unexpected {key} ({built[key][0]}, deadline {built[key][1]})")
    return Outcome(path, scenario, built, problems)


def coverage(catalogue: CompiledCatalogue, folder: Path) -> dict[str, set[str]]:
    """Which procedures the stories list as required, and which as check."""
    required: set[str] = set()
    check: set[str] = set()
    for path in scenario_files(folder):
        for key, want in load_scenario(path).expect.items():
            code = key.split(".", 1)[0]
            (required if want.status == "required" else check).add(code)
    return {"required": required, "check": check}
