"""The preview: only the changed rules, over stored checklists' answers, counted right; in a real worker."""

import time
from datetime import date

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from studio_testing import CODE, OLD_RULE, change_rule, editor, new_draft

from config.celery import app
from navi.services import checklist_create
from procedures.services import catalogue_load
from studio import services
from studio.models import Preview

DEATH = date(2026, 6, 1)


def death(age, **answers):
    """A stored checklist: someone of `age` died, leaving a spouse."""
    members = [{"relation": "deceased", "age": age, "insurance": "national"}, {"relation": "spouse", "age": 60}]
    return checklist_create(life_events=["death"], event_date=DEATH, answers=answers, members=members)


def seed():
    for age in (66, 69, 72, 80, None):
        death(age)
    checklist_create(
        life_events=["moving"], event_date=DEATH, answers={"move_type": "within"}, members=[{"relation": "self"}]
    )
    checklist_create(life_events=["birth"], event_date=DEATH, answers={}, members=[{"relation": "child", "age": 0}])


def compute(draft, user):
    preview = Preview.objects.create(draft=draft, revision=draft.revision, requested_by=user)
    return services.preview_compute(preview_id=preview.pk)


@pytest.mark.django_db
def test_a_higher_age_limit_loses_the_item_for_the_deceased_under_it():
    seed()
    user = editor()
    draft = change_rule(user, new_draft(user))  # 65 → 70
    preview = compute(draft, user)
    assert preview.state == Preview.State.DONE
    result = preview.result
    assert result["codes"] == [CODE]
    assert result["checked"] == 5, "only the death checklists are read"
    assert preview.total == preview.processed == 5
    assert result["changed"] == 2  # 66 and 69; 72 and 80 keep it; unknown age stays to check
    counts = result["procedures"][CODE]
    assert {k: counts[k] for k in ("gained", "lost", "status", "deadline")} == {
        "gained": 0, "lost": 2, "status": 0, "deadline": 0,
    }  # fmt: skip
    ages = sorted(m["age"] for e in counts["examples"] for m in e["members"] if m["relation"] == "deceased")
    assert ages == [66, 69]
    assert all(e["changes"] == [f"{CODE}: 削除"] for e in counts["examples"])
    example = str(counts["examples"])
    assert "2026" not in example, "no dates in the examples"


@pytest.mark.django_db
def test_status_and_deadline_changes_are_counted_per_procedure():
    seed()
    user = editor()
    draft = new_draft(user)
    # Also ask whether the deceased was the head: unanswered everywhere, so required turns to check.
    rule = {"and": [OLD_RULE, {"var": "deceased_was_head"}]}
    draft = change_rule(user, draft, rule)
    draft = services.draft_edit_procedure(
        actor=user, draft=draft, revision=draft.revision, code=CODE,
        changes={"deadline": {"days": 30, "from": "event_date", "count_first_day": False, "calendar": "none"}},
    )  # fmt: skip
    counts = compute(draft, user).result["procedures"][CODE]
    # 66, 69, 72, 80 had it as required with a 14-day deadline; now to check, by 2026-07-01; the unknown age too.
    assert {k: counts[k] for k in ("gained", "lost", "status", "deadline")} == {
        "gained": 0, "lost": 0, "status": 4, "deadline": 5,
    }  # fmt: skip


@pytest.mark.django_db
def test_a_text_only_change_reads_no_checklist():
    seed()
    user = editor()
    draft = new_draft(user)
    draft = services.draft_edit_procedure(
        actor=user, draft=draft, revision=1, code=CODE, changes={"rationale": "言い換えただけ"}
    )
    preview = compute(draft, user)
    walk = preview.result.pop("walk")  # the questionnaire walker runs on every preview (test_draft_walk.py)
    assert preview.result == {"checked": 0, "changed": 0, "procedures": {}, "codes": []}
    assert walk["findings"] == [] and walk["stale"] == []


@pytest.mark.django_db
def test_the_task_takes_a_preview_once():
    user = editor()
    draft = change_rule(user, new_draft(user))
    preview = Preview.objects.create(draft=draft, revision=draft.revision, requested_by=user)
    assert services.preview_compute(preview_id=preview.pk).state == Preview.State.DONE
    assert services.preview_compute(preview_id=preview.pk) is None  # already taken: nothing done twice


@pytest.mark.django_db
def test_a_preview_of_an_older_revision_fails_with_a_reason():
    user = editor()
    draft = new_draft(user)
    preview = Preview.objects.create(draft=draft, revision=draft.revision, requested_by=user)
    change_rule(user, draft)
    done = services.preview_compute(preview_id=preview.pk)
    assert done.state == Preview.State.FAILED
    assert "変更されました" in done.error


@pytest.mark.django_db(transaction=True)
def test_requested_on_commit_and_counted_by_a_real_worker():
    catalogue_load(path=settings.CATALOGUE_DIR)  # an earlier transactional test flushed it
    seed()
    user = editor()
    draft = change_rule(user, new_draft(user))
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        preview = services.preview_request(actor=user, draft=draft)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            preview.refresh_from_db()
            if preview.state in (Preview.State.DONE, Preview.State.FAILED):
                break
            time.sleep(0.2)
    assert preview.state == Preview.State.DONE, preview.error
    assert preview.result["procedures"][CODE]["lost"] == 2
