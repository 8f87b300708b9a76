"""The audit log is insert-only, enforced by the database itself: a trigger refuses every UPDATE
and DELETE on audit_auditevent, from the ORM, the admin, a shell or raw SQL alike.

PostgreSQL raises restrict_violation (an IntegrityError to Django), SQLite RAISE(ABORT) (the
same), so both databases the product runs on answer the same way. Row-level triggers, not
TRUNCATE: the test suite's flush must still be able to empty the table between live-server tests.
"""

from django.db import migrations

MESSAGE = "audit_auditevent is insert-only"

POSTGRESQL_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION audit_event_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP USING ERRCODE = 'restrict_violation';
    END
    $$;
    """,
    """
    CREATE TRIGGER audit_event_insert_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_insert_only();
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_event_insert_only ON audit_auditevent;",
    "DROP FUNCTION IF EXISTS audit_event_insert_only();",
]
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER audit_event_no_{operation.lower()} BEFORE {operation} ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {operation} refused'); END;
    """
    for operation in ("UPDATE", "DELETE")
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS audit_event_no_{operation};" for operation in ("update", "delete")]

STATEMENTS = {
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
}


def _run(schema_editor, direction: int) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise NotImplementedError(f"no insert-only trigger for {vendor}: add one before running on it")
    for statement in STATEMENTS[vendor][direction]:
        schema_editor.execute(statement, params=None)  # None: the % in RAISE is not a placeholder


def forward(apps, schema_editor):
    _run(schema_editor, 0)


def reverse(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
