"""A catalogue version compiled once into callables; evaluating a case is calling them.

Input is the catalogue as plain data (the shape of docs/catalogue-format.md, with the serving
municipality's overrides already applied); output is the list of items for a case. No Django,
no I/O: the checklist service, the benchmarks and the rule studio all call this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import orjson

from .deadlines import DeadlineRule, deadline_for, describe_deadline
from .render import QuestionText, condition_whom, render_condition
from .rules import Fact, FactSchema, RuleError, compile_rule, conditions_when_true, facts_read, true_conditions

LANGS = ("ja", "en", "easy")
FACT_TYPES = {"yes_no": "bool", "choice": "choice", "number": "number", "date": "date"}
RELATIONS = ("self", "spouse", "child", "parent", "deceased", "other")
MEMBER_KEY_MAX = 16

_CHECK_TEXT = {
    "ja": "「{q}」の回答がないため、窓口で確認してください。",
    "en": "You have not answered “{q}”, so please ask at the counter whether this applies.",
    "easy": "「{q}」の こたえが ありません。まどぐちで きいて ください。",
}
_ALWAYS_TEXT = {
    "ja": "「{e}」のときに必要な手続です。",
    "en": "Needed for everyone with this life event: {e}.",
    "easy": "「{e}」の ときに する てつづきです。",
}
_IF_APPLICABLE = {"ja": "該当する場合", "en": "if it applies to you", "easy": "あてはまる ときだけ"}


def _is_exclusion(condition: Any) -> bool:
    return isinstance(condition, Mapping) and next(iter(condition), None) in ("!=", "!==", "!")


class CatalogueError(ValueError):
    """Problems found while compiling: each (kind, code, field, message)."""

    def __init__(self, problems: list[tuple[str, str, str, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{k} {c}: {f}: {m}" for k, c, f, m in problems))


def show_if_cycles(questions: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """Questions whose show_if depends, through other questions, on themselves: never askable.

    Each cycle once, starting at its first question in the given order.
    """
    keys = {q["key"] for q in questions}
    reads: dict[str, list[str]] = {}
    for q in questions:
        names = facts_read(q["show_if"]) if q.get("show_if") is not None else ()
        reads[q["key"]] = sorted({n.partition(".")[2] if "." in n else n for n in names} & keys)
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    done: set[str] = set()

    def walk(key: str, path: list[str]) -> None:
        if key in path:
            cycle = path[path.index(key) :]
            if frozenset(cycle) not in seen:
                seen.add(frozenset(cycle))
                cycles.append(cycle)
            return
        if key in done:
            return
        path.append(key)
        for nxt in reads[key]:
            walk(nxt, path)
        path.pop()
        done.add(key)

    for q in questions:
        walk(q["key"], [])
    order = {q["key"]: i for i, q in enumerate(questions)}
    rotated = []
    for cycle in cycles:
        first = cycle.index(min(cycle, key=order.__getitem__))
        rotated.append(cycle[first:] + cycle[:first])
    return rotated


@dataclass(frozen=True)
class Case:
    life_events: tuple[str, ...]
    event_date: date
    answers: Mapping[str, Any]
    members: Sequence[Mapping[str, Any]]  # each with "key", "relation" and member answers


@dataclass(slots=True)
class Item:
    key: str
    procedure: CompiledProcedure
    member: Mapping[str, Any] | None
    status: str  # "required" | "check"
    deadline: date | None
    unknown_facts: tuple[str, ...] = ()
    documents: list[tuple[Mapping, bool]] = field(default_factory=list)  # (document, certain)
    documents_key: tuple[int, ...] = ()  # which of the procedure's documents: i if certain, ~i if maybe


@dataclass
class CompiledProcedure:
    data: Mapping[str, Any]
    applies: Any
    deadline_rule: DeadlineRule | None
    documents: list[tuple[Mapping, Any]]  # (document, compiled applies_if or None)
    reads: frozenset[str]
    order: int
    visit_order: int = 10_000  # its counter's place on the way round the city hall; outside offices last
    code: str = field(init=False)
    per_member: bool = field(init=False)

    def __post_init__(self):
        self.code = self.data["code"]
        self.per_member = self.data["per_member"]

    @cached_property
    def read_keys(self) -> tuple[tuple[str, str], ...]:
        """The facts applies_if reads, in order, as (scope, key): ("", case fact) or ("member" | "members", key)."""
        out = []
        for name in sorted(self.reads):
            scope, _, key = name.partition(".")
            out.append(("", scope) if not key else (scope, key))
        return tuple(out)

    @cached_property
    def conditions_when_true(self) -> list | None:
        """The conditions that make applies_if true, if they are the same whenever it is (rules.conditions_when_true)."""
        return conditions_when_true(self.data["applies_if"])


class CompiledCatalogue:
    def __init__(self, doc: Mapping[str, Any]):
        self.doc = doc
        self.municipality = doc["municipality"]
        self.closed_days = frozenset(date.fromisoformat(d) for d in self.municipality.get("closed_days", ()))
        self.counters = {c["code"]: c for c in self.municipality["counters"]}
        self.offices = {o["code"]: o for o in doc["offices"]}
        self.laws = {law["key"]: law for law in doc["laws"]}
        self.life_events = {e["code"]: e for e in doc["life_events"]}
        self.questions = sorted(doc["questions"], key=lambda q: (q["order"], q["key"]))
        self.question_by_key = {q["key"]: q for q in self.questions}
        problems: list[tuple[str, str, str, str]] = []
        self.schema = self._schema()
        self.question_texts = {
            q["key"]: QuestionText(text=q["text"], choices={c["value"]: c["label"] for c in (q.get("choices") or ())})
            for q in self.questions
        }
        self.show_if = {}
        for q in self.questions:
            self._check_life_events("question", q["key"], q["life_events"], problems)
            if q.get("show_if") is not None:
                self.show_if[q["key"]] = self._compile(
                    q["show_if"], "question", q["key"], "show_if", q["per_member"], problems
                )
        for cycle in show_if_cycles(self.questions):
            problems.append(
                ("question", cycle[0], "show_if", "show_if goes round in a cycle: " + " → ".join([*cycle, cycle[0]]))
            )
        self.procedures: list[CompiledProcedure] = []
        for order, p in enumerate(sorted(doc["procedures"], key=lambda p: p["code"])):
            compiled = self._procedure(p, order, problems)
            if compiled is not None:
                self.procedures.append(compiled)
        if problems:
            raise CatalogueError(problems)
        self._by_events: dict[frozenset[str], tuple[CompiledProcedure, ...]] = {}
        self._texts: dict[Any, Any] = {}
        self._among: dict[tuple, tuple[CompiledProcedure, ...]] = {}

    def texts_cached(self, key, render):
        """A text rendered from this catalogue alone (no case), rendered once per key: render() the first time.

        For what reads the same in every checklist built on this catalogue (a procedure's name,
        where to go, its citations, a condition's words); never for what a case decides (which
        rules hold, for whom): those are evaluated every time.
        """
        try:
            return self._texts[key]
        except KeyError:
            value = self._texts[key] = render()
            return value

    # --- compiling ---------------------------------------------------------------------------

    def _schema(self) -> FactSchema:
        case, member = [], []
        for q in self.questions:
            fact = Fact(
                key=q["key"],
                type=FACT_TYPES[q["type"]],
                choices=tuple(c["value"] for c in (q.get("choices") or ())),
            )
            (member if q["per_member"] else case).append(fact)
        return FactSchema.build(case, member)

    def _compile(self, rule, kind, code, where, per_member, problems):
        try:
            return compile_rule(rule, self.schema, name=f"{kind} {code} {where}", per_member=per_member)
        except RuleError as exc:
            problems.append((kind, code, where, f"{exc.message} (at {exc.path or '/'})"))
            return None

    def _check_life_events(self, kind, code, events, problems):
        for i, e in enumerate(events):
            if e not in self.life_events:
                problems.append((kind, code, f"life_events.{i}", f"unknown life event '{e}'"))

    def _procedure(self, p, order, problems) -> CompiledProcedure | None:
        code = p["code"]
        before = len(problems)
        self._check_life_events("procedure", code, p["life_events"], problems)
        applies = self._compile(p["applies_if"], "procedure", code, "applies_if", p["per_member"], problems)
        where = p["where"]
        if bool(where.get("counter")) == bool(where.get("office")):
            problems.append(("procedure", code, "where", "give exactly one of counter or office"))
        elif where.get("counter") and where["counter"] not in self.counters:
            problems.append(
                ("procedure", code, "where.counter", f"unknown counter '{where['counter']}' in the municipality")
            )
        elif where.get("office") and where["office"] not in self.offices:
            problems.append(("procedure", code, "where.office", f"unknown office '{where['office']}'"))
        for i, cite in enumerate(p["legal_basis"]):
            if cite["law"] not in self.laws:
                problems.append(("procedure", code, f"legal_basis.{i}.law", f"unknown law '{cite['law']}'"))
        deadline_rule = None
        if p.get("deadline") is not None:
            try:
                deadline_rule = DeadlineRule.from_dict(p["deadline"])
            except ValueError as exc:
                problems.append(("procedure", code, "deadline", str(exc)))
            else:
                src = deadline_rule.from_
                q = self.question_by_key.get(src)
                if src != "event_date" and (q is None or q["type"] != "date" or q["per_member"]):
                    problems.append(
                        ("procedure", code, "deadline.from", f"'{src}' is not event_date or a case-level date question")
                    )
        documents = []
        for i, doc in enumerate(p.get("documents") or ()):
            rule = doc.get("applies_if")
            fn = None
            if rule is not None:
                fn = self._compile(rule, "procedure", code, f"documents.{i}.applies_if", p["per_member"], problems)
            documents.append((doc, fn))
        if len(problems) > before:
            return None
        return CompiledProcedure(
            data=p,
            applies=applies,
            deadline_rule=deadline_rule,
            documents=documents,
            reads=frozenset(facts_read(p["applies_if"])),
            order=order,
            visit_order=self.counters[where["counter"]]["visit_order"] if where.get("counter") else 10_000,
        )

    # --- evaluating --------------------------------------------------------------------------

    def procedures_for(self, life_events) -> tuple[CompiledProcedure, ...]:
        key = frozenset(life_events)
        found = self._by_events.get(key)
        if found is None:
            found = tuple(p for p in self.procedures if key.intersection(p.data["life_events"]))
            self._by_events[key] = found
        return found

    def questions_for(self, life_events) -> list[Mapping]:
        wanted = set(life_events)
        return [q for q in self.questions if wanted.intersection(q["life_events"])]

    def facts(self, case: Case) -> dict[str, Any]:
        return {**case.answers, "event_date": case.event_date.isoformat(), "members": list(case.members)}

    def evaluate(self, case: Case) -> list[Item]:
        facts = self.facts(case)
        items: list[Item] = []
        deadlines: dict = {}  # this case's deadlines by (rule, start): items sharing both share the day
        for proc in self.procedures_for(case.life_events):
            if proc.per_member:
                for member in case.members:
                    result = proc.applies(facts, member)
                    if result is not False:
                        items.append(self._item(proc, facts, member, result, deadlines))
            else:
                result = proc.applies(facts, None)
                if result is not False:
                    items.append(self._item(proc, facts, None, result, deadlines))
        items.sort(key=self._sort_key)
        return items

    def outcomes(self, case: Case, codes: frozenset[str] | None = None) -> list[dict]:
        """Only what a comparison needs (key, status, deadline), for the procedures given or all.

        The rule studio's preview calls it for the procedures a draft changes, over many stored
        checklists: no documents, no reasons, no sorting.
        """
        key = (frozenset(case.life_events), codes)
        procedures = self._among.get(key)
        if procedures is None:
            procedures = self._among[key] = tuple(
                p for p in self.procedures_for(case.life_events) if codes is None or p.code in codes
            )
        if not procedures:
            return []
        facts = self.facts(case)
        out = []
        for proc in procedures:
            for member in case.members if proc.per_member else (None,):
                result = proc.applies(facts, member)
                if result is False:
                    continue
                deadline = None
                rule = proc.deadline_rule
                if rule is not None:
                    start = facts.get(rule.from_)
                    if start is not None:
                        deadline = deadline_for(rule, date.fromisoformat(start), municipal_closed_days=self.closed_days)
                out.append(
                    {
                        "key": proc.code if member is None else f"{proc.code}.{member['key']}",
                        "status": "required" if result is True else "check",
                        "deadline": deadline,
                    }
                )
        return out

    def _item(self, proc, facts, member, result, deadlines: dict) -> Item:
        deadline = None
        rule = proc.deadline_rule
        if rule is not None:
            start = facts.get(rule.from_)
            if start is not None:
                try:
                    deadline = deadlines[rule, start]
                except KeyError:
                    deadline = deadlines[rule, start] = deadline_for(
                        rule, date.fromisoformat(start), municipal_closed_days=self.closed_days
                    )
        unknown = ()
        if result is None:
            unknown = self._unknown_facts(proc, facts, member)
        documents, documents_key = [], []
        for i, (doc, fn) in enumerate(proc.documents):
            got = True if fn is None else fn(facts, member)
            if got is not False:
                documents.append((doc, got is True))
                documents_key.append(i if got is True else ~i)
        key = proc.code if member is None else f"{proc.code}.{member['key']}"
        return Item(
            key=key,
            procedure=proc,
            member=member,
            status="required" if result is True else "check",
            deadline=deadline,
            unknown_facts=unknown,
            documents=documents,
            documents_key=tuple(documents_key),
        )

    def _unknown_facts(self, proc: CompiledProcedure, facts, member) -> tuple[str, ...]:
        out = []
        for scope, key in proc.read_keys:
            if not scope:
                if facts.get(key) is None:
                    out.append(key)
            elif scope == "member":
                if member is None or member.get(key) is None:
                    out.append(key)
            elif scope == "members" and any(m.get(key) is None for m in facts["members"]):
                out.append(key)
        return tuple(dict.fromkeys(out))

    def _sort_key(self, item: Item):
        proc = item.procedure
        return (item.deadline is None, item.deadline or date.max, proc.visit_order, proc.order, item.key)

    # --- explaining --------------------------------------------------------------------------

    def text(self, value: Mapping[str, str] | None, lang: str) -> str | None:
        return None if value is None else value.get(lang) or value.get("ja")

    def citation(self, cite: Mapping, lang: str) -> dict:
        law = self.laws[cite["law"]]
        return {
            "law": cite["law"],
            "name": self.text(law["name"], lang),
            "number": law["number"],
            "article": cite["article"],
            "egov_id": law.get("egov_id"),
            "url": f"https://laws.e-gov.go.jp/law/{law['egov_id']}" if law.get("egov_id") else None,
            "verified": law["verified"],
        }

    def citation_text(self, cite: Mapping, lang: str) -> str:
        """A short citation such as 「戸籍法 第49条第1項」, for the reasons under an item."""
        return f"{self.text(self.laws[cite['law']]['name'], lang)} {cite['article']}"

    def citation_texts(self, proc: CompiledProcedure, lang: str) -> list[str]:
        """The procedure's legal basis as short citations (the same list object every time: do not change it)."""
        return self.texts_cached(
            ("citation_texts", proc.code, lang), lambda: [self.citation_text(c, lang) for c in proc.data["legal_basis"]]
        )

    def condition_text(self, cond, lang: str, facts: Mapping[str, Any], member) -> str:
        """One condition that held, in words: the words are rendered once per condition, for whom
        it held (a condition over the household) is worked out from the facts every time."""
        key = ("condition", lang, orjson.dumps(cond))
        words = self.texts_cached(key, lambda: render_condition(cond, lang=lang, questions=self.question_texts))
        return words + condition_whom(cond, lang=lang, facts=facts, member=member)

    def reasons(self, item: Item, case: Case, lang: str, facts: Mapping[str, Any] | None = None) -> list[dict]:
        """Why the item is on the checklist; facts are self.facts(case), passed when the caller has them.

        What reads the same for every case is rendered once per catalogue and language (the same
        list object every time, not to be changed): an item to check, by the questions left
        unanswered; a rule whose conditions are the same whenever it holds (conditions_when_true),
        by the case's life events.
        """
        proc = item.procedure
        if item.status == "check":  # the questions left unanswered that the rule needs
            return self.texts_cached(
                ("reasons.check", proc.code, lang, item.unknown_facts),
                lambda: [
                    {"text": self._check_text(key, lang), "legal_basis": self.citation_texts(proc, lang)}
                    for key in item.unknown_facts
                ],
            )
        if facts is None:
            facts = self.facts(case)
        if proc.conditions_when_true is not None:
            # "required" is the compiled rule's True; for these rules, the same conditions every
            # time, said with the names of the case's life events the procedure is for
            return self.texts_cached(
                ("reasons", proc.code, lang, tuple(case.life_events)),
                lambda: self._reasons_held(
                    proc, proc.conditions_when_true, case, lang, facts, None, self.citation_texts(proc, lang)
                ),
            )
        # "required" is the compiled rule's True for these very facts
        conditions = true_conditions(proc.data["applies_if"], facts, item.member, known_true=True)
        return self._reasons_held(proc, conditions, case, lang, facts, item.member, self.citation_texts(proc, lang))

    def _check_text(self, key: str, lang: str) -> str:
        q = self.question_by_key.get(key)
        return _CHECK_TEXT[lang].format(q=self.text(q["text"], lang) if q else key)

    def _reasons_held(self, proc, conditions, case, lang, facts, member, basis) -> list[dict]:
        # Exclusions ("not the deceased", "not on other insurance") guard a rule but are not
        # why it applies; the resident is shown what triggered it, unless only guards held.
        triggers = [c for c in conditions if not _is_exclusion(c)] or conditions
        texts = [self.condition_text(cond, lang, facts, member) for cond in triggers]
        if not texts:
            names = "・".join(
                self.text(self.life_events[e]["name"], lang) for e in proc.data["life_events"] if e in case.life_events
            )
            texts.append(_ALWAYS_TEXT[lang].format(e=names))
        return [{"text": t, "legal_basis": basis} for t in texts]

    def deadline_text(self, proc: CompiledProcedure, lang: str) -> str | None:
        rule = proc.deadline_rule
        if rule is None:
            return self.text(proc.data.get("deadline_note"), lang)
        if rule.from_ != "event_date":
            label = self.text(self.question_by_key[rule.from_]["text"], lang)
            if lang == "en":  # a question's text starts a sentence; here it ends one
                label = label[:1].lower() + label[1:]
        elif len(proc.data["life_events"]) == 1:
            label = self.text(self.life_events[proc.data["life_events"][0]]["event_date_label"], lang)
        else:
            label = None  # the engine's general wording: the day of the event
        return describe_deadline(rule, lang=lang, from_label=label)

    def where(self, proc: CompiledProcedure, lang: str) -> dict:
        where = proc.data["where"]
        if where.get("counter"):
            c = self.counters[where["counter"]]
            return {
                "department": self.text(c["department"], lang),
                "counter": self.text(c["name"], lang),
                "location": self.text(c["location"], lang),
                "hours": self.text(c["hours"], lang),
                "office": None,
            }
        office = self.offices[where["office"]]
        return {
            "department": None,
            "counter": None,
            "location": None,
            "hours": None,
            "office": self.text(office["name"], lang),
        }

    def documents(self, item: Item, lang: str) -> list[dict]:
        """What to bring for the item, in words (the same list object for the same documents: do not change it).

        Which documents apply, and which only maybe, is the case's (Item.documents_key); their words
        are rendered once.
        """
        if len(item.documents_key) != len(item.documents):  # an Item made by hand
            return self._documents(item.documents, lang)
        key = ("documents", item.procedure.code, lang, item.documents_key)
        return self.texts_cached(key, lambda: self._documents(item.documents, lang))

    def _documents(self, documents: list[tuple[Mapping, bool]], lang: str) -> list[dict]:
        out = []
        for doc, certain in documents:
            note = self.text(doc.get("note"), lang)
            if not certain:
                note = f"{_IF_APPLICABLE[lang]}: {note}" if note else _IF_APPLICABLE[lang]
            out.append({"name": self.text(doc["name"], lang), "note": note})
        return out

    @cached_property
    def procedure_by_code(self) -> dict[str, CompiledProcedure]:
        return {p.code: p for p in self.procedures}

    @cached_property
    def life_event_codes(self) -> frozenset[str]:
        return frozenset(self.life_events)
