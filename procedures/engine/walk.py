"""The questionnaire walker: what no answers reach, what is never asked, what changes nothing.

The search space is the questionnaire itself, defined rather than enumerated: the life events
chosen (any non-empty set), the event date, a household of 1 to ``max_members`` members (each
with a relation; ``deceased`` only when a death is among the events, as the household page
allows), and for every question shown an answer or "don't know". A question is shown as the
questionnaire shows it (navi/pages/journey.py): its life events are chosen and its ``show_if`` is
not false over the answers given *so far*, i.e. to the questions before it in the catalogue's
order. An answer to a question not shown is not a fact.

All of that is one formula for the SMT solver z3 (three-valued like the engine: each rule node is
encoded as a pair "definitely true" / "definitely false"; neither is unknown). Numbers are reals
and dates whole days, so the solver splits them at the constants the rules compare them with
(and at the event date, where rules compare with it) by itself; choices and yes/no are finite.
Pruning is by the facts each rule reads: a question's "does it change anything" query only
re-encodes the questions whose ``show_if`` depends on it and the procedures that read them.

Findings (see findings.py for their names):

- ``unreachable_procedure``: no answers, "don't know" included, list it.
- ``procedure_only_check``: it can be listed, but only as "check" (some fact unanswered), never
  as "required": with every question it depends on answered, it never applies. The engine's
  tri-state makes this a distinct kind: such a procedure is reachable, but only by not knowing.
- ``question_never_shown``: with every question before it answered, no answers show it. (A
  "don't know" to a question its ``show_if`` reads may still show it: unknown shows a question.)
- ``question_without_effect``: shown, but no change of its answer (answers to the other
  questions kept, all answered) changes the checklist: which items, their status, their
  documents, their deadlines. A question that only gates other questions counts through them.
  Two dates change a deadline only when they lie further apart than the deadline's span (closed
  days can fold nearby dates onto one deadline).
- ``fact_never_asked``: a rule reads a question that is never shown when that rule is evaluated
  (its procedure's or question's life events chosen).
- ``show_if_unknown_when_answered``: with every question shown answered, a ``show_if`` can still
  be unknown because it reads a question not asked in that case; unknown shows a question, so it
  is asked where its author meant it not to be (read the gating question's own condition too).
- ``show_if_reads_later_question``: a ``show_if`` reads a question that comes after it in the
  order, so it is always unknown when the ``show_if`` is evaluated.

Every reachable procedure and every shown question comes with a witness: the life events, event
date, answers and household that list it (``item``, ``status``) or show it.

Plain Python, no Django.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import z3

from .catalogue import RELATIONS, CompiledCatalogue
from .findings import describe, identity
from .rules import RuleError, facts_read, typed_rule

DATE_MIN = date(1900, 1, 1)  # the range answers.check_value accepts
DATE_MAX = date(2200, 12, 31)
NUMBER_LIMIT = 1_000_000_000
BUILTIN = frozenset({"event_date", "relation", "key"})


class WalkError(ValueError):
    """A rule the walker cannot encode; str() names the rule and the place in it."""


@dataclass(frozen=True)
class Household:
    """The households the walk considers, as the household page allows them."""

    max_members: int = 4
    min_members: int = 1
    relation_needs_event: Mapping[str, str] = field(default_factory=lambda: {"deceased": "death"})


@dataclass
class WalkResult:
    findings: list[dict]
    procedures: list[dict]  # each: code, status (required / check_only / unreachable), witness
    questions: list[dict]  # each: key, shown, witness, has_effect, effect_witnesses (two cases)
    seconds: float
    queries: int

    def as_json(self) -> dict:
        return {
            "findings": self.findings,
            "procedures": self.procedures,
            "questions": self.questions,
            "queries": self.queries,
        }


def walk(catalogue: CompiledCatalogue, *, household: Household | None = None) -> WalkResult:
    """Walk the compiled catalogue's questionnaire; see the module's docstring."""
    started = time.perf_counter()
    enc = _Encoding(catalogue, household or Household())
    findings: list[dict] = []
    procedures = enc.procedures_reached(findings)
    questions = enc.questions_reached(findings)
    enc.facts_asked(findings, {q["key"]: q["shown"] for q in questions})
    findings += syntactic_findings(catalogue)
    findings.sort(key=lambda f: (f["kind"], repr(identity(f))))
    return WalkResult(
        findings=findings,
        procedures=procedures,
        questions=questions,
        seconds=time.perf_counter() - started,
        queries=enc.queries,
    )


# --- findings read off the rules alone ---------------------------------------------------------


def _base(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else name


def syntactic_findings(catalogue: CompiledCatalogue) -> list[dict]:
    """show_if reading a later question. (A show_if cycle never gets here: compiling refuses it.)"""
    pos = {q["key"]: i for i, q in enumerate(catalogue.questions)}
    out = []
    for q in catalogue.questions:
        reads = sorted({_base(n) for n in facts_read(q.get("show_if"))} - BUILTIN) if q.get("show_if") else []
        for r in (r for r in reads if r in pos):
            if pos[r] > pos[q["key"]]:
                out.append({
                    "kind": "show_if_reads_later_question",
                    "question": q["key"],
                    "fact": r,
                    "message": f"question {q['key']}'s show_if reads {r}, which is asked later "
                    f"(order {catalogue.question_by_key[r]['order']} ≥ {q['order']}), so it is always unknown there",
                })  # fmt: skip
    return out


# --- the encoding --------------------------------------------------------------------------------

_T, _F = z3.BoolVal(True), z3.BoolVal(False)


# Constants are always these two objects (never another BoolVal), so folding them is an identity test.


def _junction(make, xs: list) -> z3.BoolRef:
    """And / Or of many Boolean terms straight through z3's C API (no per-argument coercion)."""
    ctx = xs[0].ctx
    args = (z3.Ast * len(xs))(*(x.as_ast() for x in xs))
    return z3.BoolRef(make(ctx.ref(), len(xs), args), ctx)


def _or(xs) -> z3.BoolRef:
    xs = [x for x in xs if x is not _F]
    if any(x is _T for x in xs):
        return _T
    return _F if not xs else xs[0] if len(xs) == 1 else _junction(z3.Z3_mk_or, xs)


def _and(xs) -> z3.BoolRef:
    xs = [x for x in xs if x is not _T]
    if any(x is _F for x in xs):
        return _F
    return _T if not xs else xs[0] if len(xs) == 1 else _junction(z3.Z3_mk_and, xs)


def _not(x) -> z3.BoolRef:
    return _F if x is _T else _T if x is _F else z3.Not(x)


def _bool(value: bool) -> z3.BoolRef:
    return _T if value else _F


@dataclass(frozen=True)
class _Val:
    """A value in the encoding: sort (bool num date choice str lit), z3 expression or literal."""

    sort: str
    expr: Any
    choices: tuple[str, ...] = ()


class _World:
    """One run of the questionnaire: which questions are asked and known, from the answers.

    A child world has its own answer to some questions (``own``) and re-encodes only the
    questions in ``touched`` (those whose show_if depends on them); the rest is its parent's.
    """

    def __init__(self, enc: _Encoding, parent: _World | None = None, own=None, touched=frozenset()):
        self.enc = enc
        self.parent = parent
        self.own = own or {}
        self.touched = touched
        self._asked: dict = {}
        self._known: dict = {}
        self._tri: dict = {}

    def answer(self, key, i):
        if (key, i) in self.own:
            return self.own[(key, i)]
        if self.parent is not None:
            return self.parent.answer(key, i)
        return self.enc.answers[(key, i)]

    def asked(self, key: str, i: int | None) -> z3.BoolRef:
        if self.parent is not None and key not in self.touched:
            return self.parent.asked(key, i)
        found = self._asked.get((key, i))
        if found is None:
            found = self.enc.asked(self, key, i)
            self._asked[(key, i)] = found
        return found

    def known(self, key: str, i: int | None) -> z3.BoolRef:
        if self.parent is not None and key not in self.touched:
            return self.parent.known(key, i)
        found = self._known.get((key, i))
        if found is None:
            found = self._known[(key, i)] = _and([self.answer(key, i)[0], self.asked(key, i)])
        return found

    def value(self, key: str, i: int | None):
        return self.answer(key, i)[1]


class _Encoding:
    def __init__(self, catalogue: CompiledCatalogue, household: Household):
        self.cat = catalogue
        self.household = household
        self.n = household.max_members
        self.queries = 0
        self.questions = {q["key"]: q for q in catalogue.questions}
        self.pos = {q["key"]: i for i, q in enumerate(catalogue.questions)}
        self.events = sorted(catalogue.life_events)
        self.solver = z3.Solver()
        s = self.solver
        self.sel = {e: z3.Bool(f"event_{e}") for e in self.events}
        s.add(_or(self.sel.values()))
        self.event_date = z3.Int("event_date")
        s.add(self.event_date >= DATE_MIN.toordinal(), self.event_date <= DATE_MAX.toordinal())
        self.exists = [_T] + [z3.Bool(f"m{i + 1}_exists") for i in range(1, self.n)]
        for i in range(self.n):
            if i < household.min_members:
                self.exists[i] = _T
            elif i + 1 < self.n:
                s.add(z3.Implies(self.exists[i + 1], self.exists[i]))
        self.relation = [z3.Int(f"m{i + 1}_relation") for i in range(self.n)]
        for r in self.relation:
            s.add(r >= 0, r < len(RELATIONS))
            for rel, event in household.relation_needs_event.items():
                if rel in RELATIONS:
                    s.add(z3.Implies(r == RELATIONS.index(rel), self.sel.get(event, _F)))
        self.answers: dict = {}
        for q in catalogue.questions:
            for i in range(self.n) if q["per_member"] else (None,):
                self.answers[(q["key"], i)] = self.fresh_answer(q, i, "")
        self.trees = {}
        schema = catalogue.schema
        try:
            for q in catalogue.questions:
                if q.get("show_if") is not None:
                    self.trees[("question", q["key"], "show_if")] = typed_rule(
                        q["show_if"], schema, name=f"question {q['key']} show_if", per_member=q["per_member"]
                    )
            for p in catalogue.procedures:
                self.trees[("procedure", p.code, "applies_if")] = typed_rule(
                    p.data["applies_if"], schema, name=f"procedure {p.code} applies_if", per_member=p.per_member
                )
                for d, (doc, fn) in enumerate(p.documents):
                    if fn is not None:
                        self.trees[("procedure", p.code, f"documents.{d}.applies_if")] = typed_rule(
                            doc["applies_if"],
                            schema,
                            name=f"procedure {p.code} documents.{d}.applies_if",
                            per_member=p.per_member,
                        )
        except RuleError as exc:  # the catalogue compiled, so this does not happen
            raise WalkError(str(exc)) from exc
        self.base = _World(self)
        # every question shown is answered ("don't know" nowhere): the mode questions are judged in
        self.complete = _and(want for want, _ in self.answers.values())
        effective = catalogue.doc.get("meta", {}).get("effective_from")
        self.usual_date = date.fromisoformat(effective).toordinal() if effective else None

    # --- variables ---

    def fresh_answer(self, q: Mapping, i: int | None, tag: str):
        name = q["key"] if i is None else f"m{i + 1}_{q['key']}"
        name += tag
        want = z3.Bool(f"{name}_answered")
        kind = q["type"]
        s = self.solver
        if kind == "yes_no":
            return want, _Val("bool", z3.Bool(name))
        if kind == "choice":
            choices = tuple(c["value"] for c in (q.get("choices") or ()))
            if not choices:
                return want, _Val("str", z3.String(name))
            v = z3.Int(name)
            s.add(v >= 0, v < len(choices))
            return want, _Val("choice", v, choices)
        if kind == "number":
            v = z3.Real(name)
            low = q.get("min") if q.get("min") is not None else -NUMBER_LIMIT
            high = q.get("max") if q.get("max") is not None else NUMBER_LIMIT
            s.add(v >= max(low, -NUMBER_LIMIT), v <= min(high, NUMBER_LIMIT))
            return want, _Val("num", v)
        v = z3.Int(name)
        s.add(v >= DATE_MIN.toordinal(), v <= DATE_MAX.toordinal())
        return want, _Val("date", v)

    def events_of(self, events: Iterable[str]) -> z3.BoolRef:
        return _or(self.sel[e] for e in events if e in self.sel)

    # --- questions shown ---

    def asked(self, world: _World, key: str, i: int | None) -> z3.BoolRef:
        q = self.questions[key]
        cond = [self.events_of(q["life_events"])]
        if i is not None:
            cond.append(self.exists[i])
        tree = self.trees.get(("question", key, "show_if"))
        if tree is not None:
            true, false = self.tri(tree, world, i, None, (self.pos[key], key, i))
            world._tri[("show_if", key, i)] = (true, false)
            cond.append(_not(false))
        return _and(cond)

    # --- rules, three-valued ---

    def tri(self, n, w: _World, m, item, lim) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(definitely true, definitely false) of a boolean node."""
        k = n.kind
        if k == "const":
            return (_T, _F) if n.value else (_F, _T)
        if k in ("var", "arith") or (k == "if" and n.type != "bool"):
            v = self.val(n, w, m, item, lim)
            return self._truth(v)
        if k == "cmp":
            vals = [self.val(a, w, m, item, lim) for a in n.args]
            known = _and(v[0] for v in vals)
            rel = _and(self._cmp(n.op, vals[j][1], vals[j + 1][1], n) for j in range(len(vals) - 1))
            return _and([known, rel]), _and([known, _not(rel)])
        if k == "in_list":
            known, v = self.val(n.args[0], w, m, item, lim)
            rel = _or(self._cmp("==", v, _Val("lit", lit), n) for lit in n.value)
            return _and([known, rel]), _and([known, _not(rel)])
        if k == "in_str":
            (kn, needle), (kh, hay) = (self.val(a, w, m, item, lim) for a in n.args)
            known = _and([kn, kh])
            rel = z3.Contains(self._str(hay), self._str(needle))
            return _and([known, rel]), _and([known, _not(rel)])
        if k == "not":
            t, f = self.tri(n.args[0], w, m, item, lim)
            return f, t
        if k == "truthy":
            a = n.args[0]
            if a.type == "bool":
                return self.tri(a, w, m, item, lim)
            return self._truth(self.val(a, w, m, item, lim))
        if k in ("and", "or"):
            parts = [self.tri(a, w, m, item, lim) for a in n.args]
            if k == "and":
                return _and(t for t, _ in parts), _or(f for _, f in parts)
            return _or(t for t, _ in parts), _and(f for _, f in parts)
        if k == "if":
            (ct, cf), (xt, xf), (yt, yf) = (self.tri(a, w, m, item, lim) for a in n.args)
            cu = _and([_not(ct), _not(cf)])
            t = _or([_and([ct, xt]), _and([cf, yt]), _and([cu, xt, yt])])
            f = _or([_and([ct, xf]), _and([cf, yf]), _and([cu, xf, yf])])
            return t, f
        if k == "quant":
            inner = n.args[0]
            parts = [(self.exists[j], *self.tri(inner, w, m, j, lim)) for j in range(self.n)]
            some_t = _or(_and([e, t]) for e, t, _ in parts)
            some_f = _or(_and([e, f]) for e, _, f in parts)
            all_t = _and(_or([_not(e), t]) for e, t, _ in parts)
            all_f = _and(_or([_not(e), f]) for e, _, f in parts)
            if n.op == "some":
                return some_t, all_f
            if n.op == "none":
                return all_f, some_t
            return all_t, some_f  # all: there is always at least one member
        raise WalkError(f"cannot walk a '{k}' node at {n.path or '/'}")

    def _truth(self, kv) -> tuple[z3.BoolRef, z3.BoolRef]:
        known, v = kv
        if v.sort == "bool":
            truth = v.expr
        elif v.sort == "num":
            truth = v.expr != 0
        elif v.sort == "str":
            truth = z3.Length(v.expr) > 0
        elif v.sort == "lit":
            truth = _bool(bool(v.expr))
        else:  # a choice (codes are never empty) or a date
            truth = _T
        return _and([known, truth]), _and([known, _not(truth)])

    def val(self, n, w: _World, m, item, lim) -> tuple[z3.BoolRef, _Val]:
        """(known, value) of a node."""
        k = n.kind
        if k == "const":
            if isinstance(n.value, bool):
                return _T, _Val("bool", _bool(n.value))
            if isinstance(n.value, int | float):
                return _T, _Val("num", z3.RealVal(n.value))
            return _T, _Val("lit", n.value)
        if k == "var":
            return self._var(n, w, m, item, lim)
        if k == "arith":
            vals = [self.val(a, w, m, item, lim) for a in n.args]
            known = _and(v[0] for v in vals)
            xs = [v[1].expr for v in vals]
            if n.op == "+":
                out = z3.Sum(xs) if len(xs) > 1 else xs[0]
            elif n.op == "-":
                out = -xs[0] if len(xs) == 1 else xs[0] - xs[1]
            elif n.op == "*":
                out = xs[0]
                for x in xs[1:]:
                    out = out * x
            elif n.op == "/":
                known = _and([known, xs[1] != 0])  # x/0 is ±Infinity or NaN: not walked
                out = xs[0] / xs[1]
            else:
                out = xs[0]
                for x in xs[1:]:
                    out = z3.If(x < out, x, out) if n.op == "min" else z3.If(x > out, x, out)
            return known, _Val("num", out)
        if k == "if" and n.type in ("number", "date", "bool"):
            ct, cf = self.tri(n.args[0], w, m, item, lim)
            kx, x = self.val(n.args[1], w, m, item, lim)
            ky, y = self.val(n.args[2], w, m, item, lim)
            x, y = self._same(x, n), self._same(y, n)
            cu = _and([_not(ct), _not(cf)])
            known = _or([_and([ct, kx]), _and([cf, ky]), _and([cu, kx, ky, x.expr == y.expr])])
            return known, _Val(x.sort, z3.If(ct, x.expr, z3.If(cf, y.expr, x.expr)))
        if n.type == "bool":
            t, f = self.tri(n, w, m, item, lim)
            return _or([t, f]), _Val("bool", t)
        raise WalkError(f"cannot walk a {n.type} '{k}' at {n.path or '/'}")

    def _same(self, v: _Val, n) -> _Val:
        if v.sort == "lit" and n.type == "date":
            return _Val("date", z3.IntVal(date.fromisoformat(v.expr).toordinal()))
        if v.sort == "lit":
            raise WalkError(f"cannot walk text branches of 'if' at {n.path or '/'}")
        return v

    def _var(self, n, w: _World, m, item, lim):
        key, scope = n.key, n.scope
        if scope == "case":
            if key == "event_date":
                return _T, _Val("date", self.event_date)
            i = None
        else:
            i = m if scope == "member" else item
            if key == "relation":
                return _T, _Val("choice", self.relation[i], RELATIONS)
            if key == "key":
                return _T, _Val("lit", f"m{i + 1}")
        value = w.value(key, i)
        if lim is not None:
            at, own_key, own_member = lim
            p = self.pos[key]
            earlier = p < at or (key == own_key and i is not None and own_member is not None and i < own_member)
            if not earlier:
                return _F, value
        return w.known(key, i), value

    def _str(self, v: _Val):
        if v.sort == "str":
            return v.expr
        if v.sort == "lit":
            return z3.StringVal(v.expr)
        if v.sort == "choice":
            out = z3.StringVal(v.choices[-1])
            for idx in range(len(v.choices) - 2, -1, -1):
                out = z3.If(v.expr == idx, z3.StringVal(v.choices[idx]), out)
            return out
        if v.sort == "date":
            raise WalkError("cannot walk a date used as text")
        raise WalkError(f"cannot walk a {v.sort} used as text")

    def _cmp(self, op: str, a: _Val, b: _Val, n) -> z3.BoolRef:
        sorts = {a.sort, b.sort}
        if sorts == {"lit"}:
            x, y = a.expr, b.expr
            if op in ("==", "!="):
                return _bool((x == y) == (op == "=="))
            x, y = date.fromisoformat(x).toordinal(), date.fromisoformat(y).toordinal()
            return _bool({"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op])
        if "lit" in sorts:
            lit, other = (a, b) if a.sort == "lit" else (b, a)
            if other.sort == "choice":
                if op not in ("==", "!="):
                    raise WalkError(f"cannot order choices at {n.path or '/'}")
                eq = _F if lit.expr not in other.choices else other.expr == other.choices.index(lit.expr)
                return eq if op == "==" else _not(eq)
            if other.sort == "date":
                conv = _Val("date", z3.IntVal(date.fromisoformat(lit.expr).toordinal()))
            elif other.sort == "str":
                conv = _Val("str", z3.StringVal(lit.expr))
            else:
                raise WalkError(f"cannot compare text with a {other.sort} at {n.path or '/'}")
            a, b = (conv, b) if a.sort == "lit" else (a, conv)
        elif a.sort != b.sort or (a.sort == "choice" and a.choices != b.choices):
            if {a.sort, b.sort} <= {"choice", "str"}:
                a, b = _Val("str", self._str(a)), _Val("str", self._str(b))
            else:
                raise WalkError(f"cannot compare a {a.sort} with a {b.sort} at {n.path or '/'}")
        x, y = a.expr, b.expr
        if op == "==":
            return x == y
        if op == "!=":
            return x != y
        return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]

    # --- procedures ---

    def members_of(self, proc) -> list[int | None]:
        return list(range(self.n)) if proc.per_member else [None]

    def outcome(self, w: _World, proc, i) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(required, check) of a procedure (for member i) in a world."""
        key = ("outcome", proc.code, i)
        found = w._tri.get(key)
        if found is None:
            listed = _and([self.events_of(proc.data["life_events"]), _T if i is None else self.exists[i]])
            t, f = self.tri(self.trees[("procedure", proc.code, "applies_if")], w, i, None, None)
            found = (_and([listed, t]), _and([listed, _not(t), _not(f)]))
            w._tri[key] = found
        return found

    def check(self, *formulas) -> z3.ModelRef | None:
        self.queries += 1
        s = self.solver
        s.push()
        s.add(*formulas)
        result = s.check()
        model = s.model() if result == z3.sat else None
        s.pop()
        if result == z3.unknown:
            raise WalkError(f"the solver gave up: {s.reason_unknown()}")
        return model

    def plain(self, *formulas) -> z3.ModelRef | None:
        """A model, preferring small households and the catalogue's own date (for readable witnesses)."""
        model = self.check(*formulas)
        if model is None:
            return None
        usual = [] if self.usual_date is None else [self.event_date == self.usual_date]
        for size in range(self.household.min_members, self.n):
            if z3.is_true(model.eval(self.exists[size], True)):
                smaller = self.check(*formulas, *usual, _not(self.exists[size]))
                if smaller is not None:
                    return smaller
        return self.check(*formulas, *usual) or model

    def procedures_reached(self, findings: list[dict]) -> list[dict]:
        out = []
        w = self.base
        for proc in self.cat.procedures:
            outcomes = [(i, *self.outcome(w, proc, i)) for i in self.members_of(proc)]
            status, witness = "unreachable", None
            required = self.plain(_or(r for _, r, _ in outcomes))
            model = required or self.plain(_or(c for _, _, c in outcomes))
            if model is not None:
                if required is not None:
                    hit = next((i, "required") for i, r, _ in outcomes if z3.is_true(model.eval(r, True)))
                else:
                    hit = next((i, "check") for i, _, c in outcomes if z3.is_true(model.eval(c, True)))
                i, status = hit
                witness = self.witness(model, w)
                witness["item"] = proc.code if i is None else f"{proc.code}.m{i + 1}"
                witness["status"] = status
                status = "required" if status == "required" else "check_only"
            out.append({"code": proc.code, "status": status, "witness": witness})
            if status == "unreachable":
                findings.append({
                    "kind": "unreachable_procedure",
                    "procedure": proc.code,
                    "message": f"no answers list procedure {proc.code}, not even as 'check'",
                })  # fmt: skip
            elif status == "check_only":
                findings.append({
                    "kind": "procedure_only_check",
                    "procedure": proc.code,
                    "message": f"procedure {proc.code} is listed only while a fact it reads is unanswered; "
                    "with every fact answered it never applies",
                    "witness": witness,
                })  # fmt: skip
        return out

    def _asked_any(self, w: _World, key: str) -> z3.BoolRef:
        q = self.questions[key]
        return _or(w.asked(key, i) for i in (range(self.n) if q["per_member"] else (None,)))

    def questions_reached(self, findings: list[dict]) -> list[dict]:
        out = []
        for q in self.cat.questions:
            key = q["key"]
            model = self.plain(self._asked_any(self.base, key), self.complete)
            entry = {"key": key, "shown": model is not None, "has_effect": False, "witness": None}
            if model is None:
                findings.append({
                    "kind": "question_never_shown",
                    "question": key,
                    "message": f"no answers show question {key} (with every question before it answered; "
                    "a 'don't know' there may still show it, as unknown shows a question)",
                })  # fmt: skip
            else:
                entry["witness"] = self.witness(model, self.base)
                found = self.effect(key)
                entry["has_effect"] = found is not None
                if found is not None:
                    model, other = found
                    entry["effect_witnesses"] = [self.witness(model, self.base), self.witness(model, other)]
                else:
                    findings.append({
                        "kind": "question_without_effect",
                        "question": key,
                        "message": f"no change of the answer to {key} changes the checklist",
                    })  # fmt: skip
                unknown = self.show_if_unknown(key)
                if unknown is not None:
                    entry["unknown_show_if_witness"] = unknown
                    findings.append({
                        "kind": "show_if_unknown_when_answered",
                        "question": key,
                        "message": f"with every question shown answered, the show_if of {key} can still be "
                        "unknown (it reads a question not asked then), so it is asked anyway",
                        "witness": unknown,
                    })  # fmt: skip
            out.append(entry)
        return out

    def show_if_unknown(self, key: str) -> dict | None:
        if ("question", key, "show_if") not in self.trees:
            return None
        q = self.questions[key]
        hows = []
        for i in range(self.n) if q["per_member"] else (None,):
            asked = self.base.asked(key, i)
            true, false = self.base._tri[("show_if", key, i)]
            hows.append(_and([asked, _not(true), _not(false)]))
        model = self.plain(_or(hows), self.complete)
        return None if model is None else self.witness(model, self.base)

    def downstream(self, key: str) -> frozenset[str]:
        """The question and every question whose show_if reads it, directly or not."""
        readers: dict[str, set[str]] = {}
        for q in self.cat.questions:
            if q.get("show_if") is not None:
                for name in facts_read(q["show_if"]):
                    readers.setdefault(_base(name), set()).add(q["key"])
        out, todo = {key}, [key]
        while todo:
            for r in readers.get(todo.pop(), ()):
                if r not in out:
                    out.add(r)
                    todo.append(r)
        return frozenset(out)

    def effect(self, key: str):
        """(model, other world): two answers to the question, all else the same, give different checklists."""
        touched = self.downstream(key)
        q = self.questions[key]
        own = {(key, i): self.fresh_answer(q, i, "_other") for i in (range(self.n) if q["per_member"] else (None,))}
        a, b = self.base, _World(self, self.base, own, touched)
        diffs = []
        for proc in self.cat.procedures:
            reads = {_base(r) for r in proc.reads}
            docs = []
            for d, (doc, fn) in enumerate(proc.documents):
                if fn is not None and {_base(r) for r in facts_read(doc["applies_if"])} & touched:
                    docs.append(self.trees[("procedure", proc.code, f"documents.{d}.applies_if")])
            start = proc.deadline_rule.from_ if proc.deadline_rule is not None else None
            if not (reads & touched or docs or start in touched):
                continue
            for i in self.members_of(proc):
                ra, ca = self.outcome(a, proc, i)
                rb, cb = self.outcome(b, proc, i)
                listed = _and([_or([ra, ca]), _or([rb, cb])])
                same_item = []
                for tree in docs:
                    ta, fa = self.tri(tree, a, i, None, None)
                    tb, fb = self.tri(tree, b, i, None, None)
                    same_item.append(_or([ta != tb, fa != fb]))
                if start in touched:
                    # a deadline lies between its start and start + span (closed days move it on by
                    # less than a month), so starts further apart than the span give other deadlines
                    rule = proc.deadline_rule
                    span = (rule.days or 0) + 31 * (rule.months or 0) + 31
                    ka, kb = a.known(start, None), b.known(start, None)
                    va, vb = a.value(start, None).expr, b.value(start, None).expr
                    same_item.append(_or([ka != kb, _and([ka, kb, z3.Abs(va - vb) > span])]))
                diffs.append(_or([ra != rb, ca != cb, _and([listed, _or(same_item)])]))
        if not diffs:
            return None
        model = self.check(_or(diffs), self.complete, *(want for want, _ in own.values()))
        return None if model is None else (model, b)

    def facts_asked(self, findings: list[dict], shown: Mapping[str, bool]) -> None:
        """Rules reading a question never shown when the rule is evaluated."""
        seen: dict = {}
        rules = []
        for q in self.cat.questions:
            if q.get("show_if") is not None:
                rules.append(("question", q["key"], "show_if", q["show_if"], q["life_events"]))
        for p in self.cat.procedures:
            rules.append(("procedure", p.code, "applies_if", p.data["applies_if"], p.data["life_events"]))
            for d, (doc, fn) in enumerate(p.documents):
                if fn is not None:
                    rules.append(("procedure", p.code, f"documents.{d}.applies_if", doc["applies_if"],
                                  p.data["life_events"]))  # fmt: skip
        for kind, code, where, rule, events in rules:
            for name in sorted(facts_read(rule)):
                fact = _base(name)
                if fact in BUILTIN or fact not in self.questions:
                    continue
                ctx = (frozenset(events), fact)
                if ctx not in seen:
                    if not shown.get(fact, False):
                        seen[ctx] = False
                    else:
                        asked = _and([self.events_of(events), self._asked_any(self.base, fact)])
                        seen[ctx] = self.check(asked, self.complete) is not None
                if not seen[ctx]:
                    findings.append({
                        "kind": "fact_never_asked",
                        kind: code,
                        "field": where,
                        "fact": name,
                        "message": f"{kind} {code} {where} reads {name}, but question {fact} is never shown "
                        f"when {', '.join(events)} is chosen",
                    })  # fmt: skip

    # --- witnesses ---

    def witness(self, model: z3.ModelRef, w: _World) -> dict:
        def py(v: _Val):
            got = model.eval(v.expr, model_completion=True)
            if v.sort == "bool":
                return z3.is_true(got)
            if v.sort == "choice":
                return v.choices[got.as_long()]
            if v.sort == "date":
                return date.fromordinal(got.as_long()).isoformat()
            if v.sort == "str":
                return got.as_string()
            frac = got.as_fraction()
            return int(frac) if frac.denominator == 1 else float(frac)

        def true(x) -> bool:
            return z3.is_true(model.eval(x, model_completion=True))

        answers = {}
        members = []
        for i in range(self.n):
            if true(self.exists[i]):
                rel = model.eval(self.relation[i], model_completion=True).as_long()
                members.append({"key": f"m{i + 1}", "relation": RELATIONS[rel]})
        for q in self.cat.questions:
            key = q["key"]
            if not q["per_member"]:
                if true(w.known(key, None)):
                    answers[key] = py(w.value(key, None))
                continue
            for i, member in enumerate(members):
                if true(w.known(key, i)):
                    member[key] = py(w.value(key, i))
        return {
            "life_events": [e for e in self.events if true(self.sel[e])],
            "event_date": date.fromordinal(model.eval(self.event_date, True).as_long()).isoformat(),
            "answers": answers,
            "members": members,
        }


__all__ = ["Household", "WalkError", "WalkResult", "describe", "syntactic_findings", "walk"]
