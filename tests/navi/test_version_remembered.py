"""POST builds on the version this process last found in force today, and its one statement checks it.

A version that takes effect is used by the very next POST; a remembered version that is not (or no
longer) the one in force writes nothing, and the checklist is built again on the one that is.
"""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from navi.models import Checklist
from procedures import selectors
from procedures.models import CatalogueVersion
from procedures.services import catalogue_load

pytestmark = pytest.mark.django_db

MOVE = {
    "life_events": ["moving"],
    "event_date": "2026-09-08",
    "answers": {"move_type": "in_from_other", "moved_in_on": "2026-09-08"},
    "members": [{"relation": "self", "age": 40, "insurance": "employee", "has_mynumber_card": True}],
}


def post(api, body=MOVE):
    with CaptureQueriesContext(connection) as ctx:
        r = api.post("/api/v1/checklists/", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    return r.json(), len(ctx.captured_queries)


def version(catalogue_dir, *, effective_from, change):
    """A version of the shipped catalogue with one change, effective on the date given."""
    path, old, new = change
    file = catalogue_dir / path
    file.write_text(file.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    meta = catalogue_dir / "catalogue.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace("2026-04-01", effective_from.isoformat()), encoding="utf-8"
    )
    loaded = catalogue_load(path=catalogue_dir).version
    selectors.compiled_catalogue(loaded)  # compiled once per process, as a running server has it
    return loaded


LONGER = ("national/procedures/tennyu_todoke.yaml", "days: 14,", "days: 30,")
YOUNGER = ("national/questions/common.yaml", "max: 130", "max: 30")


def tennyu_deadline(data) -> str:
    return next(i["deadline"] for i in data["items"] if i["key"] == "tennyu_todoke")


def test_a_version_taking_effect_today_is_used_by_the_next_post(catalogue_dir):
    api = APIClient()
    before, _ = post(api)
    again, queries = post(api)
    assert queries == 1 and again["catalogue_version"] == before["catalogue_version"]
    new = version(catalogue_dir, effective_from=timezone.localdate(), change=LONGER)
    count = Checklist.objects.count()
    after, queries = post(api)
    assert after["catalogue_version"] == new.content_hash != before["catalogue_version"]
    assert (tennyu_deadline(before), tennyu_deadline(after)) == ("2026-09-24", "2026-10-08")
    assert queries == 3, "the check that wrote nothing, the lookup, the write"
    assert Checklist.objects.count() == count + 1
    stored = Checklist.objects.get(token=after["token"])
    assert stored.catalogue_version_id == new.pk
    assert api.get(f"/api/v1/checklists/{after['token']}/").json() == after
    _, queries = post(api)
    assert queries == 1, "remembered again"


def remember_wrongly(version: CatalogueVersion) -> None:
    """As if this process had found `version` in force today (a version not in force at all)."""
    row = tuple(getattr(version, f) for f in selectors._IN_FORCE_FIELDS)
    selectors._found[timezone.localdate()] = row


def test_a_remembered_version_not_in_force_writes_nothing_and_the_one_in_force_is_used(catalogue_dir):
    api = APIClient()
    in_force, _ = post(api)
    future = version(catalogue_dir, effective_from=timezone.localdate() + timedelta(days=30), change=LONGER)
    remember_wrongly(future)
    count = Checklist.objects.count()
    data, queries = post(api)
    assert data["catalogue_version"] == in_force["catalogue_version"] != future.content_hash
    assert tennyu_deadline(data) == tennyu_deadline(in_force)
    assert queries == 3 and Checklist.objects.count() == count + 1
    assert not Checklist.objects.filter(catalogue_version=future).exists()


def test_answers_a_remembered_version_would_refuse_are_judged_on_the_one_in_force(catalogue_dir):
    api = APIClient()
    in_force, _ = post(api)
    future = version(catalogue_dir, effective_from=timezone.localdate() + timedelta(days=30), change=YOUNGER)
    remember_wrongly(future)
    data, queries = post(api)  # age 40: over the remembered version's maximum, within the one in force
    assert data["catalogue_version"] == in_force["catalogue_version"]
    assert queries == 2, "the lookup, the write"
    remember_wrongly(future)
    r = api.post(
        "/api/v1/checklists/",
        json.dumps({**MOVE, "members": [{**MOVE["members"][0], "age": 131}]}),
        content_type="application/json",
    )
    assert r.status_code == 400 and "members.0.age" in json.dumps(r.json())
