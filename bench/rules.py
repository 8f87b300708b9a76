"""Benchmark: compiled rules vs panzi-json-logic (the reference) vs datalogic-py (Rust).

    python -m bench.rules            (from the project root, with the venv)

Rules come from fixtures/catalogue/national (procedures' and documents' applies_if, typed by
the questions) when that folder has procedures, else from the catalogue-like set below.
Households are random but realistic (1–5 members, seeded). Every (rule, facts) pair is first
checked to give the same answer in all engines; then each engine evaluates every pair in a
loop, several times, and the fastest run counts (timeit style, gc off). The loop itself is
included in every engine's time.

datalogic-py is used the documented fast way: Engine.compile once per rule, then
Rule.evaluate(data) with the Python dict (the engine walks the dict straight into its arena).
Its pre-parsed DataHandle path is also shown, once without and once with the cost of building
the handles (json.dumps + DataHandle per distinct data); the JSON line takes the faster of the
paths that start from the same Python data the other engines get.

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import sys
import time
from pathlib import Path

import datalogic_py
from json_logic import jsonLogic

from procedures.engine.rules import Fact, FactSchema, RuleError, compile_rule

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "fixtures" / "catalogue" / "national"
REPEATS = 7

# --- the built-in, catalogue-like set -------------------------------------------------------

CASE_FACTS = [
    Fact("move_type", "choice", ("in_from_other", "in_from_abroad", "within", "out", "out_abroad")),
    Fact("has_car", "bool"),
    Fact("has_seal_registration", "bool"),
    Fact("move_in_date", "date"),
]
MEMBER_FACTS = [
    Fact("age", "number"),
    Fact("insurance", "choice", ("national", "employee", "employee_dependent", "late_elderly", "welfare")),
    Fact("pension", "choice", ("category1", "category2", "category3", "receiving", "none")),
    Fact("disability_certificate", "bool"),
    Fact("school", "choice", ("none", "nursery", "elementary", "junior_high", "high")),
]

INLINE_RULES = [
    # 国民健康保険: moving in from another municipality, someone on 国保
    ("kokuho_tennyu", False, {"and": [
        {"in": [{"var": "move_type"}, ["in_from_other", "in_from_abroad"]]},
        {"some": [{"var": "members"}, {"==": [{"var": "insurance"}, "national"]}]},
    ]}),
    # 児童手当: a child under 18 (高校生年代まで)
    ("jidou_teate", True, {"and": [
        {"<": [{"var": "member.age"}, 18]},
        {"==": [{"var": "member.relation"}, "child"]},
    ]}),
    # 国民年金 第1号: 20 to 59 and category 1
    ("kokumin_nenkin", True, {"and": [
        {"<=": [20, {"var": "member.age"}, 59]},
        {"==": [{"var": "member.pension"}, "category1"]},
        {"!=": [{"var": "move_type"}, "within"]},
    ]}),
    # 後期高齢者医療: 75 or over, or 65–74 with a disability certificate
    ("kouki_koureisha", True, {"or": [
        {">=": [{"var": "member.age"}, 75]},
        {"and": [{"<=": [65, {"var": "member.age"}, 74]}, {"var": "member.disability_certificate"}]},
    ]}),
    # 転出届
    ("tenshutsu", False, {"in": [{"var": "move_type"}, ["out", "out_abroad"]]}),
    # 介護保険: someone 65 or over moving in
    ("kaigo_hoken", False, {"and": [
        {"!": {"in": [{"var": "move_type"}, ["within", "out", "out_abroad"]]}},
        {"some": [{"var": "members"}, {">=": [{"var": "age"}, 65]}]},
    ]}),
    # 転校: school-age child, moving in (not within the city)
    ("tenkou", True, {"and": [
        {"in": [{"var": "member.school"}, ["elementary", "junior_high"]]},
        {"==": [{"var": "member.relation"}, "child"]},
        {"in": [{"var": "move_type"}, ["in_from_other", "in_from_abroad"]]},
    ]}),
    # 自動車の住所変更: a car, and a move in from elsewhere after the date the rule changed
    ("jidousha", False, {"if": [
        {"var": "has_car"},
        {"and": [{"!=": [{"var": "move_type"}, "out_abroad"]}, {">=": [{"var": "move_in_date"}, "2026-04-01"]}]},
        False,
    ]}),
    # 印鑑登録の廃止: registered seal, moving out, nobody left on the register
    ("inkan_haishi", False, {"and": [
        {"var": "has_seal_registration"},
        {"==": [{"var": "move_type"}, "out"]},
        {"none": [{"var": "members"}, {"==": [{"var": "relation"}, "other"]}]},
    ]}),
]  # fmt: skip


def _hand_written():
    """The same rules written by hand in Python (two-valued, every fact known): a floor."""

    def kokuho_tennyu(f, m):
        return f["move_type"] in ("in_from_other", "in_from_abroad") and any(
            x["insurance"] == "national" for x in f["members"]
        )

    def jidou_teate(f, m):
        return m["age"] < 18 and m["relation"] == "child"

    def kokumin_nenkin(f, m):
        return 20 <= m["age"] <= 59 and m["pension"] == "category1" and f["move_type"] != "within"

    def kouki_koureisha(f, m):
        return m["age"] >= 75 or (65 <= m["age"] <= 74 and m["disability_certificate"])

    def tenshutsu(f, m):
        return f["move_type"] in ("out", "out_abroad")

    def kaigo_hoken(f, m):
        return f["move_type"] not in ("within", "out", "out_abroad") and any(x["age"] >= 65 for x in f["members"])

    def tenkou(f, m):
        return (
            m["school"] in ("elementary", "junior_high")
            and m["relation"] == "child"
            and f["move_type"] in ("in_from_other", "in_from_abroad")
        )

    def jidousha(f, m):
        return f["move_type"] != "out_abroad" and f["move_in_date"] >= "2026-04-01" if f["has_car"] else False

    def inkan_haishi(f, m):
        return (
            f["has_seal_registration"]
            and f["move_type"] == "out"
            and not any(x["relation"] == "other" for x in f["members"])
        )

    return {name: fn for name, fn in locals().items() if callable(fn)}


def _household(rng: random.Random) -> dict:
    size = rng.choice((1, 1, 2, 2, 3, 3, 4, 5))
    adult_age = rng.randint(19, 90)
    members = [_member(rng, "m1", "self", adult_age)]
    for i in range(2, size + 1):
        relation = rng.choice(("spouse", "child", "child", "parent", "other"))
        age = {
            "spouse": max(18, adult_age + rng.randint(-8, 8)),
            "child": max(0, adult_age - rng.randint(20, 40)),
            "parent": min(105, adult_age + rng.randint(20, 35)),
        }.get(relation, rng.randint(0, 90))
        members.append(_member(rng, f"m{i}", relation, age))
    return {
        "move_type": rng.choice(CASE_FACTS[0].choices),
        "has_car": rng.random() < 0.6,
        "has_seal_registration": rng.random() < 0.5,
        "move_in_date": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "event_date": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "members": members,
    }


def _member(rng: random.Random, key: str, relation: str, age: int) -> dict:
    insurance = "late_elderly" if age >= 75 else rng.choice(("national", "employee", "employee", "employee_dependent"))
    if age < 20:
        pension = "none"
    elif age >= 65:
        pension = "receiving"
    else:
        pension = rng.choice(("category1", "category2", "category2", "category3"))
    if 6 <= age <= 12:
        school = "elementary"
    elif 13 <= age <= 15:
        school = "junior_high"
    elif 16 <= age <= 18:
        school = "high"
    elif age < 6:
        school = "nursery" if rng.random() < 0.5 else "none"
    else:
        school = "none"
    return {
        "key": key,
        "relation": relation,
        "age": age,
        "insurance": insurance,
        "pension": pension,
        "disability_certificate": rng.random() < 0.1,
        "school": school,
    }


# --- the catalogue, when there is one ---------------------------------------------------------


def _from_catalogue():
    """(schema, [(name, per_member, rule)], household maker) from fixtures/catalogue, or None."""
    files = sorted((CATALOGUE / "procedures").glob("*.yaml")) if (CATALOGUE / "procedures").is_dir() else []
    if not files:
        return None
    try:
        import yaml

        questions = []
        for path in sorted((CATALOGUE / "questions").glob("*.yaml")):
            questions += yaml.safe_load(path.read_text(encoding="utf-8")).get("questions") or []
        types = {"yes_no": "bool", "choice": "choice", "number": "number", "date": "date"}
        case, member = [], []
        for q in questions:
            fact = Fact(q["key"], types[q["type"]], tuple(c["value"] for c in q.get("choices") or ()))
            (member if q.get("per_member") else case).append(fact)
        schema = FactSchema.build(case, member)
        rules = []
        for path in files:
            p = yaml.safe_load(path.read_text(encoding="utf-8"))
            found = [(p["code"], p["applies_if"])]
            found += [(f"{p['code']}.doc{i}", d["applies_if"]) for i, d in enumerate(p.get("documents") or ())
                      if d.get("applies_if") is not None]  # fmt: skip
            for name, rule in found:
                try:
                    compile_rule(rule, schema, name=name, per_member=bool(p["per_member"]))
                except RuleError as exc:
                    print(f"skipped {exc}", file=sys.stderr)
                    continue
                rules.append((name, bool(p["per_member"]), rule))
    except Exception as exc:  # a catalogue being written: fall back to the inline set
        print(f"catalogue not usable ({exc!r}); using the inline rules", file=sys.stderr)
        return None
    if len(rules) < 3:
        return None

    def household(rng: random.Random) -> dict:
        size = rng.randint(1, 5)
        relations = ["self"] + [rng.choice(("spouse", "child", "child", "parent", "other")) for _ in range(size - 1)]
        members = []
        for i, relation in enumerate(relations, 1):
            m = {"key": f"m{i}", "relation": relation}
            for fact in schema.member.values():
                if fact.key not in m:
                    m[fact.key] = _random_value(rng, fact)
            members.append(m)
        facts = {f.key: _random_value(rng, f) for f in schema.case.values()}
        facts["members"] = members
        return facts

    return schema, rules, household


def _random_value(rng: random.Random, fact: Fact):
    if fact.type == "bool":
        return rng.random() < 0.5
    if fact.type == "number":
        return rng.randint(0, 95)
    if fact.type == "date":
        return f"{rng.choice((2025, 2026, 2027))}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return rng.choice(fact.choices) if fact.choices else "x"


# --- measuring --------------------------------------------------------------------------------


def _time(loop, repeats: int = REPEATS) -> tuple[float, float]:
    """(fastest, median) seconds of loop() over repeats runs, gc off."""
    times = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            t0 = time.perf_counter()
            loop()
            times.append(time.perf_counter() - t0)
    finally:
        if enabled:
            gc.enable()
    return min(times), statistics.median(times)


def main() -> None:
    rng = random.Random(20260401)
    loaded = _from_catalogue()
    if loaded is None:
        source = "inline catalogue-like rules"
        schema = FactSchema.build(CASE_FACTS, MEMBER_FACTS)
        rules, household = INLINE_RULES, _household
        hand = _hand_written()
    else:
        source = f"fixtures/catalogue/national ({len(loaded[1])} rules)"
        schema, rules, household = loaded
        hand = None

    households = [household(rng) for _ in range(200)]
    engine = datalogic_py.Engine()
    compiled_rules = []
    for name, per_member, rule in rules:
        fn = compile_rule(rule, schema, name=name, per_member=per_member)
        compiled_rules.append((name, per_member, rule, fn, engine.compile(rule)))

    pairs = []  # (name, rule, fn, datalogic rule, facts, member, data)
    for facts in households:
        for name, per_member, rule, fn, dl in compiled_rules:
            for member in facts["members"] if per_member else [None]:
                data = {**facts, "member": member} if per_member else facts
                pairs.append((name, rule, fn, dl, facts, member, data))

    # the same answers everywhere
    answers = {True: 0, False: 0}
    for name, rule, fn, dl, facts, member, data in pairs:
        got, ref, rust = fn(facts, member), jsonLogic(rule, data), dl.evaluate(data)
        if not (got is ref is rust or (got == bool(ref) == bool(rust) and type(ref) is bool)):
            raise SystemExit(f"{name}: compiled {got!r}, panzi {ref!r}, datalogic {rust!r} for {data!r}")
        if hand is not None and hand[name](facts, member) != got:
            raise SystemExit(f"{name}: hand-written Python disagrees for {data!r}")
        answers[got] += 1

    n = len(pairs)
    calls_compiled = [(fn, facts, member) for _, _, fn, _, facts, member, _ in pairs]
    calls_panzi = [(rule, data) for _, rule, _, _, _, _, data in pairs]
    calls_rust = [(dl, data) for _, _, _, dl, _, _, data in pairs]

    def run_compiled():
        for fn, f, m in calls_compiled:
            fn(f, m)

    def run_panzi():
        for rule, data in calls_panzi:
            jsonLogic(rule, data)

    def run_rust():
        for dl, data in calls_rust:
            dl.evaluate(data)

    # DataHandle path: one handle per distinct data (a case's facts, or facts + member)
    distinct = {id(data): data for _, _, _, _, _, _, data in pairs}
    handles = {k: datalogic_py.DataHandle(json.dumps(d)) for k, d in distinct.items()}
    calls_handle = [(dl, handles[id(data)]) for _, _, _, dl, _, _, data in pairs]
    datas = list(distinct.values())

    def run_handle():
        for dl, h in calls_handle:
            dl.evaluate_data(h)

    def build_handles():
        for d in datas:
            datalogic_py.DataHandle(json.dumps(d))

    results = {}
    results["panzi-json-logic (reference)"] = _time(run_panzi, 3)
    results["datalogic-py Rule.evaluate(dict)"] = _time(run_rust)
    results["datalogic-py evaluate_data, handles pre-built"] = _time(run_handle)
    build = _time(build_handles, 3)
    results["datalogic-py evaluate_data + building handles"] = (
        results["datalogic-py evaluate_data, handles pre-built"][0] + build[0],
        results["datalogic-py evaluate_data, handles pre-built"][1] + build[1],
    )
    results["compiled (this engine)"] = _time(run_compiled)
    if hand is not None:
        calls_hand = [(hand[name], facts, member) for name, _, _, _, facts, member, _ in pairs]

        def run_hand():
            for fn, f, m in calls_hand:
                fn(f, m)

        results["hand-written Python (two-valued)"] = _time(run_hand)

    us = {k: (best / n * 1e6, med / n * 1e6) for k, (best, med) in results.items()}
    print(f"rules: {source}; {len(rules)} rules, {len(households)} households, {n} evaluations "
          f"({answers[True]} true, {answers[False]} false), all engines agree")  # fmt: skip
    print(f"{'engine':<52} {'µs/eval (best)':>15} {'(median)':>10}")
    for k, (best, med) in us.items():
        print(f"{k:<52} {best:>15.3f} {med:>10.3f}")
    reference = us["panzi-json-logic (reference)"][0]
    datalogic = min(us["datalogic-py Rule.evaluate(dict)"][0], us["datalogic-py evaluate_data + building handles"][0])
    compiled = us["compiled (this engine)"][0]
    print(f"speedup vs panzi: {reference / compiled:.1f}×; vs datalogic-py: {datalogic / compiled:.2f}× "
          f"(datalogic with pre-built handles, data conversion not counted: "
          f"{us['datalogic-py evaluate_data, handles pre-built'][0]:.3f} µs)")  # fmt: skip
    print(json.dumps({
        "reference_us": round(reference, 4),
        "datalogic_us": round(datalogic, 4),
        "compiled_us": round(compiled, 4),
        "speedup": round(reference / compiled, 2),
        "vs_datalogic": round(datalogic / compiled, 2),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
