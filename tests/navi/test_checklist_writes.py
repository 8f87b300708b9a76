"""How a checklist is written and read on PostgreSQL: prepared statements (procedures/db.py); the
write is one statement, all or nothing."""

import json
from datetime import date

import pytest
from django.db import IntegrityError, connection
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
    assert any("INSERT INTO navi_checklist\n" in s and "items, ticks" in s for s in statements)  # the write
    assert any("FROM navi_checklist\n" in s and "token = $1" in s for s in statements)  # the read


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
    """The checklist and its items are one row: a row the database refuses leaves nothing behind."""
    from navi import services
    from navi.models import Checklist

    def create():
        return services.checklist_create(
            life_events=["birth"], event_date=date(2026, 4, 20), answers={}, members=[{"relation": "child", "age": 0}]
        )

    taken = create().token
    monkeypatch.setattr(services, "new_token", lambda: taken)  # a token that is taken breaks its unique index
    before = list(Checklist.objects.values_list("token", "items", "ticks"))
    with pytest.raises(IntegrityError, match="checklist_token_unique"):
        create()
    assert list(Checklist.objects.values_list("token", "items", "ticks")) == before
