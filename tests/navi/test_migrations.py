"""Stored checklists survive the move of their JSON columns from jsonb to text, and back."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from navi.models import Checklist

pytestmark = pytest.mark.django_db

BEFORE = [("navi", "0002_lean_item_content")]
AFTER = [("navi", "0003_checklist_json_as_text")]
BODY = {
    "life_events": ["moving"],
    "event_date": "2026-09-08",
    "answers": {"move_type": "in_from_other", "moved_in_on": "2026-09-08", "wants_seal_registration": True},
    "members": [{"relation": "self", "age": 41, "insurance": "national"}, {"relation": "child", "age": 4}],
}


def migrate(targets):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's pending foreign-key checks, before ALTER TABLE
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def column_type(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'navi_checklist' AND column_name = %s",
            [name],
        )
        return cursor.fetchone()[0]


def test_json_columns_move_to_text_with_their_data():
    api = APIClient()
    created = api.post("/api/v1/checklists/", json.dumps(BODY), content_type="application/json").json()
    fields = ("life_events", "answers", "members", "documents", "unanswered")
    want = {f: created[f] for f in fields}
    old_apps = migrate(BEFORE)  # the JSON columns as jsonb again, as the previous release stored them
    assert column_type("documents") == "jsonb"
    OldChecklist = old_apps.get_model("navi", "Checklist")
    assert {f: getattr(OldChecklist.objects.get(token=created["token"]), f) for f in fields} == want
    migrate(AFTER)
    assert column_type("documents") == "text"
    read = api.get(f"/api/v1/checklists/{created['token']}/").json()
    assert {f: read[f] for f in fields} == want
    checklist = Checklist.objects.get(token=created["token"])
    assert {f: getattr(checklist, f) for f in fields} == want
