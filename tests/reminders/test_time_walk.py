"""A walk through time, hour by hour, from a checklist's creation to after its last deadline.

The policy, claim and send functions run in-process under time-machine with the time they are
given: the right digests on the right days, none at night, none for an item once it is done,
nothing after unsubscribing.
"""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from reminder_testing import new_checklist

from navi.models import Checklist
from navi.services import checklist_item_set_done
from reminders import policy, services
from reminders.models import Contact, Message

pytestmark = pytest.mark.django_db
TOKYO = policy.TOKYO
DAYS_BEFORE = (7, 3, 1, 0)


def expected_items(checklist, day: date) -> set[str]:
    """Worked out here from the stored items, independently of the policy module."""
    return {
        i.key
        for i in Checklist.objects.get(pk=checklist.pk).item_list
        if not i.done and i.deadline is not None and (i.deadline - day).days in DAYS_BEFORE
    }


def listed(mail, checklist) -> set[str]:
    body = mail.body
    keys = set()
    for item in checklist.item_list:
        if item.deadline is None:
            continue
        name = item.content.split('"name":"', 1)[1].split('"', 1)[0]
        if name in body and item.deadline.isoformat() in body:
            keys.add(item.key)
    return keys


def run_hour(now):
    for pk in services.claim_due(now=now):
        services.message_send(message_id=pk, now=now)


def test_walk_from_creation_to_the_last_deadline(mailoutbox):
    start = datetime(2027, 1, 12, 22, 30, tzinfo=TOKYO)  # opts in late in the evening
    with time_machine.travel(start, tick=False):
        checklist = new_checklist(moved_in_on=date(2027, 1, 11))
        contact = services.contact_email_add(checklist=checklist, email="walk@example.jp", now=start)
        # The confirmation goes at once, night or not: the resident just asked for it. It is
        # written queued and published on commit (which the test's transaction holds back).
        confirm = Message.objects.get(contact=contact, status=Message.QUEUED)
        services.message_send(message_id=confirm.pk, now=start)
        assert [m.subject for m in mailoutbox] == ["【手続ナビ】お知らせメールの登録を確かめてください"]
        services.contact_confirm(contact=contact, now=start)
    mailoutbox.clear()

    deadlines = sorted({i.deadline for i in checklist.item_list if i.deadline is not None})
    assert len(deadlines) >= 2
    end = datetime.combine(deadlines[-1] + timedelta(days=2), datetime.min.time(), TOKYO)
    tick_day = deadlines[0] - timedelta(days=1)  # the resident ticks the earliest items the day before
    earliest = [i for i in checklist.item_list if i.deadline == deadlines[0]]
    sent: list[tuple[datetime, set[str]]] = []
    expected: list[tuple[date, set[str]]] = []
    now = start
    while now < end:
        now += timedelta(hours=1)
        with time_machine.travel(now, tick=False):
            day = now.date()
            if now.hour == 9:
                due = expected_items(checklist, day)
                if due:
                    expected.append((day, due))
            before = len(mailoutbox)
            run_hour(now)
            for mail in mailoutbox[before:]:
                sent.append((now, listed(mail, checklist)))
            if day == tick_day and now.hour == 12:
                for item in earliest:
                    assert checklist_item_set_done(checklist=checklist, key=item.key, done=True).done

    assert sent, "some reminders went out"
    assert all(8 <= at.hour < 21 for at, _ in sent), "none at night"
    days = [at.date() for at, _ in sent]
    assert len(days) == len(set(days)), "at most one message a day"
    assert [(at.date(), keys) for at, keys in sent] == expected
    assert all(at.hour == 9 for at, _ in sent)
    done_keys = {i.key for i in earliest}
    assert not any(keys & done_keys for at, keys in sent if at.date() >= tick_day + timedelta(days=1))
    assert any(keys & done_keys for at, keys in sent if at.date() < tick_day), "they were reminded before"
    statuses = set(Message.objects.filter(checklist=checklist, kind=Message.DIGEST).values_list("status", flat=True))
    assert statuses <= {Message.SENT, Message.CANCELLED}, "every digest was sent or had nothing left to say"


def test_nothing_after_unsubscribing_and_nothing_at_night(mailoutbox):
    start = datetime(2027, 3, 1, 10, 0, tzinfo=TOKYO)
    with time_machine.travel(start, tick=False):
        checklist = new_checklist(moved_in_on=date(2027, 2, 28))
        contact = services.contact_email_add(checklist=checklist, email="stop@example.jp", now=start)
        services.contact_confirm(contact=contact, now=start)
        Message.objects.filter(kind=Message.CONFIRM).delete()
    now, stopped_at = start, None
    while now < start + timedelta(days=40):
        now += timedelta(minutes=30)
        with time_machine.travel(now, tick=False):
            before = len(mailoutbox)
            run_hour(now)
            if len(mailoutbox) > before:
                assert not policy.is_quiet(now, policy.policy_for())
                if stopped_at is None:
                    services.contact_stop(contact=Contact.objects.get(pk=contact.pk), now=now)
                    stopped_at = now
                else:
                    pytest.fail(f"a message at {now} after unsubscribing at {stopped_at}")
    assert stopped_at is not None and len(mailoutbox) == 1
