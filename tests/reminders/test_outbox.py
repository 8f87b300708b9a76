"""The outbox in-process: policy, sync, claim (SKIP LOCKED), the send's conditional update, retries."""

import random
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reminder_testing import active_email

from navi.models import Checklist
from navi.services import checklist_delete, checklist_update
from reminders import policy, services
from reminders.models import Contact, Message

pytestmark = pytest.mark.django_db
TOKYO = policy.TOKYO


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=TOKYO)


# --- policy --------------------------------------------------------------------------------------


def test_policy_days_and_quiet_hours_from_settings(settings):
    rules = policy.policy_for()
    assert rules.days_before == (7, 3, 1, 0)
    day = date(2027, 1, 10)
    assert policy.reminder_days([day], rules) == {date(2027, 1, 3), date(2027, 1, 7), date(2027, 1, 9), day}
    assert policy.is_quiet(at(day, 21), rules) and policy.is_quiet(at(day, 7, 59), rules)
    assert not policy.is_quiet(at(day, 8), rules) and not policy.is_quiet(at(day, 20, 59), rules)
    assert policy.not_quiet(at(day, 23, 30), rules) == at(day + timedelta(days=1), 8)
    assert policy.not_quiet(at(day, 3), rules) == at(day, 8)
    settings.REMINDER_MUNICIPALITY_POLICY = {"mirai": {"days_before": [14, 0], "quiet_hours": ["20:00", "09:00"]}}
    mirai = policy.policy_for("mirai")
    assert mirai.days_before == (14, 0) and policy.is_quiet(at(day, 20, 30), mirai)


def test_schedule_skips_past_days_and_days_already_at_night():
    rules = policy.policy_for()
    deadline = date(2027, 1, 10)
    noon = at(date(2027, 1, 7), 12)
    assert policy.digest_schedule([deadline], now=noon, policy=rules) == {
        date(2027, 1, 7): noon,  # today's (3 days before) goes now: it is a decent hour
        date(2027, 1, 9): at(date(2027, 1, 9), 9),
        date(2027, 1, 10): at(date(2027, 1, 10), 9),
    }
    late = at(date(2027, 1, 7), 22)
    assert list(policy.digest_schedule([deadline], now=late, policy=rules)) == [date(2027, 1, 9), date(2027, 1, 10)]


def test_backoff_grows_with_jitter():
    now = timezone.now()
    rng = random.Random(1)
    delays = [(policy.retry_at(n, now=now, base_seconds=60, rng=rng) - now).total_seconds() for n in (1, 2, 3, 4)]
    assert delays[0] == 60
    assert all(60 <= d <= 60 * 2 ** (n - 1) for n, d in zip((1, 2, 3, 4), delays, strict=True))
    assert len({round(d) for d in delays[1:]}) == 3  # jittered, not a fixed ladder


# --- sync ----------------------------------------------------------------------------------------


def test_confirming_writes_one_digest_a_day_for_every_deadline(checklist):
    now = timezone.now()
    active_email(checklist, now=now)
    rows = list(Message.objects.filter(checklist=checklist, kind=Message.DIGEST).order_by("day"))
    deadlines = {i.deadline for i in checklist.item_list if i.deadline is not None}
    expected = set(policy.digest_schedule(deadlines, now=now, policy=policy.policy_for("mirai")))
    assert expected and {m.day for m in rows} == expected
    assert len(rows) == len(expected), "one row a day, whatever the number of items due that day"
    assert all(m.status == Message.PENDING for m in rows)
    assert all(not policy.is_quiet(m.due_at, policy.policy_for()) for m in rows)


def test_nobody_opted_in_costs_the_rebuild_one_query_and_writes_nothing(checklist):
    with CaptureQueriesContext(connection) as ctx:
        services.reminders_sync(checklist=checklist)
    assert len(ctx.captured_queries) == 1
    checklist_update(checklist=checklist, language="en")
    assert not Message.objects.exists()


def test_a_rebuild_moves_the_digests_with_the_deadlines(checklist):
    active_email(checklist)
    before = set(Message.objects.filter(kind=Message.DIGEST).values_list("day", flat=True))
    moved = date.today() + timedelta(days=5)
    checklist_update(checklist=checklist, answers={**checklist.answers, "moved_in_on": moved.isoformat()})
    after = set(Message.objects.filter(kind=Message.DIGEST, status=Message.PENDING).values_list("day", flat=True))
    deadlines = {i.deadline for i in Checklist.objects.get(pk=checklist.pk).item_list if i.deadline is not None}
    assert after == set(policy.digest_schedule(deadlines, now=timezone.now(), policy=policy.policy_for()))
    assert after != before


def test_deleting_the_checklist_deletes_contacts_and_outbox(checklist):
    active_email(checklist)
    assert Message.objects.exists() and Contact.objects.exists()
    checklist_delete(checklist=checklist)
    assert not Message.objects.exists() and not Contact.objects.exists()


# --- claim and send ------------------------------------------------------------------------------


def test_claim_takes_only_due_rows_in_bounded_batches(checklist):
    active_email(checklist)
    Message.objects.filter(kind=Message.CONFIRM).update(status=Message.SENT)
    rows = list(Message.objects.filter(status=Message.PENDING).order_by("due_at"))
    first = rows[0].due_at
    assert services.claim_due(now=first - timedelta(seconds=1)) == []
    assert services.claim_due(now=first, limit=1) == [rows[0].pk]
    assert Message.objects.get(pk=rows[0].pk).status == Message.QUEUED
    later = services.claim_due(now=rows[-1].due_at, limit=100)
    assert sorted(later) == sorted(m.pk for m in rows[1:])


def test_the_claim_uses_skip_locked_on_the_partial_index(checklist):
    active_email(checklist)
    with CaptureQueriesContext(connection) as ctx:
        services.claim_due(now=timezone.now() + timedelta(days=30))
    sql = next(q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"])
    assert "FOR UPDATE SKIP LOCKED" in sql
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql.split(" FOR UPDATE")[0], [])
        plan = "\n".join(r[0] for r in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "reminders_message_due" in plan, plan


def test_send_is_a_conditional_update_a_second_call_does_nothing(checklist, mailoutbox):
    contact = services.contact_email_add(checklist=checklist, email="hanako@example.jp")
    message = Message.objects.get(contact=contact, kind=Message.CONFIRM)
    assert services.message_send(message_id=message.pk).status == Message.SENT
    assert services.message_send(message_id=message.pk).status == "skipped"
    assert len(mailoutbox) == 1
    sent = Message.objects.get(pk=message.pk)
    assert sent.status == Message.SENT and sent.attempts == 1 and sent.sent_at is not None
