"""Stored checklists survive the migrations that change how they are stored, both ways: their JSON
columns from jsonb to text; their items from a row each into the checklist's row."""

import importlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from navi.models import Checklist
from procedures.selectors import compiled_catalogue

pytestmark = pytest.mark.django_db

BEFORE = [("navi", "0002_lean_item_content")]
AFTER = [("navi", "0003_checklist_json_as_text")]
LATEST = [("navi", "0006_items_in_checklist")]
ITEM_ROWS = [("navi", "0005_lighter_checklist_writes")]
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
    migrate(LATEST)
    read = api.get(f"/api/v1/checklists/{created['token']}/").json()
    assert {f: read[f] for f in fields} == want
    checklist = Checklist.objects.get(token=created["token"])
    assert {f: getattr(checklist, f) for f in fields} == want


def test_items_move_into_the_checklist_row_with_their_ticks_and_back():
    api = APIClient()
    created = api.post("/api/v1/checklists/", json.dumps(BODY), content_type="application/json").json()
    token = created["token"]
    keys = [i["key"] for i in created["items"]]
    ticked = {keys[0], keys[-1]}
    for key in ticked:
        assert api.patch(f"/api/v1/checklists/{token}/items/{key}/", {"done": True}, format="json").status_code == 200
    want = api.get(f"/api/v1/checklists/{token}/").json()
    assert {i["key"] for i in want["items"] if i["done"]} == ticked
    at = Checklist.objects.get(token=token).ticks

    old_apps = migrate(ITEM_ROWS)  # a row per item again, as the previous release stored them
    rows = old_apps.get_model("navi", "ChecklistItem").objects.filter(checklist__token=token).order_by("position")
    assert [r.key for r in rows] == keys
    assert {r.key for r in rows if r.done} == ticked
    assert {r.key: r.done_at.isoformat() for r in rows if r.done} == at
    assert [r.deadline.isoformat() if r.deadline else None for r in rows] == [i["deadline"] for i in want["items"]]

    migrate(LATEST)
    assert api.get(f"/api/v1/checklists/{token}/").json() == want
    assert Checklist.objects.get(token=token).ticks == at


def test_the_migration_leaves_stored_items_as_the_api_now_writes_them():
    data = APIClient().post("/api/v1/checklists/", json.dumps(BODY), content_type="application/json").json()
    checklist = Checklist.objects.get(token=data["token"])
    catalogue = compiled_catalogue(checklist.catalogue_version)
    old_apps = migrate(ITEM_ROWS)
    ChecklistItem = old_apps.get_model("navi", "ChecklistItem")
    now = {i.pk: i.content for i in ChecklistItem.objects.filter(checklist_id=checklist.pk)}
    for item in ChecklistItem.objects.filter(checklist_id=checklist.pk):  # as the release before 0002 stored them
        content = json.loads(item.content)
        proc = catalogue.procedure_by_code[item.procedure_code]
        content["procedure"] = {
            "code": proc.code,
            "name": content["procedure"]["name"],
            "description": proc.data["description"]["ja"],
            "department": content["procedure"]["department"],
            "counter": content["procedure"]["counter"],
            "location": "本庁舎 1 階",
            "hours": "平日 8:30〜17:15",
            "office": content["procedure"]["office"],
            "online_url": content["procedure"]["online_url"],
            "fee": None,
        }
        content["legal_basis"] = [{"law": c["law"], "article": c["article"]} for c in proc.data["legal_basis"]]
        item.content = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        item.save(update_fields=["content"])
    migration = importlib.import_module("navi.migrations.0002_lean_item_content")
    migration.forwards(old_apps, None)
    after = {i.pk: i.content for i in ChecklistItem.objects.filter(checklist_id=checklist.pk)}
    assert after == now
    migrate(LATEST)
    r = APIClient().get(f"/api/v1/checklists/{data['token']}/")
    assert r.json()["items"] == data["items"]
