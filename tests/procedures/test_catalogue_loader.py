"""load_catalogue: validate everything, import all or nothing, idempotently; export writes the same bytes."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from procedures.content import ContentErrors
from procedures.models import CatalogueVersion, Procedure
from procedures.selectors import catalogue_version_in_force, version_source
from procedures.services import catalogue_load

pytestmark = pytest.mark.django_db

SHUSSEI = "national/procedures/shussei_todoke.yaml"


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def load_error(root: Path) -> ContentErrors:
    before = CatalogueVersion.objects.count(), Procedure.objects.count()
    with pytest.raises(ContentErrors) as info:
        catalogue_load(path=root)
    assert (CatalogueVersion.objects.count(), Procedure.objects.count()) == before, "nothing may change"
    return info.value


def only(errors: ContentErrors):
    assert len(errors.errors) == 1, str(errors)
    e = errors.errors[0]
    return e.file, e.field, e.problem


def test_the_shipped_catalogue_is_loaded_and_in_force():
    version = catalogue_version_in_force()
    assert Procedure.objects.filter(version=version).count() >= 15
    assert version.municipality == "mirai"


def test_loading_the_same_content_again_creates_nothing():
    before = CatalogueVersion.objects.count()
    result = catalogue_load(path=settings.CATALOGUE_DIR)
    assert result.created is False
    assert CatalogueVersion.objects.count() == before


def test_changed_content_becomes_a_new_version_and_the_old_one_stays(catalogue_dir):
    old = catalogue_version_in_force()
    edit(catalogue_dir, "catalogue.yaml", "effective_from: '2026-04-01'", "effective_from: '2026-10-01'")
    edit(catalogue_dir, SHUSSEI, "ja: 出生届\n", "ja: 出生届（改）\n")
    result = catalogue_load(path=catalogue_dir)
    assert result.created
    assert result.version.content_hash != old.content_hash
    assert catalogue_version_in_force() == result.version
    assert Procedure.objects.get(version=old, code="shussei_todoke").name["ja"] == "出生届"
    assert Procedure.objects.get(version=result.version, code="shussei_todoke").name["ja"] == "出生届（改）"


def test_a_future_version_is_not_in_force_before_its_date(catalogue_dir):
    old = catalogue_version_in_force()
    edit(catalogue_dir, "catalogue.yaml", "effective_from: '2026-04-01'", "effective_from: '2099-04-01'")
    result = catalogue_load(path=catalogue_dir)
    assert result.created
    assert catalogue_version_in_force() == old
    from datetime import date

    assert catalogue_version_in_force(on=date(2099, 4, 1)) == result.version


def test_export_writes_back_the_bytes_that_were_loaded(tmp_path):
    call_command("export_catalogue", str(tmp_path))
    shipped = {p.relative_to(settings.CATALOGUE_DIR): p.read_bytes() for p in settings.CATALOGUE_DIR.rglob("*.yaml")}
    exported = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*.yaml")}
    assert exported == shipped


def test_export_of_a_version_rebuilds_the_same_content_hash():
    version = catalogue_version_in_force()
    assert version_source(version).content_hash == version.content_hash


# --- one test per kind of error: the message names file, field and problem ---------------------------


def test_yaml_syntax_error(catalogue_dir):
    edit(catalogue_dir, SHUSSEI, "per_member: false", "per_member: [false")
    file, field, problem = only(load_error(catalogue_dir))
    assert file == SHUSSEI and field.startswith("line ") and "not valid YAML" in problem


def test_missing_required_field(catalogue_dir):
    edit(catalogue_dir, SHUSSEI, "per_member: false\n", "")
    assert only(load_error(catalogue_dir)) == (SHUSSEI, "per_member", "is required")


def test_unknown_field(catalogue_dir):
    edit(catalogue_dir, SHUSSEI, "per_member: false\n", "per_member: false\nperson: true\n")
    assert only(load_error(catalogue_dir)) == (SHUSSEI, "person", "is not a known field")


def test_wrong_type(catalogue_dir):
    edit(catalogue_dir, SHUSSEI, "per_member: false", "per_member: 'no'")
    file, field, problem = only(load_error(catalogue_dir))
    assert (file, field) == (SHUSSEI, "per_member") and "boolean" in problem


def test_missing_translation(catalogue_dir):
    edit(catalogue_dir, SHUSSEI, "  en: Birth registration\n", "")
    assert only(load_error(catalogue_dir)) == (SHUSSEI, "name.en", "is required")


def test_code_must_match_file_name(catalogue_dir):
    edit(catalogue_dir, SHUSSEI, "code: shussei_todoke", "code: shussei_todoke2")
    assert only(load_error(catalogue_dir)) == (SHUSSEI, "code", "must match the file name 'shussei_todoke'")


def test_impossible_date(catalogue_dir):
    edit(catalogue_dir, "catalogue.yaml", "'2026-04-01'", "'2026-02-30'")
    file, field, problem = only(load_error(catalogue_dir))
    assert (file, field) == ("catalogue.yaml", "effective_from") and "day is out of range" in problem


def test_unknown_law(catalogue_dir):
    edit(catalogue_dir, SHUSSEI, "{law: koseki_ho, article: 第49条第1項}", "{law: koseki_hou, article: 第49条第1項}")
    assert only(load_error(catalogue_dir)) == (SHUSSEI, "legal_basis.0.law", "unknown law 'koseki_hou'")


def test_unknown_counter(catalogue_dir):
    edit(catalogue_dir, SHUSSEI, "counter: family_register", "counter: family_registry")
    file, field, problem = only(load_error(catalogue_dir))
    assert (file, field) == (SHUSSEI, "where.counter")
    assert problem.startswith("unknown counter 'family_registry'")


def test_rule_reading_an_unknown_fact(catalogue_dir):
    text = (catalogue_dir / SHUSSEI).read_text(encoding="utf-8")
    rule_line = next(line for line in text.splitlines() if line.startswith("applies_if:"))
    edit(catalogue_dir, SHUSSEI, rule_line, "applies_if: {'==': [{var: baby_count}, 1]}")
    file, field, problem = only(load_error(catalogue_dir))
    assert (file, field) == (SHUSSEI, "applies_if")
    assert "baby_count" in problem and "/==/0" in problem


def test_rule_comparing_a_choice_with_a_value_it_does_not_have(catalogue_dir):
    rel = "national/procedures/tennyu_todoke.yaml"
    edit(catalogue_dir, rel, "in_from_other", "in_from_elsewhere")
    file, field, problem = only(load_error(catalogue_dir))
    assert (file, field) == (rel, "applies_if") and "in_from_other" in problem


def test_broken_deadline_rule(catalogue_dir):
    edit(catalogue_dir, SHUSSEI, "calendar: municipality", "calendar: lunar")
    file, field, problem = only(load_error(catalogue_dir))
    assert (file, field) == (SHUSSEI, "deadline") and "lunar" in problem


def test_deadline_from_a_fact_that_is_not_a_date_question(catalogue_dir):
    rel = "national/procedures/tennyu_todoke.yaml"
    edit(catalogue_dir, rel, "from: moved_in_on", "from: move_type")
    assert only(load_error(catalogue_dir)) == (
        rel,
        "deadline.from",
        "'move_type' is not event_date or a case-level date question",
    )


def test_duplicate_question_key(catalogue_dir):
    rel = "national/questions/moving.yaml"
    edit(catalogue_dir, rel, "- key: moved_in_on", "- key: move_type")
    errors = load_error(catalogue_dir)
    assert any(e.file == rel and "move_type" in e.problem and "also in" in e.problem for e in errors.errors)


def test_stray_file(catalogue_dir):
    (catalogue_dir / "national" / "notes.yaml").write_text("hello: world\n", encoding="utf-8")
    assert only(load_error(catalogue_dir)) == (
        "national/notes.yaml",
        "",
        "not a catalogue file (see docs/catalogue-format.md)",
    )


def test_unknown_municipality(catalogue_dir):
    edit(catalogue_dir, "catalogue.yaml", "municipality: mirai", "municipality: kirai")
    assert only(load_error(catalogue_dir)) == ("catalogue.yaml", "municipality", "no folder municipalities/kirai/")


def test_every_problem_is_reported_at_once(catalogue_dir):
    edit(catalogue_dir, SHUSSEI, "per_member: false\n", "")
    edit(catalogue_dir, "national/procedures/shibou_todoke.yaml", "per_member: false\n", "")
    assert {e.file for e in load_error(catalogue_dir).errors} == {SHUSSEI, "national/procedures/shibou_todoke.yaml"}


def test_command_reports_errors_and_changes_nothing(catalogue_dir):
    edit(catalogue_dir, SHUSSEI, "per_member: false\n", "")
    before = CatalogueVersion.objects.count()
    with pytest.raises(CommandError, match=r"shussei_todoke.yaml: per_member: is required"):
        call_command("load_catalogue", str(catalogue_dir))
    assert CatalogueVersion.objects.count() == before


def test_the_loader_reports_what_the_municipality_changes(catalogue_dir):
    edit(catalogue_dir, "catalogue.yaml", "effective_from: '2026-04-01'", "effective_from: '2026-10-01'")
    result = catalogue_load(path=catalogue_dir)
    source = version_source(result.version)
    muni = next(m for m in source.municipalities if m["code"] == result.version.municipality)
    for override in muni["overrides"]:
        assert any(line.startswith(f"override {override['procedure']}:") for line in result.municipality_changes)
    local = [p["code"] for p in source.procedures if p["_layer"] == muni["code"]]
    assert local and all(f"local procedure {code}" in result.municipality_changes for code in local)
