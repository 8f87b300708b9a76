"""Drafts: made from the version in force, edited only through the loader's validation, discarded."""

import copy

import pytest
from django.conf import settings
from studio_testing import CODE, NEW_RULE, OLD_RULE, change_rule, editor, new_draft, procedure, question

from audit.models import AuditEvent
from procedures.content import ContentErrors, read_files, read_tree
from procedures.models import CatalogueVersion
from procedures.selectors import catalogue_version_in_force, version_source
from procedures.services import catalogue_load
from studio import services
from studio.models import Draft

pytestmark = pytest.mark.django_db


def test_files_in_memory_read_exactly_as_the_folder():
    source = read_tree(settings.CATALOGUE_DIR)
    again = read_files(source.files())
    assert again == source
    assert again.content_hash == source.content_hash


def test_files_in_memory_are_refused_as_the_folder_refuses_them():
    files = read_tree(settings.CATALOGUE_DIR).files()
    files["national/stray.txt"] = "hello"
    files["national/procedures/shibou_todoke.yaml"] = files["national/procedures/shibou_todoke.yaml"].replace(
        "code: shibou_todoke", "code: shibou_todoke_x"
    )
    with pytest.raises(ContentErrors) as info:
        read_files(files)
    problems = {(e.file, e.field) for e in info.value.errors}
    assert ("national/stray.txt", "") in problems
    assert ("national/procedures/shibou_todoke.yaml", "code") in problems


def test_a_draft_starts_as_the_version_in_force_and_is_audited():
    user = editor()
    draft = new_draft(user)
    version = catalogue_version_in_force()
    assert draft.base_version == version
    assert draft.state == Draft.State.DRAFT
    assert services.source_of(draft.content) == version_source(version)
    event = AuditEvent.objects.get(action="studio.draft_create", target_id=str(draft.pk))
    assert event.username == user.username


def test_a_valid_rule_is_stored_and_the_version_in_force_is_untouched():
    user = editor()
    draft = new_draft(user)
    before = CatalogueVersion.objects.count()
    assert procedure(draft)["applies_if"] == OLD_RULE
    draft = change_rule(user, draft)
    draft.refresh_from_db()
    assert procedure(draft)["applies_if"] == NEW_RULE
    assert draft.revision == 2
    assert CatalogueVersion.objects.count() == before
    in_force = version_source(catalogue_version_in_force())
    assert next(p for p in in_force.procedures if p["code"] == CODE)["applies_if"] == OLD_RULE
    assert AuditEvent.objects.filter(action="studio.procedure_edit", target_id=str(draft.pk)).count() == 1


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"==": [{"var": "deceased_favourite_colour"}, "red"]}, "deceased_favourite_colour"),  # unknown fact
        ({"==": [{"var": "deceased_was_head"}]}, "2"),  # wrong arity
        ({">=": [{"var": "deceased_was_head"}, 65]}, "deceased_was_head"),  # a yes/no compared with a number
        ({"frobnicate": [1, 2]}, "frobnicate"),  # unknown operator
    ],
    ids=["unknown fact", "arity", "type mismatch", "operator"],
)
def test_a_broken_rule_is_refused_naming_file_and_field_and_nothing_is_stored(rule, message):
    user = editor()
    draft = new_draft(user)
    with pytest.raises(services.DraftInvalid) as info:
        change_rule(user, draft, rule)
    errors = info.value.errors
    assert any(e.file == f"national/procedures/{CODE}.yaml" and e.field == "applies_if" for e in errors), errors
    assert message in str(info.value)
    draft.refresh_from_db()
    assert procedure(draft)["applies_if"] == OLD_RULE
    assert draft.revision == 1
    assert not AuditEvent.objects.filter(action="studio.procedure_edit").exists()


def test_a_shape_error_is_refused_by_the_loaders_schema():
    user = editor()
    draft = new_draft(user)
    fee = {"yen": "300"}  # text, not a number
    with pytest.raises(services.DraftInvalid) as info:
        services.draft_edit_procedure(actor=user, draft=draft, revision=1, code=CODE, changes={"fee": fee})
    assert any(e.field == "fee.yen" for e in info.value.errors), info.value.errors


def test_deadline_documents_legal_basis_and_texts_are_edited_together():
    user = editor()
    draft = new_draft(user)
    entry = procedure(draft)
    changes = {
        "deadline": {"days": 30, "from": "event_date", "count_first_day": False, "calendar": "municipality"},
        "documents": [*entry["documents"], {"name": {"ja": "印鑑", "en": "Seal", "easy": "はんこ"}}],
        "legal_basis": [*entry["legal_basis"], {"law": entry["legal_basis"][0]["law"], "article": "第1条"}],
        "name": {**entry["name"], "ja": "介護保険の資格喪失届"},
    }
    draft = services.draft_edit_procedure(actor=user, draft=draft, revision=1, code=CODE, changes=changes)
    stored = procedure(Draft.objects.get(pk=draft.pk))
    assert stored["deadline"]["days"] == 30
    assert stored["documents"][-1]["name"]["ja"] == "印鑑"
    assert stored["legal_basis"][-1]["article"] == "第1条"
    assert stored["name"]["ja"] == "介護保険の資格喪失届"


def test_an_unknown_law_is_refused_at_its_citation():
    user = editor()
    draft = new_draft(user)
    with pytest.raises(services.DraftInvalid) as info:
        services.draft_edit_procedure(
            actor=user,
            draft=draft,
            revision=1,
            code=CODE,
            changes={"legal_basis": [{"law": "no_such_law", "article": "1"}]},
        )
    assert [e.field for e in info.value.errors] == ["legal_basis.0.law"]


def test_a_question_edit_with_a_show_if_cycle_is_refused():
    user = editor()
    draft = new_draft(user)
    # deceased_pension_kind is shown when deceased_received_pension holds; make that one depend back on it.
    kind = question(draft, "deceased_pension_kind")
    assert "deceased_received_pension" in str(kind["show_if"])
    cycle = {"!=": [{"var": "deceased_pension_kind"}, "basic_only"]}
    with pytest.raises(services.DraftInvalid) as info:
        services.draft_edit_question(
            actor=user, draft=draft, revision=1, key="deceased_received_pension", changes={"show_if": cycle}
        )
    messages = [e.problem for e in info.value.errors if e.field == "deceased_received_pension.show_if"]
    assert messages == [
        "show_if goes round in a cycle: deceased_received_pension → deceased_pension_kind → deceased_received_pension"
    ], info.value.errors
    assert question(Draft.objects.get(pk=draft.pk), "deceased_received_pension").get("show_if") is None


def test_a_show_if_cycle_is_refused_by_the_loader_too(catalogue_dir):
    path = catalogue_dir / "national/questions/death.yaml"
    text = path.read_text(encoding="utf-8")
    old = "- key: deceased_received_pension\n"
    assert old in text
    head, tail = text.split(old, 1)
    first_line_end = tail.index("\n  life_events")
    tail = tail[:first_line_end] + tail[first_line_end:].replace(
        "\n  type: yes_no", "\n  type: yes_no\n  show_if: {'!=': [{var: deceased_pension_kind}, basic_only]}", 1
    )
    path.write_text(head + old + tail, encoding="utf-8")
    with pytest.raises(ContentErrors) as info:
        catalogue_load(path=catalogue_dir)
    assert any("cycle" in e.problem for e in info.value.errors), info.value


def test_a_question_text_edit_is_stored():
    user = editor()
    draft = new_draft(user)
    text = {**question(draft, "deceased_was_head")["text"], "ja": "亡くなった方は世帯主でしたか"}
    services.draft_edit_question(actor=user, draft=draft, revision=1, key="deceased_was_head", changes={"text": text})
    assert question(Draft.objects.get(pk=draft.pk), "deceased_was_head")["text"]["ja"] == "亡くなった方は世帯主でしたか"


def test_a_stale_revision_is_refused():
    user = editor()
    draft = new_draft(user)
    change_rule(user, draft)
    with pytest.raises(services.StudioError, match="先に"):
        services.draft_edit_procedure(
            actor=user, draft=draft, revision=1, code=CODE, changes={"applies_if": copy.deepcopy(OLD_RULE)}
        )


def test_a_discarded_draft_can_no_longer_be_edited():
    user = editor()
    draft = new_draft(user)
    services.draft_discard(actor=user, draft=draft)
    assert Draft.objects.get(pk=draft.pk).state == Draft.State.DISCARDED
    with pytest.raises(services.StudioError):
        change_rule(user, draft)
    assert AuditEvent.objects.filter(action="studio.draft_discard", target_id=str(draft.pk)).exists()
