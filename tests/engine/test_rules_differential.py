"""Differential tests: with every fact known, a compiled rule gives exactly what standard
JsonLogic gives (panzi-json-logic as the reference); with facts missing, the compiled rule,
the interpreter and every completion of the facts agree (Kleene soundness).

Rules, schemas and facts are generated together so that they are well typed: a random schema of
bool / choice / number / date facts (case and member), random households (0–3 members), and
rules from the whole grammar (var, == != === !==, ! !!, and or, if, < <= > >= with the 3-argument
between, in over lists and strings, some / all / none, + - * / min max, literals).

Deviations of panzi from the JsonLogic spec, kept out of the generator:
- `/` by zero raises ZeroDivisionError in panzi (JavaScript gives ±Infinity or NaN), so divisors
  are non-zero constants. Without division by zero no NaN or Infinity arises, which also keeps
  out panzi's `min` / `max` on NaN (Python's min() depends on argument order there).
Everything else generated here is compared as is.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from json_logic import jsonLogic

from procedures.engine.rules import (
    RELATIONS,
    Fact,
    FactSchema,
    compile_rule,
    conditions_when_true,
    evaluate,
    true_conditions,
)

settings.register_profile(
    "engine-differential",
    derandomize=True,  # the same examples locally and in CI
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
PROFILE = settings.get_profile("engine-differential")

CHOICE_POOL = ("a", "b", "ab", "c")
DATES = ("2025-12-31", "2026-01-01", "2026-04-01", "2026-04-02", "2027-01-01")
NUMBERS = st.one_of(st.integers(-3, 20), st.sampled_from([0.5, 2.5, 10.0, -1.5, 0.0]))
NONZERO = st.sampled_from([2, 4, 0.5, -2, 3])
NEEDLES = ("", "a", "b", "ab", "x", "2026", "-0")
TYPES = ("bool", "choice", "number", "date")


# --- schemas and facts ------------------------------------------------------------------------


@st.composite
def schemas(draw) -> FactSchema:
    def facts(prefix: str, low: int, high: int) -> list[Fact]:
        out = []
        for i in range(draw(st.integers(low, high))):
            kind = draw(st.sampled_from(TYPES))
            choices = ()
            if kind == "choice":
                choices = tuple(draw(st.lists(st.sampled_from(CHOICE_POOL), min_size=1, max_size=4, unique=True)))
            out.append(Fact(f"{prefix}{i}", kind, choices))
        return out

    return FactSchema.build(facts("c", 1, 4), facts("p", 1, 3))


def a_value(draw, fact: Fact):
    if fact.type == "bool":
        return draw(st.booleans())
    if fact.type == "number":
        return draw(NUMBERS)
    if fact.type == "date":
        return draw(st.sampled_from(DATES))
    if fact.key == "key":
        return draw(st.sampled_from(("m1", "m2", "m3")))
    return draw(st.sampled_from(fact.choices))


def a_member(draw, schema: FactSchema, i: int) -> dict:
    m = {"key": f"m{i}", "relation": draw(st.sampled_from(RELATIONS))}
    for fact in schema.member.values():
        if fact.key not in m:
            m[fact.key] = a_value(draw, fact)
    return m


def all_facts(draw, schema: FactSchema) -> dict:
    facts = {f.key: a_value(draw, f) for f in schema.case.values()}
    facts["members"] = [a_member(draw, schema, i) for i in range(1, draw(st.integers(0, 3)) + 1)]
    return facts


# --- rules ------------------------------------------------------------------------------------


class Ctx:
    def __init__(self, schema: FactSchema, per_member: bool, inside: bool = False):
        self.schema, self.per_member, self.inside = schema, per_member, inside

    def vars(self, kinds=TYPES) -> list[tuple[dict, Fact]]:
        """The facts readable here, as {"var": …} and their Fact."""
        if self.inside:
            found = [({"var": k}, f) for k, f in self.schema.member.items()]
        else:
            found = [({"var": k}, f) for k, f in self.schema.case.items()]
            if self.per_member:
                found += [({"var": f"member.{k}"}, f) for k, f in self.schema.member.items()]
        return [(v, f) for v, f in found if f.type in kinds]

    def item(self) -> Ctx:
        return Ctx(self.schema, self.per_member, inside=True)


def const_for(draw, fact: Fact):
    if fact.type == "choice" and not fact.choices:  # the built-in member key
        return draw(st.sampled_from(("m1", "m2", "x")))
    return a_value(draw, fact)


def number(draw, ctx: Ctx, depth: int):
    kinds = ["const", "const"]
    if ctx.vars(("number",)):
        kinds += ["var", "var", "var"]
    if depth > 0:
        kinds += ["arith", "arith", "if"]
    kind = draw(st.sampled_from(kinds))
    if kind == "const":
        return draw(NUMBERS)
    if kind == "var":
        return draw(st.sampled_from(ctx.vars(("number",))))[0]
    if kind == "if":
        return {"if": [boolean(draw, ctx, depth - 1), number(draw, ctx, depth - 1), number(draw, ctx, depth - 1)]}
    op = draw(st.sampled_from(["+", "-", "*", "/", "min", "max"]))
    if op == "/":  # panzi raises on division by zero
        return {"/": [number(draw, ctx, depth - 1), draw(NONZERO)]}
    high = 2 if op == "-" else 3
    args = [number(draw, ctx, depth - 1) for _ in range(draw(st.integers(1, high)))]
    return {op: args if len(args) > 1 or draw(st.booleans()) else args[0]}


def date_value(draw, ctx: Ctx):
    found = ctx.vars(("date",))
    if found and draw(st.booleans()):
        return draw(st.sampled_from(found))[0]
    return draw(st.sampled_from(DATES))


def boolean(draw, ctx: Ctx, depth: int):
    kinds = ["const", "eq", "eq", "order", "order", "in_list", "in_str", "truthy"]
    if ctx.vars(("bool",)):
        kinds += ["var", "var"]
    if depth > 0:
        kinds += ["and", "and", "or", "or", "not", "if", "eq_bool"] * 2
        if not ctx.inside:
            kinds += ["quant"] * 4
    kind = draw(st.sampled_from(kinds))
    if kind == "const":
        return draw(st.booleans())
    if kind == "var":
        return draw(st.sampled_from(ctx.vars(("bool",))))[0]
    if kind == "eq":
        op = draw(st.sampled_from(["==", "!=", "===", "!=="]))
        var, fact = draw(st.sampled_from(ctx.vars()))
        other_kind = draw(st.sampled_from(["const", "const", "var", "expr"]))
        if other_kind == "var":
            other = draw(st.sampled_from([v for v, f in ctx.vars((fact.type,)) if _comparable(f, fact)]))
        elif other_kind == "expr" and fact.type == "number":
            other = number(draw, ctx, max(depth - 1, 0))
        elif other_kind == "expr" and fact.type == "bool":
            other = boolean(draw, ctx, max(depth - 1, 0))
        else:
            other = const_for(draw, fact)
        pair = [var, other] if draw(st.booleans()) else [other, var]
        return {op: pair}
    if kind == "order":
        op = draw(st.sampled_from(["<", "<=", ">", ">="]))
        n = 3 if op in ("<", "<=") and draw(st.booleans()) else 2
        if draw(st.booleans()) or not ctx.vars(("date",)):
            args = [number(draw, ctx, max(depth - 1, 0)) for _ in range(n)]
        else:
            args = [date_value(draw, ctx) for _ in range(n)]
        return {op: args}
    if kind == "in_list":
        var, fact = draw(st.sampled_from(ctx.vars()))
        values = [const_for(draw, fact) for _ in range(draw(st.integers(0, 3)))]
        return {"in": [var, values]}
    if kind == "in_str":
        strings = ctx.vars(("choice", "date"))
        var = draw(st.sampled_from(strings))[0]
        if draw(st.booleans()):
            return {"in": [draw(st.sampled_from(NEEDLES)), var]}
        return {"in": [var, draw(st.sampled_from(("a b ab", "2026-04-01 2027-01-01", "m1 m2", "")))]}
    if kind == "truthy":
        pick = draw(st.sampled_from(["number", "string", "bool"]))
        if pick == "number":
            arg = number(draw, ctx, max(depth - 1, 0))
        elif pick == "string":
            arg = draw(st.sampled_from(ctx.vars(("choice", "date"))))[0]
        else:
            arg = boolean(draw, ctx, max(depth - 1, 0))
        return {"!!": arg if draw(st.booleans()) else [arg]}
    if kind in ("and", "or"):
        return {kind: [boolean(draw, ctx, depth - 1) for _ in range(draw(st.integers(1, 3)))]}
    if kind == "not":
        arg = boolean(draw, ctx, depth - 1)
        return {"!": arg if draw(st.booleans()) else [arg]}
    if kind == "if":
        n = draw(st.sampled_from([3, 3, 5]))
        return {"if": [boolean(draw, ctx, depth - 1) for _ in range(n)]}
    if kind == "eq_bool":
        op = draw(st.sampled_from(["==", "!=", "===", "!=="]))
        return {op: [boolean(draw, ctx, depth - 1), boolean(draw, ctx, depth - 1)]}
    op = draw(st.sampled_from(["some", "all", "none"]))
    return {op: [{"var": "members"}, boolean(draw, ctx.item(), depth - 1)]}


def _comparable(a: Fact, b: Fact) -> bool:
    return a.type == b.type


@st.composite
def cases(draw, per_member: bool, max_depth: int = 4):
    schema = draw(schemas())
    rule = boolean(draw, Ctx(schema, per_member), draw(st.sampled_from([*range(1, max_depth + 1), 0])))
    facts = all_facts(draw, schema)
    member = None
    if per_member:
        member = draw(st.sampled_from(facts["members"])) if facts["members"] else a_member(draw, schema, 9)
    return schema, rule, facts, member


def reference(rule, facts, member):
    data = {**facts, "member": member} if member is not None else facts
    return jsonLogic(rule, data)


def check_against_reference(schema, rule, facts, member):
    fn = compile_rule(rule, schema, name="generated", per_member=member is not None)
    want = reference(rule, facts, member)
    got = fn(facts, member)
    assert type(want) is bool, (rule, want)
    assert got is want, f"{rule!r}\n{facts!r}\nmember={member!r}\ncompiled {got!r}, JsonLogic {want!r}\n{fn.source}"
    assert evaluate(rule, facts, member) is want


@settings(PROFILE, max_examples=5_000)
@given(cases(per_member=False))
def test_case_rules_match_jsonlogic(case):
    check_against_reference(*case)


@settings(PROFILE, max_examples=5_000)
@given(cases(per_member=True))
def test_member_rules_match_jsonlogic(case):
    check_against_reference(*case)


@settings(PROFILE, max_examples=2_000)
@given(st.booleans().flatmap(lambda pm: cases(per_member=pm)), st.data())
def test_unknown_facts_are_sound(case, data):
    """Hiding facts: compiled == interpreted, and a known result holds for the full facts."""
    schema, rule, facts, member = case
    fn = compile_rule(rule, schema, name="generated", per_member=member is not None)
    full = fn(facts, member)
    hide = data.draw(st.sets(st.sampled_from(sorted(facts))), label="hidden case facts")
    partial = {k: (None if k in hide and k != "members" else v) for k, v in facts.items()}
    if "members" in hide:  # hide some member answers instead of the list
        partial["members"] = [
            {k: v for k, v in m.items() if data.draw(st.booleans(), label="keep member answer")}
            for m in facts["members"]
        ]
    part_member = None
    if member is not None:
        part_member = {k: v for k, v in member.items() if data.draw(st.booleans(), label="keep answer")}
    got = fn(partial, part_member)
    assert got is evaluate(rule, partial, part_member), fn.source
    if got is not None:
        assert got is full, f"{rule!r}: {got!r} with facts missing but {full!r} with all of them"


@settings(PROFILE, max_examples=3_000)
@given(st.booleans().flatmap(lambda pm: cases(per_member=pm)))
def test_conditions_worked_out_once_are_those_that_held(case):
    """For a rule whose conditions do not depend on the facts, they are what held, whenever it is true."""
    _, rule, facts, member = case
    once = conditions_when_true(rule)
    if once is not None and evaluate(rule, facts, member) is True:
        assert once == true_conditions(rule, facts, member), rule
