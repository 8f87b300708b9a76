"""Reads for the rule studio: a draft compiled, its changes against the version in force, its stories."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from audit.models import AuditEvent
from procedures.engine import render_rule
from procedures.engine.catalogue import CompiledCatalogue
from procedures.models import CatalogueVersion
from procedures.scenarios import Outcome, Scenario, load_scenario, run_story, scenario_files
from procedures.selectors import catalogue_version_in_force, compiled_catalogue, version_source

from .models import Draft, Story

SCENARIOS_DIR = Path(settings.BASE_DIR) / "fixtures" / "scenarios"


def draft_compiled(draft: Draft) -> CompiledCatalogue:
    """The draft's catalogue compiled for its municipality (remembered per content, see draft_check)."""
    from .services import draft_compiled_content

    return draft_compiled_content(draft.content)


def in_force() -> tuple[CatalogueVersion, CompiledCatalogue]:
    version = catalogue_version_in_force()
    return version, compiled_catalogue(version)


def drafts_open():
    return Draft.objects.filter(
        state__in=[Draft.State.DRAFT, Draft.State.SUBMITTED, Draft.State.APPROVED]
    ).select_related("created_by")


def versions_history():
    """Every published version, newest first, with the draft (who, why) where the studio made it."""
    return CatalogueVersion.objects.select_related(
        "studio_draft", "studio_draft__published_by", "studio_draft__approved_by", "studio_draft__created_by"
    ).order_by("-published_at", "-id")


def draft_history(draft: Draft):
    return AuditEvent.objects.filter(target_type="draft", target_id=str(draft.pk)).order_by("at", "id")


# --- what changed ----------------------------------------------------------------------------------


@dataclass
class FieldChange:
    label: str
    old_text: str | None
    new_text: str | None
    old_json: str | None = None
    new_json: str | None = None


@dataclass
class EntryChange:
    kind: str  # "procedure" | "question" | "law" | "counter" | "other"
    code: str
    name: str
    status: str  # "added" | "removed" | "changed"
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return {"added": "追加", "removed": "削除", "changed": "変更"}[self.status]


PROCEDURE_FIELDS = [
    ("name", "名前"), ("description", "説明"), ("rationale", "ルールの要約"), ("life_events", "ライフイベント"),
    ("per_member", "世帯員ごと"), ("applies_if", "対象となる条件"), ("deadline", "期限"),
    ("deadline_note", "期限の説明"), ("where", "窓口"), ("online_url", "オンライン申請"), ("fee", "手数料"),
    ("legal_basis", "根拠法令"), ("documents", "持ち物"),
]  # fmt: skip
QUESTION_FIELDS = [
    ("text", "質問文"), ("help", "補足"), ("order", "順番"), ("life_events", "ライフイベント"),
    ("per_member", "世帯員ごと"), ("type", "回答の種類"), ("choices", "選択肢"), ("min", "最小値"), ("max", "最大値"),
    ("show_if", "表示する条件"),
]  # fmt: skip


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _texts(value) -> str | None:
    if not value:
        return None
    return " / ".join(value.get(lang, "") for lang in ("ja", "en", "easy"))


class _Words:
    """Fields of one side (the version in force, or the draft) in words, with that side's questions."""

    def __init__(self, compiled: CompiledCatalogue):
        self.c = compiled
        self.procs = {p.code: p for p in compiled.procedures}

    def rule(self, rule) -> str:
        if rule is None:
            return "（なし）"
        return render_rule(rule, lang="ja", questions=self.c.question_texts)

    def procedure(self, name: str, entry: dict) -> str | None:
        value = entry.get(name)
        if name == "applies_if":
            return self.rule(value)
        if name == "deadline":
            proc = self.procs.get(entry["code"])
            return (self.c.deadline_text(proc, "ja") if proc else None) or "期限なし"
        if name in ("name", "description", "deadline_note"):
            return _texts(value)
        if name == "life_events":
            return "、".join(self.c.text(self.c.life_events[e]["name"], "ja") for e in value if e in self.c.life_events)
        if name == "per_member":
            return "世帯員ごと" if value else "世帯（ケース）ごと"
        if name == "where":
            if value.get("counter") and value["counter"] in self.c.counters:
                return self.c.text(self.c.counters[value["counter"]]["name"], "ja")
            if value.get("office") and value["office"] in self.c.offices:
                return self.c.text(self.c.offices[value["office"]]["name"], "ja")
            return _json(value)
        if name == "fee":
            return "なし" if value is None else f"{value['yen']} 円"
        if name == "legal_basis":
            return "、".join(self.c.citation_text(cite, "ja") for cite in value if cite["law"] in self.c.laws)
        if name == "documents":
            lines = []
            for doc in value or ():
                line = doc["name"]["ja"]
                if doc.get("applies_if") is not None:
                    line += f"（{self.rule(doc['applies_if'])}とき）"
                lines.append(line)
            return "・" + "\n・".join(lines) if lines else "（なし）"
        return None if value is None else str(value)

    def plain(self, name: str, entry: dict) -> str | None:
        value = entry.get(name)
        if isinstance(value, dict):
            return _texts(value)
        if name == "verified":
            return "照合済み" if value else "未照合"
        return None if value is None else str(value)

    def question(self, name: str, entry: dict) -> str | None:
        value = entry.get(name)
        if name == "show_if":
            return self.rule(value) if value is not None else "常に表示"
        if name in ("text", "help"):
            return _texts(value)
        if name == "choices":
            return "、".join(c["label"]["ja"] for c in value) if value else None
        if name == "life_events":
            return "、".join(value)
        if name == "per_member":
            return "世帯員ごと" if value else "世帯（ケース）ごと"
        return None if value is None else str(value)


LAW_FIELDS = [("name", "法令名"), ("number", "法令番号"), ("egov_id", "e-Gov 法令 ID"), ("verified", "条文と照合")]
COUNTER_FIELDS = [("name", "窓口名"), ("department", "担当課"), ("location", "場所"), ("hours", "受付時間"),
                  ("visit_order", "回る順番")]  # fmt: skip

RULE_FIELDS = {"applies_if", "deadline", "documents", "show_if", "legal_basis", "where", "fee", "choices"}


def _compare(kind, code, name, old, new, fields, words_old, words_new, describe) -> EntryChange | None:
    if old is None or new is None:
        entry = old or new
        status = "added" if old is None else "removed"
        words = words_new if old is None else words_old
        change = EntryChange(kind, code, name, status)
        for f, label in fields:
            text = getattr(words, describe)(f, entry)
            if text is not None:
                change.fields.append(FieldChange(label, text if old else None, text if new else None))
        return change
    change = EntryChange(kind, code, name, "changed")
    for f, label in fields:
        if old.get(f) != new.get(f):
            change.fields.append(
                FieldChange(
                    label,
                    getattr(words_old, describe)(f, old),
                    getattr(words_new, describe)(f, new),
                    _json(old.get(f)) if f in RULE_FIELDS else None,
                    _json(new.get(f)) if f in RULE_FIELDS else None,
                )
            )
    return change if change.fields else None


def draft_changes(draft: Draft) -> list[EntryChange]:
    """The draft against the version in force: per procedure and per question, in words and as JSON."""
    version, old_compiled = in_force()
    old = version_source(version)
    new = draft.content
    words_old, words_new = _Words(old_compiled), _Words(draft_compiled(draft))
    changes: list[EntryChange] = []

    def keyed(entries, key):
        return {e[key]: {k: v for k, v in e.items() if not k.startswith("_")} for e in entries}

    old_p, new_p = keyed(old.procedures, "code"), keyed(new["procedures"], "code")
    for code in sorted(set(old_p) | set(new_p)):
        entry = new_p.get(code) or old_p[code]
        found = _compare(
            "procedure", code, entry["name"]["ja"], old_p.get(code), new_p.get(code), PROCEDURE_FIELDS,
            words_old, words_new, "procedure",
        )  # fmt: skip
        if found:
            changes.append(found)
    old_q, new_q = keyed(old.questions, "key"), keyed(new["questions"], "key")
    for key in sorted(set(old_q) | set(new_q)):
        entry = new_q.get(key) or old_q[key]
        found = _compare(
            "question", key, entry["text"]["ja"], old_q.get(key), new_q.get(key), QUESTION_FIELDS,
            words_old, words_new, "question",
        )  # fmt: skip
        if found:
            changes.append(found)
    muni = new["meta"]["municipality"]
    old_m = next(m for m in old.municipalities if m["code"] == muni)
    new_m = next(m for m in new["municipalities"] if m["code"] == muni)
    for kind, key, fields, old_entries, new_entries in (
        ("law", "key", LAW_FIELDS, old.laws, new["laws"]),
        ("counter", "code", COUNTER_FIELDS, old_m["counters"], new_m["counters"]),
    ):
        before, after = keyed(old_entries, key), keyed(new_entries, key)
        for code in sorted(set(before) | set(after)):
            entry = after.get(code) or before[code]
            found = _compare(
                kind, code, entry["name"]["ja"], before.get(code), after.get(code), fields, words_old, words_new,
                "plain",
            )  # fmt: skip
            if found:
                changes.append(found)
    rest = [("life_events", "ライフイベント", old.life_events, new["life_events"]),
            ("offices", "窓口外の機関", old.offices, new["offices"]),
            ("municipality", "自治体（休日・上書き）", {k: v for k, v in old_m.items() if k != "counters"},
             {k: v for k, v in new_m.items() if k != "counters"})]  # fmt: skip
    for part, label, before, after in rest:
        if before != after:
            changes.append(EntryChange("other", part, label, "changed", [FieldChange(label, "変更あり", "変更あり")]))
    return changes


def _key(value) -> str:
    """JSON for comparing: stored JSON (jsonb) does not keep the key order of the files."""
    return json.dumps(value, sort_keys=True)


def outcome_codes(old: CompiledCatalogue, new: CompiledCatalogue) -> frozenset[str]:
    """The procedures whose outcome (listed or not, status, deadline) can differ between two catalogues.

    Texts, documents, counters and laws change what an item says, never whether or when it applies.
    """

    def signature(catalogue: CompiledCatalogue, proc) -> tuple:
        data = proc.data
        deadline = data.get("deadline")
        closed = sorted(catalogue.closed_days) if deadline and deadline.get("calendar") == "municipality" else None
        return (_key(data["life_events"]), data["per_member"], _key(data["applies_if"]), _key(deadline), closed)

    before = {p.code: signature(old, p) for p in old.procedures}
    after = {p.code: signature(new, p) for p in new.procedures}
    return frozenset(code for code in set(before) | set(after) if before.get(code) != after.get(code))


# --- stories ---------------------------------------------------------------------------------------


@dataclass
class StoryResult:
    name: str
    source: str  # "file" | "studio" | "draft"
    scenario: Scenario
    items: dict
    problems: list[str]
    reason: str = ""

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def source_label(self) -> str:
        return {"file": "fixtures/scenarios", "studio": "スタジオで保存", "draft": "このドラフトで変更"}[self.source]


def stories(draft: Draft | None = None) -> list[tuple[str, str, Scenario, str]]:
    """Every story: the files', replaced by those saved from the studio, replaced by the draft's own."""
    found: dict[str, tuple[str, Scenario, str]] = {}
    for path in scenario_files(SCENARIOS_DIR):
        found[path.stem] = ("file", load_scenario(path), "")
    for row in Story.objects.all():
        found[row.name] = ("studio", Scenario.model_validate(row.data), row.reason)
    for name, story in (draft.stories if draft else {}).items():
        found[name] = ("draft", Scenario.model_validate(story["scenario"]), story["reason"])
    return [(name, *found[name]) for name in sorted(found)]


def story_outcome(compiled: CompiledCatalogue, scenario: Scenario, name: str) -> Outcome:
    return run_story(compiled, scenario, Path(f"{name}.yaml"))


def draft_story_results(draft: Draft) -> list[StoryResult]:
    """Every story evaluated against the draft: a failing one blocks publishing."""
    compiled = draft_compiled(draft)
    results = []
    for name, source, scenario, reason in stories(draft):
        outcome = story_outcome(compiled, scenario, name)
        results.append(StoryResult(name, source, scenario, outcome.items, outcome.problems, reason))
    return results
