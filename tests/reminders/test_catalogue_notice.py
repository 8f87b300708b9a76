"""A new catalogue version, when it takes effect (not when published), is announced once to the
owners of checklists in use whose items it changes."""

from datetime import date, datetime, timedelta

import pytest
from reminder_testing import active_email, new_checklist

from procedures.services import catalogue_load
from reminders import policy, services
from reminders.models import Message

pytestmark = pytest.mark.django_db
TOKYO = policy.TOKYO


@pytest.fixture
def next_version(catalogue_dir):
    """The shipped catalogue with the 転入届 deadline at 30 days, in force from 2027-04-01."""
    rel = catalogue_dir / "national" / "procedures" / "tennyu_todoke.yaml"
    rel.write_text(rel.read_text(encoding="utf-8").replace("days: 14,", "days: 30,", 1), encoding="utf-8")
    meta = catalogue_dir / "catalogue.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("2026-04-01", "2027-04-01"), encoding="utf-8")
    return catalogue_load(path=catalogue_dir).version


def test_announced_once_when_the_version_takes_effect(next_version, mailoutbox):
    assert next_version.effective_from == date(2027, 4, 1)
    checklist = new_checklist(moved_in_on=date(2027, 3, 30))
    active_email(checklist, "notice@example.jp", now=datetime(2027, 3, 30, 12, tzinfo=TOKYO))
    quiet = new_checklist(moved_in_on=date(2027, 3, 30))  # nobody opted in: nobody to tell
    Message.objects.filter(kind=Message.CONFIRM).delete()

    published_but_not_in_force = datetime(2027, 3, 31, 12, tzinfo=TOKYO)
    assert services.catalogue_changes_announce(now=published_but_not_in_force) == 0
    assert not Message.objects.exclude(changes=[]).exists()

    in_force = datetime(2027, 4, 1, 10, tzinfo=TOKYO)
    assert services.catalogue_changes_announce(now=in_force) == 1
    [message] = Message.objects.exclude(changes=[])
    assert message.checklist == checklist and message.day == date(2027, 4, 1)
    [change] = message.changes
    old = next(i for i in checklist.item_list if i.key == "tennyu_todoke").deadline
    assert change["key"] == "tennyu_todoke" and change["what"] == "deadline" and change["old"] == old.isoformat()
    assert date.fromisoformat(change["new"]) > old
    assert not Message.objects.filter(checklist=quiet).exists()

    assert services.catalogue_changes_announce(now=in_force + timedelta(hours=1)) == 0, "once"
    for pk in services.claim_due(now=in_force + timedelta(minutes=1)):
        services.message_send(message_id=pk, now=in_force + timedelta(minutes=1))
    [mail] = [m for m in mailoutbox if "期限が変わりました" in m.body]
    assert f"{old.isoformat()} → {change['new']}" in mail.body
    assert "作り直す" in mail.body


def test_at_night_the_notice_waits_for_the_morning(next_version):
    checklist = new_checklist(moved_in_on=date(2027, 3, 30))
    active_email(checklist, "night@example.jp", now=datetime(2027, 3, 30, 12, tzinfo=TOKYO))
    services.catalogue_changes_announce(now=datetime(2027, 4, 1, 23, 30, tzinfo=TOKYO))
    [message] = Message.objects.exclude(changes=[])
    assert message.due_at == datetime(2027, 4, 2, 8, tzinfo=TOKYO)
