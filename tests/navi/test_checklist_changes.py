"""checklist_changes: what new answers or a new catalogue version would do to a stored checklist."""

import json

import pytest
from rest_framework.test import APIClient

from navi.models import Checklist
from navi.services import checklist_changes
from procedures.services import catalogue_load

pytestmark = pytest.mark.django_db

MOVE = {
    "life_events": ["moving"],
    "event_date": "2026-09-08",
    "answers": {"move_type": "in_from_other", "moved_in_on": "2026-09-08", "has_dog": False},
    "members": [{"relation": "self", "age": 40, "insurance": "employee", "has_mynumber_card": True}],
}


@pytest.fixture
def checklist():
    r = APIClient().post("/api/v1/checklists/", json.dumps(MOVE), content_type="application/json")
    assert r.status_code == 201, r.content
    return Checklist.objects.get(token=r.json()["token"])


def test_same_answers_same_catalogue_change_nothing(checklist):
    assert not checklist_changes(checklist=checklist)


def test_new_answers_add_items(checklist):
    diff = checklist_changes(checklist=checklist, answers={**MOVE["answers"], "has_dog": True})
    assert diff.added == ("inu_toroku_henko",)
    assert not diff.removed and not diff.changed
    stored = Checklist.objects.get(pk=checklist.pk)
    assert "inu_toroku_henko" not in {i.key for i in stored.item_list}, "nothing is saved"
    assert stored.items == checklist.items


def test_a_new_catalogue_version_that_moves_a_deadline(checklist, catalogue_dir):
    rel = catalogue_dir / "national" / "procedures" / "tennyu_todoke.yaml"
    rel.write_text(rel.read_text(encoding="utf-8").replace("days: 14,", "days: 30,", 1), encoding="utf-8")
    (catalogue_dir / "catalogue.yaml").write_text(
        (catalogue_dir / "catalogue.yaml").read_text(encoding="utf-8").replace("2026-04-01", "2027-04-01"),
        encoding="utf-8",
    )
    version = catalogue_load(path=catalogue_dir).version
    diff = checklist_changes(checklist=checklist, version=version)
    assert [c.key for c in diff.changed] == ["tennyu_todoke"]
    old, new = diff.changed[0].changes["deadline"]
    assert (old.isoformat(), new.isoformat()) == ("2026-09-24", "2026-10-08")
    assert not checklist_changes(checklist=checklist), "the version in force is still the old one"
