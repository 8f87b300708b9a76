"""The questionnaire walker on a draft: run by the preview task, shown on the draft page, accepted ones marked."""

import pytest
from django.urls import reverse
from staff_testing import sign_in
from studio_testing import CODE, change_rule, editor

from procedures import content
from procedures.selectors import catalogue_version_in_force
from studio import exchange, services
from studio.models import Preview

pytestmark = pytest.mark.django_db

NEVER_ELDER = {
    "some": [{"var": "members"}, {"and": [{"==": [{"var": "relation"}, "deceased"]}, {">=": [{"var": "age"}, 200]}]}]
}
LATE_ELDERLY = "kouki_koureisha_tennyu"
NEVER_LATE = {"and": [{">=": [{"var": "member.age"}, 200]}, {"==": [{"var": "member.insurance"}, "late_elderly"]}]}


def run_preview(user, draft) -> Preview:
    preview = services.preview_request(actor=user, draft=draft)
    services.preview_compute(preview_id=preview.pk)  # the task's body (tests/studio/test_preview.py runs the worker)
    preview.refresh_from_db()
    return preview


def broken_draft(user):
    """Two procedures no household can require (age 200); the walker's finding on one accepted, with why."""
    draft = change_rule(user, exchange.draft_import(
        actor=user, title="年齢 200", bundle=exchange.version_bundle(catalogue_version_in_force())
    ), rule=NEVER_ELDER)  # fmt: skip
    draft = services.draft_edit_procedure(
        actor=user, draft=draft, revision=draft.revision, code=LATE_ELDERLY, changes={"applies_if": NEVER_LATE}
    )
    return draft


def test_the_preview_stores_the_walk_of_the_draft_and_the_page_shows_it(client):
    user = editor()
    draft = broken_draft(user)
    preview = run_preview(user, draft)
    assert preview.state == Preview.State.DONE, preview.error
    walk = preview.result["walk"]
    found = {f["where"]: f for f in walk["findings"]}
    assert found[CODE]["kind"] in ("procedure_only_check", "unreachable_procedure")
    assert found[LATE_ELDERLY]["kind"] in ("procedure_only_check", "unreachable_procedure")
    assert not found[CODE]["accepted"] and walk["not_accepted"] == len(walk["findings"])
    assert walk["procedures"] > 50 and walk["seconds"] > 0

    sign_in(client, user)
    page = client.get(reverse("studio:draft", args=[draft.pk])).content.decode()
    assert "質問の通り道の検査" in page
    assert f"<code>{CODE}</code>" in page and "未承認" in page
    assert found[CODE]["message"] in page


def test_accepted_findings_are_marked_with_their_reason(client):
    user = editor()
    draft = broken_draft(user)
    kind = run_preview(user, draft).result["walk"]["findings"]
    kinds = {f["where"]: f["kind"] for f in kind}
    bundle = exchange.draft_bundle(draft)
    bundle.catalogue["national/accepted_findings.yaml"] = content.dump_yaml(
        {"accepted_findings": [{"kind": kinds[CODE], "procedure": CODE, "reason": "200 歳は試しの値"}]}
    )
    accepted = exchange.draft_import(actor=user, title="承認つき", bundle=bundle)
    walk = run_preview(user, accepted).result["walk"]
    marks = {f["where"]: (f["accepted"], f["reason"]) for f in walk["findings"]}
    assert marks[CODE] == (True, "200 歳は試しの値")
    assert marks[LATE_ELDERLY] == (False, "")
    sign_in(client, user)
    page = client.get(reverse("studio:draft", args=[accepted.pk])).content.decode()
    assert "承認済み</span>: 200 歳は試しの値" in page


def test_the_walk_is_marked_stale_after_an_edit(client):
    user = editor()
    draft = broken_draft(user)
    run_preview(user, draft)
    draft = services.draft_edit_procedure(
        actor=user, draft=draft, revision=draft.revision, code=LATE_ELDERLY, changes={"rationale": "試し"}
    )
    sign_in(client, user)
    page = client.get(reverse("studio:draft", args=[draft.pk])).content.decode()
    assert "この結果はドラフトの変更前" in page
