"""The interpreter's fast paths give what the plain ones give."""

from collections import UserDict

import pytest

from procedures.engine.rules import evaluate, true_conditions

FACTS = {
    "move_type": "in_from_other",
    "has_car": False,
    "members": [{"relation": "self", "age": 70, "insurance": "national"}, {"relation": "child", "age": 4}],
}
RULES = [
    {"==": [{"var": "move_type"}, "in_from_other"]},
    {"and": [{"in": [{"var": "move_type"}, ["in_from_other", "abroad_in"]]}, {"!": {"var": "has_car"}}]},
    {"or": [{"var": "has_car"}, {"some": [{"var": "members"}, {">=": [{"var": "age"}, 65]}]}]},
    {"if": [{"var": "has_car"}, False, {"!=": [{"var": "member.insurance"}, "employee"]}]},
]
MEMBER = FACTS["members"][0]


@pytest.mark.parametrize("rule", RULES)
def test_known_true_skips_only_the_check(rule):
    assert evaluate(rule, FACTS, MEMBER) is True
    assert true_conditions(rule, FACTS, MEMBER, known_true=True) == true_conditions(rule, FACTS, MEMBER)
    assert true_conditions(rule, FACTS, MEMBER)


def test_a_rule_that_is_not_true_still_has_no_reasons():
    assert true_conditions({"var": "has_car"}, FACTS, MEMBER) == []


def test_rules_held_in_other_mappings_read_as_dicts():
    for rule in RULES:
        wrapped = UserDict(rule)
        assert evaluate(wrapped, FACTS, MEMBER) == evaluate(rule, FACTS, MEMBER)


def test_conditions_worked_out_once_only_for_rules_that_always_give_the_same():
    from procedures.engine.rules import conditions_when_true

    assert conditions_when_true(RULES[0]) == [RULES[0]]
    assert conditions_when_true(RULES[1]) == [RULES[1]["and"][0], {"!": {"var": "has_car"}}]
    assert conditions_when_true({"!": {"or": [{"var": "a"}, {"var": "b"}]}}) == [
        {"!": {"var": "a"}},
        {"!": {"var": "b"}},
    ]
    assert conditions_when_true(True) == []
    for rule in RULES[2:]:  # an or, an if: which part held depends on the facts
        assert conditions_when_true(rule) is None
    assert conditions_when_true({"some": [{"var": "members"}, {"var": "age"}]}) is None
