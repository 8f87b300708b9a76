"""Three-valued (Kleene) evaluation: an unanswered fact is unknown, not false.

Each case runs through both the compiled function and the interpreter (evaluate)."""

from __future__ import annotations

import pytest

from procedures.engine.rules import UNKNOWN, Fact, FactSchema, compile_rule, evaluate

SCHEMA = FactSchema.build(
    [
        Fact("move_type", "choice", ("in_from_other", "within", "out")),
        Fact("has_car", "bool"),
        Fact("has_seal", "bool"),
        Fact("move_in_date", "date"),
        Fact("income", "number"),
    ],
    [Fact("age", "number"), Fact("insurance", "choice", ("national", "employee")), Fact("disabled", "bool")],
)

T, F, U = True, False, UNKNOWN
CAR = {"var": "has_car"}
SEAL = {"var": "has_seal"}
OUT = {"==": [{"var": "move_type"}, "out"]}
SENIOR = {">=": [{"var": "age"}, 65]}


def run(rule, facts, member=None, *, per_member=False):
    fn = compile_rule(rule, SCHEMA, name="t", per_member=per_member)
    compiled = fn(facts, member)
    interpreted = evaluate(rule, facts, member)
    assert compiled is interpreted, (compiled, interpreted, fn.source)
    return compiled


def yes_no(value):
    return {} if value is U else {"has_car": value}


@pytest.mark.parametrize(
    ("op", "a", "b", "want"),
    [
        ("and", F, U, F), ("and", U, F, F), ("and", T, U, U), ("and", U, T, U), ("and", U, U, U), ("and", T, T, T),
        ("or", T, U, T), ("or", U, T, T), ("or", F, U, U), ("or", U, F, U), ("or", U, U, U), ("or", F, F, F),
    ],
)  # fmt: skip
def test_and_or_truth_tables(op, a, b, want):
    facts = {**yes_no(a)}
    if b is not U:
        facts["has_seal"] = b
    assert run({op: [CAR, SEAL]}, facts) is want


def test_and_or_with_three_operands():
    assert run({"and": [CAR, SEAL, OUT]}, {"has_car": True, "move_type": "within"}) is F
    assert run({"and": [CAR, SEAL, OUT]}, {"has_car": True, "move_type": "out"}) is U
    assert run({"or": [CAR, SEAL, OUT]}, {"has_car": False, "move_type": "out"}) is T
    assert run({"or": [CAR, SEAL, OUT]}, {"has_car": False, "move_type": "in_from_other"}) is U


def test_not_and_double_not():
    assert run({"!": CAR}, {}) is U
    assert run({"!": [CAR]}, {"has_car": None}) is U
    assert run({"!": CAR}, {"has_car": True}) is F
    assert run({"!!": CAR}, {}) is U
    assert run({"!!": [CAR]}, {"has_car": False}) is F
    assert run({"!!": {"var": "income"}}, {}) is U
    assert run({"!!": {"var": "income"}}, {"income": 0}) is F
    assert run({"!!": {"var": "income"}}, {"income": 0.5}) is T
    assert run({"!": {"and": [CAR, SEAL]}}, {"has_car": False}) is T


def test_comparisons_with_missing_facts():
    assert run(OUT, {}) is U
    assert run(OUT, {"move_type": None}) is U
    assert run({"!=": [{"var": "move_type"}, "out"]}, {}) is U
    assert run({"<": [{"var": "income"}, 300]}, {}) is U
    assert run({"<=": [100, {"var": "income"}, 300]}, {}) is U
    assert run({"<=": [100, {"var": "income"}, 300]}, {"income": 300}) is T
    assert run({">=": [{"var": "move_in_date"}, "2026-04-01"]}, {}) is U
    assert run({">=": [{"var": "move_in_date"}, "2026-04-01"]}, {"move_in_date": "2026-04-01"}) is T
    assert run({"in": [{"var": "move_type"}, ["out", "within"]]}, {}) is U
    assert run({"in": ["out", {"var": "move_type"}]}, {}) is U
    assert run({"==": [{"var": "income"}, {"var": "income"}]}, {}) is U
    assert run({"==": [{"+": [{"var": "income"}, 1]}, 2]}, {}) is U
    assert run({"==": [{"+": [{"var": "income"}, 1]}, 2]}, {"income": 1.0}) is T


def test_if_with_unknown_condition():
    rule = {"if": [CAR, SEAL, OUT]}
    assert run(rule, {"has_seal": True, "move_type": "out"}) is T  # both candidates true
    assert run(rule, {"has_seal": False, "move_type": "within"}) is F  # both false
    assert run(rule, {"has_seal": True, "move_type": "within"}) is U  # they differ
    assert run(rule, {"has_seal": True}) is U  # one unknown
    assert run(rule, {"has_car": True, "has_seal": True}) is T  # the other branch is not needed
    assert run(rule, {"has_car": False, "move_type": "out"}) is T
    # chained: if(c1, v1, c2, v2, else)
    chain = {"if": [CAR, True, SEAL, False, OUT]}
    assert run(chain, {"has_car": False, "has_seal": True}) is F
    assert run(chain, {"has_car": False}) is U
    assert run(chain, {"has_seal": False, "move_type": "out"}) is T  # every candidate is true
    # a number-valued if: unknown unless every candidate value is the same
    assert run({">": [{"if": [CAR, 10, 10.0]}, 5]}, {}) is T
    assert run({">": [{"if": [CAR, 10, 20]}, 5]}, {}) is U


def members(*ms):
    return {"members": [{"key": f"m{i}", "relation": "self", **m} for i, m in enumerate(ms, 1)]}


def test_some_all_none_with_unknown_members():
    some, all_, none = ({q: [{"var": "members"}, SENIOR]} for q in ("some", "all", "none"))
    cases = [
        # members                                   some all none
        ((),                                         (F, F, T)),  # all over an empty list is false
        (({"age": 70},),                             (T, T, F)),
        (({"age": 30},),                             (F, F, T)),
        (({},),                                      (U, U, U)),
        (({"age": 70}, {}),                          (T, U, F)),
        (({"age": 30}, {}),                          (U, F, U)),
        (({}, {"age": 30}),                          (U, F, U)),
        (({}, {"age": 70}),                          (T, U, F)),
        (({"age": 70}, {"age": 80}),                 (T, T, F)),
    ]  # fmt: skip
    for ms, (want_some, want_all, want_none) in cases:
        facts = members(*ms)
        assert (run(some, facts), run(all_, facts), run(none, facts)) == (want_some, want_all, want_none), ms


def test_members_list_missing_is_unknown():
    for q in ("some", "all", "none"):
        assert run({q: [{"var": "members"}, SENIOR]}, {}) is U


def test_some_with_a_compound_condition():
    rule = {"some": [{"var": "members"}, {"and": [SENIOR, {"var": "disabled"}]}]}
    assert run(rule, members({"age": 70, "disabled": False}, {"age": 66})) is U
    assert run(rule, members({"age": 70, "disabled": False}, {"age": 60})) is F
    assert run(rule, members({"age": 70}, {"age": 66, "disabled": True})) is T
    inside_or = {"some": [{"var": "members"}, {"or": [SENIOR, {"var": "disabled"}]}]}
    assert run(inside_or, members({"age": 30}, {"disabled": True})) is T
    assert run(inside_or, members({"age": 30}, {"age": 20})) is U


def test_per_member_rules():
    rule = {"and": [{"<": [{"var": "member.age"}, 15]}, {"==": [{"var": "member.relation"}, "child"]}]}
    child = {"key": "m2", "relation": "child", "age": 3}
    assert run(rule, {}, child, per_member=True) is T
    assert run(rule, {}, {**child, "age": None}, per_member=True) is U
    assert run(rule, {}, {"key": "m2", "relation": "self"}, per_member=True) is F  # self decides it
    assert run(rule, {}, None, per_member=True) is U  # no member given: everything unknown
    mixed = {"or": [{"==": [{"var": "member.insurance"}, "national"]}, CAR]}
    assert run(mixed, {"has_car": True}, {"key": "m1"}, per_member=True) is T
    assert run(mixed, {"has_car": False}, {"key": "m1"}, per_member=True) is U
    assert run(mixed, {"has_car": False}, {"key": "m1", "insurance": "employee"}, per_member=True) is F


def test_literals():
    assert run(True, {}) is T
    assert run(False, {}) is F
    assert run({"and": [True, CAR]}, {}) is U
    assert run({"or": [False, CAR]}, {"has_car": True}) is T


def test_results_are_exactly_true_false_or_none():
    fn = compile_rule({"and": [CAR, OUT]}, SCHEMA, name="t", per_member=False)
    for facts in ({}, {"has_car": True, "move_type": "out"}, {"has_car": False}):
        assert fn(facts, None) in (True, False, None)
        assert type(fn(facts, None)) in (bool, type(None))


def test_evaluations_do_not_share_state():
    fn = compile_rule({"some": [{"var": "members"}, SENIOR]}, SCHEMA, name="t", per_member=False)
    assert fn(members({"age": 70}), None) is T
    assert fn(members({"age": 10}), None) is F
    assert fn(members({}), None) is U
    assert fn(members({"age": 70}), None) is T
