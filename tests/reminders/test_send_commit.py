"""The send's status writes commit without waiting for the WAL flush; nothing else does.

Triggers record `synchronous_commit` as each write sees it, in the transaction that commits it:
off for the send's take and finish, on for the claim and for what a resident does.
"""

import json

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from reminder_testing import active_email, new_checklist

from reminders import services
from reminders.models import Message

# Committed rows (the send's statements must be transactions of their own); the resident's
# request needs the apps its middleware reads, flushed afterwards with the rest.
pytestmark = pytest.mark.django_db(
    transaction=True,
    available_apps=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "rest_framework",
        "axes",
        "staff",
        "audit",
        "navi",
        "reminders",
    ],
)

SEEN = """
    CREATE TABLE commit_seen (what text, status text, mode text);
    CREATE FUNCTION commit_seen() RETURNS trigger AS $$
    BEGIN
        INSERT INTO commit_seen VALUES (
            TG_TABLE_NAME || ' ' || TG_OP,
            to_jsonb(NEW) ->> 'status',
            current_setting('synchronous_commit'));
        RETURN NULL;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER commit_seen AFTER INSERT OR UPDATE ON reminders_message
        FOR EACH ROW EXECUTE FUNCTION commit_seen();
    CREATE TRIGGER commit_seen AFTER INSERT OR UPDATE ON navi_checklist
        FOR EACH ROW EXECUTE FUNCTION commit_seen();
"""
GONE = """
    DROP TRIGGER IF EXISTS commit_seen ON reminders_message;
    DROP TRIGGER IF EXISTS commit_seen ON navi_checklist;
    DROP FUNCTION IF EXISTS commit_seen();
    DROP TABLE IF EXISTS commit_seen;
"""


@pytest.fixture
def seen():
    with connection.cursor() as cursor:
        cursor.execute(GONE + SEEN)

    def read():
        with connection.cursor() as cursor:
            cursor.execute("SELECT what, status, mode FROM commit_seen")
            rows = cursor.fetchall()
            cursor.execute("TRUNCATE commit_seen")
        return rows

    yield read
    with connection.cursor() as cursor:
        cursor.execute(GONE)


def test_the_sends_writes_are_relaxed_the_claim_and_residents_are_not(smtp, seen):
    checklist = new_checklist()
    active_email(checklist, "hanako@example.jp")
    Message.objects.filter(kind=Message.CONFIRM).delete()
    first = Message.objects.filter(kind=Message.DIGEST).order_by("due_at").first()
    seen()

    [pk] = services.claim_due(now=first.due_at, limit=1)
    assert seen() == [("reminders_message UPDATE", "queued", "on")]

    assert services.message_send(message_id=pk, now=first.due_at).status == Message.SENT
    assert seen() == [("reminders_message UPDATE", "sending", "off"), ("reminders_message UPDATE", "sent", "off")]
    with connection.cursor() as cursor:  # the setting went with the send's transactions
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)

    # A resident: a new checklist, then a tick.
    client = Client()
    body = {
        "life_events": ["birth"],
        "event_date": str(timezone.localdate()),
        "members": [{"relation": "child", "age": 0}],
    }
    created = client.post("/api/v1/checklists/", json.dumps(body), content_type="application/json")
    assert created.status_code == 201
    key = created.json()["items"][0]["key"]
    ticked = client.patch(
        f"/api/v1/checklists/{created.json()['token']}/items/{key}/",
        json.dumps({"done": True}),
        content_type="application/json",
    )
    assert ticked.status_code == 200
    writes = seen()
    assert [what for what, _, _ in writes] == ["navi_checklist INSERT", "navi_checklist UPDATE"]
    assert {mode for _, _, mode in writes} == {"on"}


def test_inside_a_callers_transaction_the_callers_commit_is_left_alone(smtp, seen):
    from django.db import transaction

    checklist = new_checklist()
    active_email(checklist, "hanako@example.jp")
    Message.objects.filter(kind=Message.CONFIRM).delete()
    first = Message.objects.filter(kind=Message.DIGEST).order_by("due_at").first()
    [pk] = services.claim_due(now=first.due_at, limit=1)
    seen()
    with transaction.atomic():
        assert services.message_send(message_id=pk, now=first.due_at).status == Message.SENT
    assert [mode for _, _, mode in seen()] == ["on", "on"]
