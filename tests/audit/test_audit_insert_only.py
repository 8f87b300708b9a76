"""The audit log is insert-only in the database itself: UPDATE and DELETE fail however they are sent."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError

from audit.models import AuditEvent
from audit.services import audit_record

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.django_db


@pytest.fixture
def event(supervisor):
    return audit_record(
        user=supervisor, action="case.view", target_type="case", target_id="42", ip="192.0.2.10", detail={"a": 1}
    )


def test_inserting_works_and_the_row_reads_back(event):
    assert AuditEvent.objects.get(pk=event.pk).action == "case.view"


def test_raw_sql_update_is_refused_by_the_database(event):
    with pytest.raises(IntegrityError, match="insert-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'nothing.happened' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "case.view"


def test_raw_sql_delete_is_refused_by_the_database(event):
    with pytest.raises(IntegrityError, match="insert-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_orm_update_delete_and_save_fail_too(event):
    with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(username="someone.else")
    with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
        event.target_id = "43"
        event.save()
    with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).username == "sato.supervisor"
    assert AuditEvent.objects.get(pk=event.pk).target_id == "42"


def test_the_trigger_is_on_the_table():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass AND NOT tgisinternal"
        )
        assert [row[0] for row in cursor.fetchall()] == ["audit_event_insert_only"]


def test_a_user_with_audit_history_cannot_be_deleted(event, supervisor):
    with pytest.raises(ProtectedError), transaction.atomic():
        supervisor.delete()
    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])
    assert AuditEvent.objects.get(pk=event.pk).user_id == supervisor.pk


def test_the_quick_start_sqlite_database_is_protected_too(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.local"})
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "audit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "navi.sqlite3") as db:
        db.execute(
            "INSERT INTO audit_auditevent (at, username, roles, action, target_type, target_id, detail)"
            " VALUES ('2026-04-01 09:00:00', 'tanaka', 'clerk', 'case.view', 'case', '7', '{}')"
        )
        for statement in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"):
            with pytest.raises(sqlite3.IntegrityError, match="insert-only"):
                db.execute(statement)
        assert db.execute("SELECT action FROM audit_auditevent").fetchall() == [("case.view",)]
