"""Rules that cannot be accepted: each error names the rule, the place in it (a JSON pointer) and
the problem, when the rule is saved or loaded — never at evaluation time."""

from __future__ import annotations

import pytest

from procedures.engine.rules import Fact, FactSchema, RuleError, compile_rule, validate_rule

SCHEMA = FactSchema.build(
    [
        Fact("move_type", "choice", ("in_from_other", "within", "out")),
        Fact("has_car", "bool"),
        Fact("move_in_date", "date"),
        Fact("household_income", "number"),
    ],
    [
        Fact("age", "number"),
        Fact("insurance", "choice", ("national", "employee")),
        Fact("disabled", "yes_no"),
    ],
)


def error(rule, *, per_member=False, name="procedure x applies_if") -> RuleError:
    with pytest.raises(RuleError) as info:
        validate_rule(rule, SCHEMA, name=name, per_member=per_member)
    # compile_rule validates first, with the same verdict
    with pytest.raises(RuleError) as again:
        compile_rule(rule, SCHEMA, name=name, per_member=per_member)
    assert (again.value.message, again.value.path) == (info.value.message, info.value.path)
    return info.value


def test_the_message_names_the_rule_and_the_place():
    e = error({"and": [{"var": "has_car"}, {"==": [{"var": "move_typ"}, "out"]}]})
    assert e.rule_name == "procedure x applies_if"
    assert e.path == "/and/1/==/0"
    assert str(e) == f"procedure x applies_if at /and/1/==/0: {e.message}"


def test_unknown_fact():
    e = error({"and": [{"var": "has_car"}, {"==": [{"var": "move_typ"}, "out"]}]})
    assert e.message == "unknown fact 'move_typ' (did you mean 'move_type'?)"


def test_unknown_member_fact_inside_some():
    e = error({"some": [{"var": "members"}, {"==": [{"var": "insurence"}, "national"]}]})
    assert e.path == "/some/1/==/0"
    assert e.message == "unknown member fact 'insurence' (did you mean 'insurance'?)"


def test_unsupported_operator():
    e = error({"or": [{"var": "has_car"}, {"cat": ["a", "b"]}]})
    assert e.path == "/or/1"
    assert e.message.startswith("unsupported operator 'cat'; supported: var == != === !== ! !! and or if")


@pytest.mark.parametrize(
    ("rule", "path", "message"),
    [
        ({"==": [{"var": "has_car"}]}, "/", "'==' needs 2 arguments, got 1"),
        ({"!": [{"var": "has_car"}, True]}, "/", "'!' needs 1 argument, got 2"),
        ({"and": [True, {">": [{"var": "household_income"}, 1, 2]}]}, "/and/1", "'>' needs 2 arguments, got 3"),
        ({"and": []}, "/", "'and' needs at least 1 argument, got 0"),
        ({"if": [{"var": "has_car"}, True]}, "/",
         "'if' needs an odd number of arguments, at least 3 (condition, then, [condition, then, …] else), got 2"),
        ({"some": [{"var": "members"}]}, "/", "'some' needs 2 arguments, got 1"),
    ],
)  # fmt: skip
def test_wrong_arity(rule, path, message):
    e = error(rule)
    assert (e.path, e.message) == (path, message)


def test_number_compared_with_text():
    e = error({"and": [{"var": "has_car"}, {">=": [{"var": "household_income"}, "300"]}]})
    assert e.path == "/and/1/>=/1"
    assert e.message == "'>=' compares numbers or dates; \"300\" is neither (write dates as YYYY-MM-DD)"
    e = error({"==": [{"var": "member.age"}, "15"]}, per_member=True)
    assert e.path == "/"
    assert e.message == "cannot compare 'age' (number) with \"15\" (text)"


def test_choice_value_not_among_the_choices_lists_them():
    e = error({"and": [{"==": [{"var": "move_type"}, "moving_in"]}, {"var": "has_car"}]})
    assert e.path == "/and/0/==/1"
    assert e.message == "\"moving_in\" is not a choice of 'move_type'; its choices are: in_from_other, within, out"
    e = error({"in": [{"var": "move_type"}, ["out", "abroad"]]})
    assert e.path == "/in/1/1"
    assert "its choices are: in_from_other, within, out" in e.message


def test_ordering_a_choice_or_a_yes_no():
    e = error({"<": [{"var": "move_type"}, "out"]})
    assert (e.path, e.message) == ("/</0", "'<' compares numbers or dates, not 'move_type' (choice)")
    e = error({">": [{"var": "has_car"}, 0]})
    assert (e.path, e.message) == ("/>/0", "'>' compares numbers or dates, not 'has_car' (yes/no)")


def test_date_compared_with_something_that_is_not_a_date():
    e = error({"==": [{"var": "move_in_date"}, "2026-02-30"]})
    assert e.path == "/==/1"
    assert e.message == "'move_in_date' is a date; compare it with a date written YYYY-MM-DD, not \"2026-02-30\""


def test_non_boolean_top_level():
    e = error({"var": "member.age"}, per_member=True)
    assert (e.path, e.message) == ("/", "a rule must give true or false, but this one gives a number")
    e = error("out")
    assert (e.path, e.message) == ("/", "a rule must give true or false, but this one gives a text")


def test_non_boolean_operand_of_and_or_not():
    e = error({"and": [{"var": "has_car"}, {"var": "household_income"}]})
    assert e.path == "/and/1"
    assert e.message == "each argument of 'and' must be true or false, but 'household_income' (number) is not"
    e = error({"!": {"var": "move_type"}})
    assert e.path == "/!"
    assert e.message == "the argument of '!' must be true or false, but 'move_type' (choice) is not"


def test_member_fact_in_a_case_rule():
    e = error({"and": [{"var": "has_car"}, {"<": [{"var": "member.age"}, 15]}]})
    assert e.path == "/and/1/</0"
    assert e.message == (
        "'member.age' is a member fact, but this rule is per case: "
        "use some / all / none over members and read 'age' inside"
    )
    e = error({"<": [{"var": "age"}, 15]})
    assert e.message == "unknown fact 'age' ('age' is a member fact: use some / all / none over members)"


def test_bad_members_iteration():
    e = error({"some": [{"var": "people"}, True]})
    assert (e.path, e.message) == ("/some/0", 'the first argument of \'some\' must be {"var": "members"}')
    e = error({"all": [{"var": "members"}, {"var": "has_car"}]})
    assert e.path == "/all/1"
    assert e.message == (
        "'has_car' is a case fact and cannot be read inside some / all / none "
        "(only the member's own facts are available there)"
    )
    e = error({"none": [{"var": "members"}, {"var": "age"}]})
    assert (e.path, e.message) == (
        "/none/1",
        "the condition of 'none' must be true or false, but 'age' (number) is not",
    )
    e = error({"==": [{"var": "members"}, 2]})
    assert (e.path, e.message) == ("/==/0", "'members' can only be the first argument of some / all / none")
    e = error({"some": [{"var": "members"}, {"==": [{"var": "member.age"}, 3]}]}, per_member=True)
    assert e.path == "/some/1/==/0"
    assert e.message == "inside some / all / none, read the member's facts by their bare name ('age', not 'member.age')"


def test_too_deep():
    rule = {"var": "has_car"}
    for _ in range(60):
        rule = {"!": [rule]}
    e = error(rule)
    assert e.message == "the rule is nested too deeply (more than 50 levels)"
    assert e.path == "/!/0" * 50
    # absurd depth is still a RuleError, not a RecursionError
    for _ in range(5000):
        rule = {"!": rule}
    e = error(rule)
    assert e.message == "the rule is nested too deeply (more than 50 levels)"


def test_junk():
    assert error([{"var": "has_car"}]).message == "a list is only allowed as the list of values of 'in'"
    e = error({"and": [{"var": "has_car"}, {"var": "has_car", "extra": 1}]})
    assert e.path == "/and/1"
    assert e.message == "an operation must be an object with exactly one key (its operator), found 2: 'var', 'extra'"
    assert error({"==": [{"var": "has_car"}, None]}).message == "null is not allowed in a rule"
    assert error({}).message == "an operation must be an object with exactly one key (its operator), found 0: "


def test_var_defaults_are_rejected():
    e = error({"==": [{"var": ["move_type", "out"]}, "out"]})
    assert (e.path, e.message) == (
        "/==/0/var/1",
        "default values in 'var' are not supported (an unanswered fact is unknown)",
    )


def test_pointer_escapes_operator_names():
    e = error({"<": [{"/": [{"var": "household_income"}, "x"]}, 3]})
    assert e.path == "/</0/~1/1"


def test_valid_rules_pass():
    for rule, per_member in [
        (True, False),
        ({"==": [{"var": "member.insurance"}, "national"]}, True),
        ({"<=": [20, {"var": "member.age"}, 59]}, True),
        ({"some": [{"var": "members"}, {"and": [{">=": [{"var": "age"}, 65]}, {"var": "disabled"}]}]}, False),
        ({"if": [{"var": "has_car"}, {">=": [{"var": "move_in_date"}, "2026-04-01"]}, False]}, False),
        ({"in": ["in", {"var": "move_type"}]}, False),
        ({"===": [{"var": "member.relation"}, "child"]}, True),
    ]:
        validate_rule(rule, SCHEMA, name="ok", per_member=per_member)


def test_builtin_relation_has_fixed_choices():
    e = error({"===": [{"var": "member.relation"}, "kid"]}, per_member=True)
    assert e.message == (
        "\"kid\" is not a choice of 'relation'; its choices are: self, spouse, child, parent, deceased, other"
    )


def test_schema_rejects_redefining_builtins():
    with pytest.raises(ValueError, match="built-in"):
        FactSchema.build([Fact("event_date", "number")], [])
    with pytest.raises(ValueError, match="reserved"):
        FactSchema.build([Fact("members", "number")], [])
    with pytest.raises(ValueError, match="unknown type"):
        Fact("x", "text")
