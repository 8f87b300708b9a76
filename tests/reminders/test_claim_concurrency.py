"""Two claimers at the same moment, on two connections, with committed rows (a transactional test)."""

import threading
from datetime import timedelta

from django.db import connections
from django.utils import timezone
from reminder_testing import COMMITTED, active_email, new_checklist

from reminders import services
from reminders.models import Message

pytestmark = COMMITTED


def test_two_claimers_at_once_never_take_the_same_row(monkeypatch):
    """Real concurrency: two connections claim at the same time; SKIP LOCKED splits the rows."""
    published = []
    monkeypatch.setattr(services, "publish", published.extend)
    cl = new_checklist()
    active_email(cl)
    Message.objects.filter(checklist=cl).update(due_at=timezone.now() - timedelta(minutes=1), status="pending")
    total = Message.objects.filter(checklist=cl).count()
    assert total >= 4
    published.clear()  # the confirmation, published when it was written
    got: list[list[int]] = []
    barrier = threading.Barrier(2)
    test_db = dict(connections["default"].settings_dict)

    def claim():
        connections["default"].settings_dict.update(test_db)  # a new thread's connection, to the test database
        barrier.wait()
        got.append(services.claim_due(now=timezone.now(), limit=2))
        connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    taken = got[0] + got[1]
    assert len(taken) == len(set(taken)) == 4
    assert sorted(published) == sorted(taken), "each claim published its ids on commit"
