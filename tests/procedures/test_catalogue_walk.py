"""catalogue_walk: the command on a folder and on the version in force; accepted_findings in the content."""

import io
import json
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from procedures.content import ContentErrors, read_tree, write_tree
from procedures.services import catalogue_load

DOG = {"and": [{"==": [{"var": "move_type"}, "within"]}, {"==": [{"var": "move_type"}, "abroad_in"]}]}
CONTRADICTION = {"and": [{"==": [{"var": "member.relation"}, "child"]}, {"==": [{"var": "member.relation"}, "parent"]}]}
BROKEN = [  # what the walker finds in break_on_purpose()
    {"kind": "unreachable_procedure", "procedure": "kokuho_kanyu"},
    {"kind": "question_never_shown", "question": "has_dog"},
    {"kind": "fact_never_asked", "procedure": "inu_toroku_henko", "field": "applies_if", "fact": "has_dog"},
    {"kind": "procedure_only_check", "procedure": "inu_toroku_henko"},
]


def run(*args) -> tuple[dict, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("catalogue_walk", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def break_on_purpose(root: Path) -> None:
    source = read_tree(root)
    for q in source.questions:
        if q["key"] == "has_dog":
            q["show_if"] = DOG
    for p in source.procedures:
        if p["code"] == "kokuho_kanyu":
            p["applies_if"] = CONTRADICTION
    write_tree(source, root)


def accept(root: Path, rel: str, entries: list[dict]) -> None:
    (root / rel).write_text(yaml.safe_dump({"accepted_findings": entries}, allow_unicode=True), encoding="utf-8")


def with_reasons(entries):
    return [{**e, "reason": f"on purpose in this test: {e['kind']}"} for e in entries]


def test_the_shipped_catalogue_passes_check_without_a_database(capsys):
    report, err = run("--check")
    walk = report["municipalities"][0]
    assert walk["municipality"] == "mirai"
    assert walk["findings"] == [] and report["not_accepted"] == [] and report["stale"] == []
    assert len(walk["procedures"]) == 71 and all(p["witness"] for p in walk["procedures"])
    assert len(walk["questions"]) == 53
    assert "0 findings" in err and err.rstrip().endswith(" s")  # the elapsed time


def test_a_broken_catalogue_fails_check_naming_each_finding(catalogue_dir):
    break_on_purpose(catalogue_dir)
    report, _ = run(str(catalogue_dir))  # without --check: the report, exit 0
    found = [{k: v for k, v in f.items() if k in ("kind", "procedure", "question", "field", "fact")}
             for f in report["municipalities"][0]["findings"]]  # fmt: skip
    for finding in BROKEN:
        assert finding in found
    assert not any(f["accepted"] for f in report["municipalities"][0]["findings"])
    with pytest.raises(CommandError) as info:
        run(str(catalogue_dir), "--check")
    message = str(info.value)
    assert "unreachable_procedure (procedure=kokuho_kanyu)" in message
    assert "question_never_shown (question=has_dog)" in message


def test_accepted_findings_are_honoured_from_either_layer(catalogue_dir):
    break_on_purpose(catalogue_dir)
    report, _ = run(str(catalogue_dir))
    everything = [
        {k: v for k, v in f.items() if k in ("kind", "procedure", "question", "field", "fact", "questions")}
        for f in report["municipalities"][0]["findings"]
    ]
    accept(catalogue_dir, "national/accepted_findings.yaml", with_reasons(everything[:2]))
    accept(catalogue_dir, "municipalities/mirai/accepted_findings.yaml", with_reasons(everything[2:]))
    report, err = run(str(catalogue_dir), "--check")
    assert all(f["accepted"] for f in report["municipalities"][0]["findings"])
    assert f"{len(everything)} findings, 0 not accepted, 0 stale" in err


def test_an_acceptance_no_longer_found_is_stale(catalogue_dir):
    accept(
        catalogue_dir,
        "municipalities/mirai/accepted_findings.yaml",
        [{"kind": "question_never_shown", "question": "has_dog", "reason": "the dog question was retired"}],
    )
    report, _ = run(str(catalogue_dir))
    assert report["stale"] == [
        {
            "file": "municipalities/mirai/accepted_findings.yaml",
            "kind": "question_never_shown",
            "question": "has_dog",
            "reason": "the dog question was retired",
        }
    ]
    with pytest.raises(CommandError, match=r"stale acceptance in municipalities/mirai/accepted_findings\.yaml"):
        run(str(catalogue_dir), "--check")


def test_only_the_named_municipality_is_walked(catalogue_dir):
    report, _ = run(str(catalogue_dir), "--municipality", "mirai")
    assert [w["municipality"] for w in report["municipalities"]] == ["mirai"]
    with pytest.raises(CommandError, match="no municipality 'atlantis'"):
        run(str(catalogue_dir), "--municipality", "atlantis")


def test_a_catalogue_that_does_not_load_is_refused(catalogue_dir):
    (catalogue_dir / "national/accepted_findings.yaml").write_text("accepted_findings: []\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"national/accepted_findings\.yaml: accepted_findings: is empty"):
        run(str(catalogue_dir))


@pytest.mark.django_db
def test_the_version_in_force_can_be_walked():
    report, _ = run("--in-force", "--check")
    assert report["catalogue"].startswith("version ")
    assert report["municipalities"][0]["findings"] == []


# --- the loader ------------------------------------------------------------------------------


def problems(root: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(ContentErrors) as info:
        read_tree(root)
    return [(e.file, e.field, e.problem) for e in info.value.errors]


MIRAI = "municipalities/mirai/accepted_findings.yaml"


def test_an_acceptance_without_a_reason(catalogue_dir):
    accept(catalogue_dir, MIRAI, [{"kind": "question_never_shown", "question": "has_dog"}])
    assert problems(catalogue_dir) == [(MIRAI, "accepted_findings.0.reason", "is required")]


def test_an_acceptance_with_an_unknown_key(catalogue_dir):
    entry = {"kind": "question_never_shown", "question": "has_dog", "reason": "r", "because": "x"}
    accept(catalogue_dir, MIRAI, [entry])
    assert problems(catalogue_dir) == [(MIRAI, "accepted_findings.0.because", "is not a known field")]


def test_an_acceptance_that_does_not_name_a_finding(catalogue_dir):
    accept(catalogue_dir, "national/accepted_findings.yaml", [
        {"kind": "question_never_shown", "procedure": "x", "reason": "r"},
        {"kind": "unreachable", "procedure": "x", "reason": "r"},
        {"kind": "fact_never_asked", "procedure": "x", "fact": "has_dog", "reason": "r"},
    ])  # fmt: skip
    got = problems(catalogue_dir)
    assert [(f, field) for f, field, _ in got] == [("national/accepted_findings.yaml", f"accepted_findings.{i}")
                                                    for i in range(3)]  # fmt: skip
    assert "named by question, not procedure" in got[0][2]
    assert "unknown kind 'unreachable'" in got[1][2]
    assert "needs field" in got[2][2]


def test_an_acceptance_given_twice(catalogue_dir):
    entry = {"kind": "question_never_shown", "question": "has_dog", "reason": "r"}
    accept(catalogue_dir, MIRAI, [entry, {**entry, "reason": "again"}])
    assert problems(catalogue_dir) == [(MIRAI, "accepted_findings.1", "accepts the same finding twice")]


@pytest.mark.django_db
def test_acceptances_are_stored_and_exported_byte_for_byte(catalogue_dir, tmp_path):
    break_on_purpose(catalogue_dir)
    accept(catalogue_dir, "national/accepted_findings.yaml", with_reasons(BROKEN[:1]))
    accept(
        catalogue_dir,
        MIRAI,
        with_reasons([*BROKEN[1:], {"kind": "show_if_reads_later_question", "question": "a_q", "fact": "b_q"}]),
    )
    write_tree(read_tree(catalogue_dir), catalogue_dir)  # canonical form, as the exporter writes it
    result = catalogue_load(path=catalogue_dir)
    assert result.created
    out = tmp_path / "exported"
    call_command("export_catalogue", str(out), "--catalogue-version", result.version.content_hash, stdout=io.StringIO())
    for rel in ("national/accepted_findings.yaml", MIRAI):
        assert (out / rel).read_bytes() == (catalogue_dir / rel).read_bytes()
    text = (out / MIRAI).read_text(encoding="utf-8")
    assert text.startswith("accepted_findings:\n- kind: question_never_shown\n  question: has_dog\n  reason: ")
    before = sorted(p.relative_to(catalogue_dir).as_posix() for p in catalogue_dir.rglob("*.yaml"))
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml")) == before


def test_each_municipality_is_walked_and_a_national_acceptance_is_stale_only_when_none_finds_it(catalogue_dir):
    import shutil

    shutil.copytree(catalogue_dir / "municipalities/mirai", catalogue_dir / "municipalities/hoshi")
    own = catalogue_dir / "municipalities/hoshi/municipality.yaml"
    own.write_text(own.read_text(encoding="utf-8").replace("code: mirai", "code: hoshi", 1), encoding="utf-8")
    source = read_tree(catalogue_dir)
    nobody = {"some": [{"var": "members"}, {"and": [{"==": [{"var": "relation"}, "child"]},
                                                    {"==": [{"var": "relation"}, "parent"]}]}]}  # fmt: skip
    for p in source.procedures:
        if p["_layer"] == "hoshi" and p["code"] == "gentsuki_touroku":
            p["applies_if"] = nobody
    write_tree(source, catalogue_dir)
    finding = {"kind": "unreachable_procedure", "procedure": "gentsuki_touroku"}
    accept(catalogue_dir, "national/accepted_findings.yaml", with_reasons([finding]))
    report, _ = run(str(catalogue_dir), "--check")  # found for hoshi only: accepted there, and not stale
    by_code = {w["municipality"]: w for w in report["municipalities"]}
    assert [f["procedure"] for f in by_code["hoshi"]["findings"]] == ["gentsuki_touroku"]
    assert by_code["mirai"]["findings"] == []
    accept(catalogue_dir, MIRAI, with_reasons([finding]))  # mirai's own walk does not find it
    with pytest.raises(CommandError, match=r"stale acceptance in municipalities/mirai/accepted_findings\.yaml"):
        run(str(catalogue_dir), "--check")
    (catalogue_dir / "national/accepted_findings.yaml").unlink()
    (catalogue_dir / MIRAI).unlink()
    accept(catalogue_dir, "municipalities/hoshi/accepted_findings.yaml", with_reasons([finding]))
    run(str(catalogue_dir), "--check")
