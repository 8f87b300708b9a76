"""Four eyes: submit with a reason and a 施行日, another approver approves, publish makes a version.

Stories are the gate: a draft that breaks one cannot be published until the expectation is
updated, with a reason, in the same draft.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from studio_testing import CODE, approver, change_rule, editor, new_draft, procedure

from audit.models import AuditEvent
from procedures.models import CatalogueVersion
from procedures.selectors import catalogue_version_in_force, today, version_source
from studio import selectors, services
from studio.models import Draft, Story

pytestmark = pytest.mark.django_db

BROKEN_STORY = "death_on_the_31st_self_employed"  # the deceased was 66: 介護保険の資格喪失 is expected


def submit(user, draft, *, days=30, reason="介護保険法施行令の改正（テスト）", version_by="build_date"):
    return services.draft_submit(
        actor=user, draft=draft, revision=draft.revision, reason=reason,
        effective_from=today() + timedelta(days=days), version_by=version_by,
    )  # fmt: skip


def accept_broken_story(user, draft):
    return services.draft_story_accept(
        actor=user, draft=draft, revision=draft.revision, name=BROKEN_STORY, reason="70 歳からに改正されたため"
    )


def test_the_whole_way_from_edit_to_a_version_in_force_on_its_date():
    author, checker = editor(), approver()
    draft = change_rule(author, new_draft(author))
    draft = accept_broken_story(author, draft)
    draft = submit(author, draft)
    assert draft.state == Draft.State.SUBMITTED
    draft = services.draft_approve(actor=checker, draft=draft, revision=draft.revision)
    assert (draft.state, draft.approved_by) == (Draft.State.APPROVED, checker)
    published = services.draft_publish(actor=checker, draft=draft)

    version = published.version
    assert version.effective_from == draft.effective_from
    assert published.draft.state == Draft.State.PUBLISHED
    new_rule = next(p for p in version_source(version).procedures if p["code"] == CODE)["applies_if"]
    assert new_rule == procedure(draft)["applies_if"]
    assert catalogue_version_in_force() != version, "not before its 施行日"
    assert catalogue_version_in_force(on=draft.effective_from) == version
    assert Story.objects.get(name=BROKEN_STORY).reason == "70 歳からに改正されたため"
    actions = list(
        AuditEvent.objects.filter(target_type="draft", target_id=str(draft.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "studio.draft_create", "studio.procedure_edit", "studio.story_accept", "studio.draft_submit",
        "studio.draft_approve", "studio.draft_publish",
    ]  # fmt: skip
    publish = AuditEvent.objects.get(action="studio.draft_publish")
    assert publish.detail["version"] == version.content_hash
    assert publish.detail["reason"] == "介護保険法施行令の改正（テスト）"


def test_the_author_cannot_approve_their_own_draft_even_as_an_approver():
    author = approver("yamada")
    draft = submit(author, accept_broken_story(author, change_rule(author, new_draft(author))))
    with pytest.raises(services.StudioError, match="自分が"):
        services.draft_approve(actor=author, draft=draft, revision=draft.revision)
    assert Draft.objects.get(pk=draft.pk).state == Draft.State.SUBMITTED


def test_whoever_edited_the_draft_cannot_approve_it():
    author, helper = editor(), approver("kato")
    draft = change_rule(author, new_draft(author))
    draft = accept_broken_story(helper, draft)  # the approver edited it too
    draft = submit(author, draft)
    with pytest.raises(services.StudioError, match="自分が"):
        services.draft_approve(actor=helper, draft=draft, revision=draft.revision)


def test_an_editor_cannot_approve_or_publish():
    author, other = editor(), editor("ito")
    draft = submit(author, accept_broken_story(author, change_rule(author, new_draft(author))))
    with pytest.raises(PermissionDenied):
        services.draft_approve(actor=other, draft=draft, revision=draft.revision)
    draft = services.draft_approve(actor=approver(), draft=draft, revision=draft.revision)
    with pytest.raises(PermissionDenied):
        services.draft_publish(actor=other, draft=draft)


def test_a_draft_that_breaks_a_story_cannot_be_published():
    author, checker = editor(), approver()
    draft = submit(author, change_rule(author, new_draft(author)))
    results = {r.name: r for r in selectors.draft_story_results(draft)}
    assert not results[BROKEN_STORY].passed
    assert any(CODE in p for p in results[BROKEN_STORY].problems)
    draft = services.draft_approve(actor=checker, draft=draft, revision=draft.revision)
    before = CatalogueVersion.objects.count()
    with pytest.raises(services.StudioError, match=BROKEN_STORY):
        services.draft_publish(actor=checker, draft=draft)
    assert CatalogueVersion.objects.count() == before
    assert Draft.objects.get(pk=draft.pk).state == Draft.State.APPROVED

    # The author means the change: back to editing, the expectation updated with a reason.
    draft = services.draft_withdraw(actor=author, draft=draft)
    assert draft.approved_by is None
    draft = accept_broken_story(author, draft)
    assert all(r.passed for r in selectors.draft_story_results(draft))
    draft = services.draft_approve(actor=checker, draft=submit(author, draft), revision=draft.revision)
    assert services.draft_publish(actor=checker, draft=draft).version.effective_from == draft.effective_from


def test_submitting_asks_for_a_reason_a_future_date_and_a_change():
    author = editor()
    draft = new_draft(author)
    with pytest.raises(services.StudioError, match="何も変わって"):
        submit(author, draft)
    draft = change_rule(author, draft)
    with pytest.raises(services.StudioError, match="理由"):
        submit(author, draft, reason="  ")
    with pytest.raises(services.StudioError, match="施行日"):
        submit(author, draft, days=-1)
    assert Draft.objects.get(pk=draft.pk).state == Draft.State.DRAFT


def test_approval_is_for_the_revision_seen_and_editing_needs_withdrawal():
    author, checker = editor(), approver()
    draft = submit(author, accept_broken_story(author, change_rule(author, new_draft(author))))
    with pytest.raises(services.StudioError, match="編集"):
        change_rule(author, draft)
    with pytest.raises(services.StudioError, match="確認した内容"):
        services.draft_approve(actor=checker, draft=draft, revision=draft.revision - 1)


def test_a_draft_begun_before_another_version_was_published_cannot_overwrite_it():
    author, checker = editor(), approver()
    first = accept_broken_story(author, change_rule(author, new_draft(author)))
    second = new_draft(author, "別の変更")
    second = services.draft_edit_procedure(
        actor=author, draft=second, revision=1, code="shibou_todoke",
        changes={"rationale": procedure(second, "shibou_todoke")["rationale"] + "（確認済み）"},
    )  # fmt: skip
    for draft in (first, second):
        draft = submit(author, draft)
        services.draft_approve(actor=checker, draft=draft, revision=draft.revision)
    services.draft_publish(actor=checker, draft=Draft.objects.get(pk=first.pk))
    with pytest.raises(services.StudioError, match="別の版が公開"):
        services.draft_publish(actor=checker, draft=Draft.objects.get(pk=second.pk))


def test_an_older_version_is_restored_as_a_new_draft():
    author, checker = editor(), approver()
    old = catalogue_version_in_force()
    draft = submit(author, accept_broken_story(author, change_rule(author, new_draft(author))), days=0)
    services.draft_approve(actor=checker, draft=draft, revision=draft.revision)
    newer = services.draft_publish(actor=checker, draft=Draft.objects.get(pk=draft.pk)).version
    assert catalogue_version_in_force() == newer  # 施行日 today

    restored = services.draft_create(actor=author, title="元に戻す", version=old)
    assert restored.base_version == newer
    assert restored.restored_from == old
    assert (
        procedure(restored)["applies_if"]
        == next(p for p in version_source(old).procedures if p["code"] == CODE)["applies_if"]
    )
    changes = selectors.draft_changes(restored)
    assert [c.code for c in changes if c.kind == "procedure"] == [CODE]


def test_a_story_saved_from_the_studio_expects_what_the_draft_builds():
    author = editor()
    draft = new_draft(author)
    scenario = {
        "title": "70 歳で亡くなった国保の父", "story": None, "life_events": ["death"], "event_date": "2026-06-10",
        "answers": {}, "members": [{"relation": "deceased", "age": 70, "insurance": "national"}],
    }  # fmt: skip
    draft = services.draft_story_add(
        actor=author, draft=draft, revision=1, name="death_father_70", scenario=scenario, reason="窓口で多い例"
    )
    saved = draft.stories["death_father_70"]
    assert saved["reason"] == "窓口で多い例"
    assert saved["scenario"]["expect"]["kaigo_shikaku_soshitsu"]["status"] == "required"
    result = next(r for r in selectors.draft_story_results(draft) if r.name == "death_father_70")
    assert result.passed and result.source == "draft"


def test_a_story_with_answers_that_do_not_fit_is_refused():
    author = editor()
    draft = new_draft(author)
    scenario = {
        "title": "x", "story": None, "life_events": ["death"], "event_date": "2026-06-10",
        "answers": {"deceased_was_head": "maybe"}, "members": [],
    }  # fmt: skip
    with pytest.raises(services.StudioError, match="回答"):
        services.draft_story_add(actor=author, draft=draft, revision=1, name="bad", scenario=scenario, reason="r")
    assert Draft.objects.get(pk=draft.pk).stories == {}
