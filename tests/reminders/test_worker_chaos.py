"""With a real Celery worker, a private redis-server and a real SMTP server, in real time.

The outbox must deliver every reminder whatever happens to the worker or the broker: kill -9 in
the middle of a batch of 1,000, Redis stopped for 30 s and restarted empty, an SMTP server that
says 4xx and then accepts (retried), or 5xx (failed, never retried). The plain address appears
in neither the database nor the worker's log.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from reminder_testing import COMMITTED, free_port, new_checklist
from test_email import database_contains
from worker_testing import RedisServer, Worker, publishing_to, wait_for

from reminders import content, services, vault
from reminders.models import Contact, Message

SLOW = 240  # seconds: the most any wait below may take on a busy two-core machine

pytestmark = COMMITTED


@pytest.fixture
def broker(tmp_path):
    server = RedisServer(free_port(), tmp_path)
    server.start()
    with publishing_to(server.url):
        yield server
    server.stop()


@pytest.fixture
def workers(broker, smtp, tmp_path):
    started = []

    def start():
        worker = Worker(broker=broker.url, smtp_port=smtp.port, log=tmp_path / "worker.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def due_digests(n: int, *, prefix: str) -> list[Message]:
    """n active contacts on one checklist, each with a digest due now that lists a real item."""
    checklist = new_checklist()
    item = min((i for i in checklist.item_list if i.deadline is not None), key=lambda i: i.deadline)
    contacts = Contact.objects.bulk_create(
        Contact(
            checklist=checklist,
            channel=Contact.EMAIL,
            status=Contact.ACTIVE,
            secret=vault.encrypt(f"{prefix}-{i:04d}@example.jp"),
            hint=vault.email_hint(f"{prefix}-{i:04d}@example.jp"),
        )
        for i in range(n)
    )
    now = timezone.now() - timedelta(seconds=1)
    return Message.objects.bulk_create(
        Message(checklist=checklist, contact=c, kind=Message.DIGEST, day=item.deadline - timedelta(days=7), due_at=now)
        for c in contacts
    )


def claim_all(now=None) -> list[int]:
    ids = []
    while batch := services.claim_due(now=now or timezone.now()):
        ids += batch
    return ids


def count(status, rows) -> int:
    return Message.objects.filter(pk__in=[m.pk for m in rows], status=status).count()


def sweep_as_if_later():
    """The sweeper, as it will run once the stuck timeout has passed (its `now`, not a sleep)."""
    later = timezone.now() + timedelta(seconds=settings.REMINDER_STUCK_AFTER_SECONDS + 1)
    return services.sweep_stuck(now=later, limit=100_000)


def no_plain_address(prefix: str, worker_log) -> None:
    assert not database_contains(f"{prefix}-0"), "the address is only ever stored encrypted"
    assert f"{prefix}-0" not in worker_log.read_text(errors="replace")


def test_kill_minus_9_in_the_middle_of_1000(broker, smtp, workers, tmp_path):
    rows = due_digests(1000, prefix="kill")
    first = workers()
    assert len(claim_all()) == 1000
    wait_for(lambda: count(Message.SENT, rows) >= 250, timeout=SLOW, what="a quarter sent")
    first.kill()
    in_flight = {content.message_id(m) for m in Message.objects.filter(status=Message.SENDING)}
    at_kill = count(Message.SENT, rows)
    assert at_kill < 1000, "killed in the middle, not after the end"

    workers()
    sweep_as_if_later()
    wait_for(lambda: count(Message.SENT, rows) == 1000, timeout=SLOW, what="all 1,000 sent")

    ids = Counter(smtp.ids())
    assert len(ids) == 1000, "every reminder arrived"
    duplicates = {mid for mid, n in ids.items() if n > 1}
    assert duplicates <= in_flight, "a duplicate is only ever one that was being sent at the kill"
    assert {content.message_id(m) for m in rows} == set(ids)
    no_plain_address("kill", tmp_path / "worker.log")


def test_redis_stopped_for_30s_during_a_batch(broker, smtp, workers, tmp_path):
    rows = due_digests(1000, prefix="redis")
    workers()
    assert len(claim_all()) == 1000
    wait_for(lambda: count(Message.SENT, rows) >= 150, timeout=SLOW, what="some sent")
    broker.stop()
    stopped = time.monotonic()

    # While the broker is away, more reminders fall due: claiming them does not fail, they wait queued.
    more = due_digests(100, prefix="later")
    started = time.monotonic()
    claimed = claim_all()
    assert len(claimed) == 100 and time.monotonic() - started < 20
    assert count(Message.QUEUED, more) == 100

    time.sleep(max(0.0, 30 - (time.monotonic() - stopped)))
    broker.start()  # empty: nothing on disk, every task it held is gone
    sweep_as_if_later()
    everything = rows + more
    wait_for(lambda: count(Message.SENT, everything) == 1100, timeout=SLOW, what="all 1,100 sent")
    ids = Counter(smtp.ids())
    assert set(ids) == {content.message_id(m) for m in everything}
    no_plain_address("redis", tmp_path / "worker.log")


def test_smtp_4xx_then_accepted_and_5xx_failed_with_a_real_worker(broker, smtp, workers):
    rows = due_digests(20, prefix="smtp")
    smtp.refusals.extend(["451 4.7.1 Greylisted, try again later"] * 3)
    workers()
    claim_all()
    wait_for(lambda: count(Message.SENT, rows) == 17, timeout=SLOW, what="17 sent")
    wait_for(lambda: count(Message.PENDING, rows) == 3, timeout=SLOW, what="3 back in pending")
    waiting = Message.objects.filter(pk__in=[m.pk for m in rows], status=Message.PENDING)
    assert all(m.attempts == 1 and m.error.startswith("SMTP 451") for m in waiting)
    claim_all(now=max(m.due_at for m in waiting))  # the claim as it runs once their backoff is over
    wait_for(lambda: count(Message.SENT, rows) == 20, timeout=SLOW, what="all 20 sent")
    assert len(set(smtp.ids())) == 20

    [refused] = due_digests(1, prefix="refused")
    smtp.refusals.append("550 5.1.1 User unknown")
    claim_all()
    wait_for(lambda: count(Message.FAILED, [refused]) == 1, timeout=SLOW, what="failed")
    assert claim_all(now=timezone.now() + timedelta(days=2)) == []
    refused.refresh_from_db()
    assert refused.attempts == 1 and refused.error == "SMTP 550 server refused"
