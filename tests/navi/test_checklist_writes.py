"""How a checklist is written on PostgreSQL: one prepared statement (procedures/db.py), all or
nothing, committed without waiting for the disk only when it is its own transaction."""

import json
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from procedures.db import prepared_cursor

pytestmark = pytest.mark.django_db

BODY = {"life_events": ["birth"], "event_date": "2026-04-20", "members": [{"relation": "child", "age": 0}]}


def prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_post_and_get_run_prepared_statements():
    client = APIClient()
    created = client.post("/api/v1/checklists/", json.dumps(BODY), content_type="application/json")
    assert created.status_code == 201
    read = client.get(f"/api/v1/checklists/{created.json()['token']}/")
    assert read.status_code == 200
    assert read.json()["items"] == created.json()["items"]
    statements = prepared()
    assert any("FROM procedures_catalogueversion" in s for s in statements)  # the version in force
    assert any("INSERT INTO navi_checklistitem" in s and "unnest" in s for s in statements)  # the write
    assert any("FROM navi_checklist\n" in s and "token = $1" in s for s in statements)  # the read
    assert any("FROM navi_checklistitem" in s and "ORDER BY" in s for s in statements)


def test_prepared_statements_can_be_turned_off(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    with prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int + 1 AS unprepared_probe", [41])
        assert cursor.fetchone() == (42,)
    assert not any("unprepared_probe" in s for s in prepared())
    settings.DATABASE_PREPARED_STATEMENTS = True
    with prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int + 1 AS prepared_probe", [41])
        assert cursor.fetchone() == (42,)
    assert any("prepared_probe" in s for s in prepared())


# No test transaction around it: autocommit, as in a request. The flush afterwards is limited to
# navi's tables, so the catalogue loaded for the session stays.
@pytest.mark.django_db(transaction=True, available_apps=["navi"])
def test_a_write_that_fails_leaves_nothing(monkeypatch):
    """One statement is one transaction: an item the database refuses takes its checklist with it."""
    from navi import services
    from navi.models import Checklist, ChecklistItem

    real = services.checklist_build

    def duplicated(**kwargs):
        built = real(**kwargs)
        items = built.items + built.items[:1]  # the same key twice breaks the unique (checklist, key)
        return services.Built(**{**built.__dict__, "items": items})

    monkeypatch.setattr(services, "checklist_build", duplicated)
    before = (Checklist.objects.count(), ChecklistItem.objects.count())
    with pytest.raises(IntegrityError, match="checklist_item_unique_key"):
        services.checklist_create(
            life_events=["birth"], event_date=date(2026, 4, 20), answers={}, members=[{"relation": "child", "age": 0}]
        )
    assert (Checklist.objects.count(), ChecklistItem.objects.count()) == before


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def create():
    from navi.services import checklist_create

    return checklist_create(
        life_events=["birth"], event_date=date(2026, 4, 20), answers={}, members=[{"relation": "child", "age": 0}]
    )


@pytest.mark.parametrize("asynchronous", [True, False])
def test_the_statement_sets_the_commit_mode_of_its_own_transaction_only(asynchronous):
    from navi import services

    checklist = [f"t{int(asynchronous)}" + "x" * 41, 1, "[]", date(2026, 4, 20), "ja", "{}", "[]", "[]", "[]"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM procedures_catalogueversion LIMIT 1")
        checklist[1] = cursor.fetchone()[0]
    before = synchronous_commit()
    assert before == "on"
    with transaction.atomic():  # a savepoint in the test's transaction
        with prepared_cursor() as cursor:
            now = "2026-04-20T00:00:00+09:00"
            cursor.execute(services._CREATE_PG, [asynchronous, *checklist, now, now, now, ["a"], ["a"], [None],
                                                 ["required"], [None], ['{"key":"a"}']])  # fmt: skip
        assert synchronous_commit() == ("off" if asynchronous else "on")


@pytest.mark.django_db(transaction=True, available_apps=["navi"])
@pytest.mark.parametrize("setting", [True, False])
def test_a_checklist_made_in_a_request_commits_without_waiting_for_the_disk(settings, setting):
    settings.CHECKLIST_CREATE_ASYNC_COMMIT = setting
    with CaptureQueriesContext(connection) as ctx:
        token = create().token
    (write,) = [q["sql"] for q in ctx.captured_queries if "INSERT INTO navi_checklistitem" in q["sql"]]
    assert f"CASE WHEN {'true' if setting else 'false'} THEN 'off'" in write
    assert synchronous_commit() == "on"  # the next transaction on the connection waits again
    from navi.selectors import checklist_view

    assert checklist_view(token) is not None


def test_inside_a_callers_transaction_the_commit_mode_is_left_alone(settings):
    settings.CHECKLIST_CREATE_ASYNC_COMMIT = True
    with transaction.atomic():
        create()
        assert synchronous_commit() == "on"  # the caller's other writes still wait for the disk
