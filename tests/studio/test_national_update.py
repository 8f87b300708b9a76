"""A national release taken in as a draft: the municipality's overrides kept, conflicts settled by a person."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from staff_testing import sign_in
from studio_testing import CODE, NEW_RULE, OVERRIDDEN, approver, editor, national_draft, national_release

from audit.models import AuditEvent
from procedures.models import CatalogueVersion
from procedures.selectors import compiled_catalogue, today
from studio import exchange, services
from studio.models import Draft
from studio.selectors import draft_story_results

pytestmark = pytest.mark.django_db

CONFLICT = f"override:mirai:{OVERRIDDEN}:fee"


def fee_yen(draft) -> int | None:
    compiled = services.draft_compiled_content(draft.content)
    fee = next(p for p in compiled.procedures if p.code == OVERRIDDEN).data.get("fee")
    return fee and fee["yen"]


def mirai_overrides(draft) -> dict[str, dict]:
    muni = services.served_municipality(draft.content)
    return {o["procedure"]: o for o in muni["overrides"]}


def test_the_rule_not_overridden_is_taken_and_the_overridden_one_is_a_conflict():
    user = editor()
    draft = national_draft(user)
    update = draft.national_update
    assert [c["id"] for c in update["conflicts"]] == [CONFLICT]
    assert draft.open_conflicts[0]["theirs"] == {"yen": 500} and draft.open_conflicts[0]["ours"]["yen"] == 450
    assert {"part": "procedures", "key": CODE, "change": "changed", "fields": ["applies_if"]} in update["taken"]
    rule = next(p for p in draft.content["procedures"] if p["code"] == CODE)["applies_if"]
    assert rule == NEW_RULE
    assert fee_yen(draft) == 450  # ours, until settled
    assert set(mirai_overrides(draft)) == {
        "koseki_shomei_seikyu", "jidou_teate_shussei", "jidou_teate_tennyu", "sousaihi_shikyu",
        "hoikusho_moushikomi_shussei", "jidou_teate_jukyusha_henko",
    }  # fmt: skip
    event = AuditEvent.objects.get(action="studio.national_update", target_id=str(draft.pk))
    assert event.detail["conflicts"] == [CONFLICT]


@pytest.mark.parametrize(
    "resolution, value, yen", [("theirs", None, 500), ("ours", None, 450), ("edit", {"yen": 480}, 480)]
)
def test_each_resolution_gives_the_expected_content_and_is_audited(resolution, value, yen):
    user = editor()
    draft = national_draft(user)
    draft = services.draft_conflict_settle(
        actor=user, draft=draft, revision=draft.revision, conflict_id=CONFLICT, resolution=resolution, value=value
    )
    draft.refresh_from_db()
    assert fee_yen(draft) == yen
    assert (OVERRIDDEN in mirai_overrides(draft)) == (resolution != "theirs")
    assert draft.open_conflicts == []
    settled = draft.national_update["conflicts"][0]
    assert settled["resolution"] == resolution and settled["settled_by"] == user.username
    event = AuditEvent.objects.get(action="studio.conflict_settle", target_id=str(draft.pk))
    assert event.detail["resolution"] == resolution and event.detail["value"] == value
    with pytest.raises(services.StudioError, match="already settled"):
        services.draft_conflict_settle(
            actor=user, draft=draft, revision=draft.revision, conflict_id=CONFLICT, resolution="ours"
        )


def test_an_invalid_edit_is_refused_and_the_conflict_stays_open():
    user = editor()
    draft = national_draft(user)
    with pytest.raises(services.DraftInvalid) as info:
        services.draft_conflict_settle(
            actor=user, draft=draft, revision=draft.revision, conflict_id=CONFLICT, resolution="edit",
            value={"yen": -1},
        )  # fmt: skip
    assert any(e.file == "municipalities/mirai/overrides.yaml" for e in info.value.errors), info.value.errors
    draft.refresh_from_db()
    assert [c["id"] for c in draft.open_conflicts] == [CONFLICT]
    assert fee_yen(draft) == 450


def test_no_submit_or_publish_while_a_conflict_is_open_then_publishing_works():
    author, reviewer = editor(), approver()
    draft = national_draft(author)
    with pytest.raises(services.StudioError, match="衝突が 1 件"):
        services.draft_submit(
            actor=author, draft=draft, revision=draft.revision, reason="国の改正", version_by="build_date",
            effective_from=today() + timedelta(days=3),
        )  # fmt: skip
    draft = services.draft_conflict_settle(
        actor=author, draft=draft, revision=draft.revision, conflict_id=CONFLICT, resolution="edit", value={"yen": 480}
    )
    for story in [r for r in draft_story_results(draft) if not r.passed]:  # the new age limit, meant
        draft = services.draft_story_accept(
            actor=author, draft=draft, revision=draft.revision, name=story.name, reason="国の改正で 70 歳から"
        )
    draft = services.draft_submit(
        actor=author, draft=draft, revision=draft.revision, reason="国の改正", version_by="build_date",
        effective_from=today() + timedelta(days=3),
    )  # fmt: skip
    draft = services.draft_approve(actor=reviewer, draft=draft, revision=draft.revision)
    published = services.draft_publish(actor=reviewer, draft=draft)
    compiled = compiled_catalogue(published.version)
    by_code = {p.code: p.data for p in compiled.procedures}
    assert by_code[OVERRIDDEN]["fee"]["yen"] == 480
    assert by_code[CODE]["applies_if"] == NEW_RULE
    assert CatalogueVersion.objects.filter(pk=published.version.pk).exists()


def test_a_release_that_does_not_load_stores_nothing():
    user = editor()
    before = Draft.objects.count()
    files = national_release(**{CODE: {"applies_if": {"==": [{"var": "no_such_fact"}, 1]}}})
    with pytest.raises(services.DraftInvalid) as info:
        exchange.draft_national_update(actor=user, title="壊れた", national_files=files)
    assert any("no_such_fact" in e.problem for e in info.value.errors)
    with pytest.raises(services.DraftInvalid) as info:
        exchange.draft_national_update(actor=user, title="壊れた", national_files={"other.yaml": "x: 1"})
    assert "national/ files only" in str(info.value)
    assert Draft.objects.count() == before


def test_the_command_prints_what_was_taken_and_the_conflicts(tmp_path, capsys):
    user = editor()
    for rel, text in national_release(**{OVERRIDDEN: {"fee": {"yen": 500}}}).items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    call_command("catalogue_national_update", str(tmp_path), "--draft-title", "国の版", "--actor", user.username)
    report = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in report["conflicts"]] == [CONFLICT]
    assert Draft.objects.get(pk=report["draft"]).open_conflicts
    with pytest.raises(CommandError, match="no national/ folder"):
        call_command("catalogue_national_update", str(tmp_path / "national" / "procedures"), "--draft-title", "x",
                     "--actor", user.username)  # fmt: skip


def test_studio_pages_take_in_a_release_and_settle_its_conflict(client):
    user = editor()
    sign_in(client, user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for rel, text in national_release(**{OVERRIDDEN: {"fee": {"yen": 500}}}).items():
            archive.writestr(rel, text)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "national.zip"
    response = client.post(reverse("studio:national-update"), {"national-title": "国の版", "national-files": upload})
    draft = Draft.objects.get(title="国の版")
    assert response.status_code == 302 and response["Location"] == reverse("studio:national", args=[draft.pk])
    page = client.get(reverse("studio:national", args=[draft.pk])).content.decode()
    assert CONFLICT in page and "未決" in page
    assert "衝突が 1 件未決" in client.get(reverse("studio:draft", args=[draft.pk])).content.decode()
    url = reverse("studio:conflict", args=[draft.pk, 0])
    data = {"revision": draft.revision, "conflict": CONFLICT, "resolution": "edit", "value": "{not json"}
    response = client.post(url, data)
    assert response.status_code == 400 and 'href="#id_value"' in response.content.decode()
    response = client.post(url, {**data, "value": '{"yen": -5}'})
    assert response.status_code == 400 and "municipalities/mirai/overrides.yaml" in response.content.decode()
    response = client.post(url, {**data, "resolution": "theirs", "value": ""})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.open_conflicts == [] and fee_yen(draft) == 500
    assert "衝突はすべて決まりました" in client.get(reverse("studio:draft", args=[draft.pk])).content.decode()


def test_a_bad_release_upload_is_a_400(client):
    sign_in(client, editor())
    upload = io.BytesIO(b"not a zip")
    upload.name = "national.zip"
    before = Draft.objects.count()
    response = client.post(reverse("studio:national-update"), {"national-title": "x", "national-files": upload})
    assert response.status_code == 400 and "is not a zip file" in response.content.decode()
    assert Draft.objects.count() == before
