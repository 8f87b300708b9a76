"""The periodic purge run by a real Celery worker, in subprocesses on the quick start's embedded
defaults (SQLite database, SQLite broker), so that the worker sees committed data."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

MAKE_CASES = """
from datetime import date, timedelta
from django.contrib.auth.models import Group, User
from django.utils import timezone
from counter.models import Case
from counter.services import case_create, case_personal_save
from counter.tasks import purge_expired_cases

user = User.objects.create_user("clerk.worker", password="x" * 20)
user.groups.add(Group.objects.get(name="clerk"))
user.is_verified = lambda: True
for age in (40, 1):
    case = case_create(actor=user, life_events=["moving"], event_date=date(2026, 9, 8),
                       answers={"move_type": "in_from_other"}, members=[{"relation": "self", "age": 30}])
    case_personal_save(actor=user, case=case, people={"m1": {"name": "山田 太郎"}}, details={"phone": "090-1111-2222"})
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=age))
purge_expired_cases.delay()
print("queued")
"""
COUNT = "from counter.models import CasePersonal; print(CasePersonal.objects.count())"


def test_the_purge_task_runs_on_a_real_worker(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        {
            "VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "PYTHONUNBUFFERED": "1",
            "COUNTER_RETENTION_DAYS": "30",
        }
    )

    def manage(*args):
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    manage("migrate", "--no-input")
    manage("load_catalogue")
    assert manage("shell", "-c", MAKE_CASES) == "queued"
    assert manage("shell", "-c", COUNT) == "2"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--concurrency", "1",
         "--loglevel", "INFO", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        count = "2"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and count != "1":
            time.sleep(1)
            count = manage("shell", "-c", COUNT)
        assert count == "1", "the worker purged the old case's details, not the new one's"
    finally:
        worker.terminate()
        try:
            log, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            log, _ = worker.communicate()
    assert "counter.purge_expired_cases" in log and "succeeded" in log, log[-2000:]
