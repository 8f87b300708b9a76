"""Rules in words (ja, en, やさしい日本語), what a rule reads, and why an item applies."""

from __future__ import annotations

import pytest

from procedures.engine.render import QuestionText, render_condition, render_rule
from procedures.engine.rules import facts_read, true_conditions


def q(ja, en, easy, **choices):
    return QuestionText(text={"ja": ja, "en": en, "easy": easy}, choices=choices)


def c(ja, en, easy):
    return {"ja": ja, "en": en, "easy": easy}


QUESTIONS = {
    "move_type": q(
        "転入・転出の種類", "Type of move", "ひっこしの しゅるい",
        in_from_other=c("市外からの転入", "Moving in from another municipality", "ほかの まちから くる"),
        out=c("市外への転出", "Moving out of the city", "ほかの まちへ いく"),
    ),
    "insurance": q(
        "加入している健康保険", "Health insurance", "けんこうほけん",
        national=c("国民健康保険", "National Health Insurance", "こくみん けんこうほけん"),
        employee=c("勤務先の健康保険", "Employee health insurance", "かいしゃの けんこうほけん"),
    ),
    "age": q("年齢", "Age", "ねんれい"),
    "has_car": q("自動車を持っている", "Owns a car", "くるまを もって いる"),
    "move_in_date": q("転入した日", "Date you moved in", "ひっこした ひ"),
}  # fmt: skip

KOKUHO = {
    "and": [
        {"==": [{"var": "move_type"}, "in_from_other"]},
        {"some": [{"var": "members"}, {"==": [{"var": "insurance"}, "national"]}]},
    ]
}
CHILD = {"and": [{"<": [{"var": "member.age"}, 15]}, {"==": [{"var": "member.relation"}, "child"]}]}
PENSION = {"or": [{"<=": [65, {"var": "member.age"}, 74]}, {"!": {"var": "has_car"}}]}
CAR = {"if": [{"var": "has_car"}, {">=": [{"var": "move_in_date"}, "2026-04-01"]}, False]}

EXPECTED = {
    "ja": [
        ({"==": [{"var": "member.insurance"}, "national"]}, "「加入している健康保険」が「国民健康保険」"),
        (KOKUHO, "「転入・転出の種類」が「市外からの転入」、かつ世帯に「加入している健康保険」が「国民健康保険」の人がいる"),
        (CHILD, "「年齢」が15未満、かつ「続柄」が「子」"),
        (PENSION, "「年齢」が65以上74以下、または「自動車を持っている」が「いいえ」"),
        ({">=": [{"var": "member.age"}, 15]}, "「年齢」が15以上"),
        ({"none": [{"var": "members"}, {">=": [{"var": "age"}, 65]}]}, "世帯に「年齢」が65以上の人がいない"),
        ({"all": [{"var": "members"}, {">=": [{"var": "age"}, 20]}]}, "世帯の全員について「年齢」が20以上"),
        ({"!": {"in": [{"var": "move_type"}, ["in_from_other", "out"]]}},
         "「転入・転出の種類」が「市外からの転入」「市外への転出」のいずれでもない"),
        (CAR, "「自動車を持っている」が「はい」の場合は「転入した日」が2026年4月1日以降、そうでない場合は該当しない"),
        ({"<": [{"var": "event_date"}, "2026-01-01"]}, "「出来事の日」が2026年1月1日より前"),
        (True, "常に該当"),
    ],
    "en": [
        ({"==": [{"var": "member.insurance"}, "national"]}, "“Health insurance” is “National Health Insurance”"),
        (KOKUHO, "“Type of move” is “Moving in from another municipality” and someone in the household "
                 "for whom “Health insurance” is “National Health Insurance”"),
        (CHILD, "“Age” is less than 15 and “Relationship” is “Child”"),
        (PENSION, "“Age” is from 65 to 74 or “Owns a car” is “no”"),
        ({">=": [{"var": "member.age"}, 15]}, "“Age” is 15 or more"),
        ({"!": {"and": [{"var": "has_car"}, {"==": [{"var": "move_type"}, "out"]}]}},
         "not (“Owns a car” is “yes” and “Type of move” is “Moving out of the city”)"),
        (CAR, "if “Owns a car” is “yes”: “Date you moved in” is on or after 1 April 2026; otherwise it does not apply"),
        ({"in": [{"var": "move_type"}, ["in_from_other", "out"]]},
         "“Type of move” is one of “Moving in from another municipality”, “Moving out of the city”"),
        (True, "always"),
    ],
    "easy": [
        ({"==": [{"var": "member.insurance"}, "national"]}, "「けんこうほけん」が 「こくみん けんこうほけん」"),
        (KOKUHO, "「ひっこしの しゅるい」が 「ほかの まちから くる」、そして "
                 "かぞくに 「けんこうほけん」が 「こくみん けんこうほけん」の ひとが いる"),
        (CHILD, "「ねんれい」が 15より ちいさい、そして 「かぞくの なかの たちば」が 「こども」"),
        (PENSION, "「ねんれい」が 65いじょう 74いか、または 「くるまを もって いる」が 「いいえ」"),
        ({"some": [{"var": "members"}, {"!=": [{"var": "insurance"}, "national"]}]},
         "かぞくに 「けんこうほけん」が 「こくみん けんこうほけん」では ない ひとが いる"),
        ({">=": [{"var": "move_in_date"}, "2026-04-01"]}, "「ひっこした ひ」が 2026ねん 4がつ 1にちから あと"),
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "rule", "want"), [(lang, rule, want) for lang, pairs in EXPECTED.items() for rule, want in pairs]
)
def test_render_rule(lang, rule, want):
    assert render_rule(rule, lang=lang, questions=QUESTIONS) == want


def test_unknown_questions_fall_back_to_the_key_and_the_value():
    rule = {"==": [{"var": "member.pension"}, "category1"]}
    assert render_rule(rule, lang="ja", questions={}) == "「pension」が「category1」"
    assert render_rule(rule, lang="en", questions={}) == "“pension” is “category1”"


def test_rendering_never_raises():
    odd = [
        {"+": [1, 2]},
        {"min": [{"var": "member.age"}, 3]},
        {"==": [{"-": [{"var": "member.age"}]}, {"/": [{"var": "member.age"}, 2]}]},
        {"!!": [{"var": "move_type"}]},
        {"in": ["in", {"var": "move_type"}]},
        {"if": [{"var": "has_car"}, True, {"var": "has_car"}, False, True]},
        {"some": [{"var": "members"}, True]},
        {"nonsense": 1},
        {"a": 1, "b": 2},
        [1, 2],
        None,
    ]
    for rule in odd:
        for lang in ("ja", "en", "easy"):
            assert isinstance(render_rule(rule, lang=lang, questions=QUESTIONS), str)


FACTS = {
    "move_type": "in_from_other",
    "has_car": False,
    "members": [
        {"key": "m1", "relation": "self", "age": 40, "insurance": "employee"},
        {"key": "m2", "relation": "parent", "age": 70, "insurance": "national"},
    ],
}


def test_true_conditions_and_their_words():
    conds = true_conditions(KOKUHO, FACTS, None)
    assert conds == [
        {"==": [{"var": "move_type"}, "in_from_other"]},
        {"some": [{"var": "members"}, {"==": [{"var": "insurance"}, "national"]}]},
    ]
    words = [render_condition(x, lang="ja", questions=QUESTIONS, facts=FACTS) for x in conds]
    assert words == [
        "「転入・転出の種類」が「市外からの転入」",
        "世帯に「加入している健康保険」が「国民健康保険」の人がいる（親）",
    ]
    words = [render_condition(x, lang="en", questions=QUESTIONS, facts=FACTS) for x in conds]
    assert words[1] == "someone in the household for whom “Health insurance” is “National Health Insurance” (Parent)"


def test_true_conditions_of_or_not_and_literals():
    assert true_conditions(True, FACTS, None) == []
    assert true_conditions(False, FACTS, None) == []
    assert true_conditions({"var": "has_car"}, FACTS, None) == []  # not true: no reasons
    member = FACTS["members"][1]
    # or: the first true branch only
    assert true_conditions(PENSION, FACTS, member) == [{"<=": [65, {"var": "member.age"}, 74]}]
    # ! of a leaf: the negated leaf, rendered as such
    assert true_conditions({"!": {"var": "has_car"}}, FACTS, None) == [{"!": {"var": "has_car"}}]
    assert (
        render_condition({"!": {"var": "has_car"}}, lang="ja", questions=QUESTIONS)
        == "「自動車を持っている」が「いいえ」"
    )
    # ! of and: the operand that was false
    rule = {"!": {"and": [{"==": [{"var": "move_type"}, "in_from_other"]}, {"var": "has_car"}]}}
    assert true_conditions(rule, FACTS, None) == [{"!": {"var": "has_car"}}]
    # some inside and: what held for the member, from its own leaves
    rule = {
        "some": [
            {"var": "members"},
            {"and": [{">=": [{"var": "age"}, 65]}, {"==": [{"var": "insurance"}, "national"]}]},
        ]
    }
    (cond,) = true_conditions(rule, FACTS, None)
    assert render_condition(cond, lang="ja", questions=QUESTIONS, facts=FACTS) == (
        "世帯に「年齢」が65以上、かつ「加入している健康保険」が「国民健康保険」の人がいる（親）"
    )
    # none true: nobody in the household
    rule = {"none": [{"var": "members"}, {"<": [{"var": "age"}, 18]}]}
    (cond,) = true_conditions(rule, FACTS, None)
    assert (
        render_condition(cond, lang="easy", questions=QUESTIONS)
        == "かぞくに 「ねんれい」が 18より ちいさい ひとが いない"
    )


def test_facts_read():
    assert facts_read(KOKUHO) == {"move_type", "members.insurance"}
    assert facts_read(CHILD) == {"member.age", "member.relation"}
    assert facts_read(PENSION) == {"member.age", "has_car"}
    assert facts_read(True) == frozenset()
    assert facts_read({"==": [{"var": ["move_type"]}, "out"]}) == {"move_type"}
