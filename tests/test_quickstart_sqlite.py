"""The README's quick start on embedded defaults: SQLite (WAL) and a Celery broker on SQLite, no servers.

Runs the real commands in subprocesses with DATABASE_URL and REDIS_URL unset, like a newcomer.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json
from datetime import timedelta
from django.db import connection
from django.test import Client
from django.utils import timezone
from navi.models import Checklist
from navi.tasks import purge_expired_checklists

with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    print("journal_mode", cursor.fetchone()[0])
body = {"life_events": ["birth"], "event_date": "2026-04-20", "members": [{"relation": "child", "age": 0}]}
r = Client().post("/api/v1/checklists/", json.dumps(body), content_type="application/json")
print("status", r.status_code)
print("shussei", next(i["deadline"] for i in r.json()["items"] if i["key"] == "shussei_todoke"))
Checklist.objects.filter(token=r.json()["token"]).update(expires_at=timezone.now() - timedelta(days=1))
purge_expired_checklists.delay()
print("queued")
"""


@pytest.fixture
def quickstart_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.local", "PYTHONUNBUFFERED": "1"})
    return env


def manage(env, *args, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_quick_start_on_sqlite_with_a_real_worker(quickstart_env, tmp_path):
    for step in (("migrate", "--no-input"), ("load_catalogue",)):
        done = manage(quickstart_env, *step)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "navi.sqlite3").exists()

    done = manage(quickstart_env, "shell", "-c", SCRIPT)
    assert done.returncode == 0, done.stderr
    out = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    assert out["journal_mode"] == "wal"
    assert out["status"] == "201"
    assert out["shussei"] == "2026-05-07"
    assert (tmp_path / "broker.sqlite3").exists(), "the task went to the SQLite broker"

    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--concurrency", "1",
         "--loglevel", "INFO", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=quickstart_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        count = "1"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and count != "0":
            time.sleep(1)
            done = manage(
                quickstart_env, "shell", "-c", "from navi.models import Checklist; print(Checklist.objects.count())"
            )
            count = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "?"
        assert count == "0", "the worker ran the purge task from the SQLite broker"
    finally:
        worker.terminate()
        try:
            log, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            log, _ = worker.communicate()
    assert "navi.purge_expired_checklists" in log and "succeeded" in log, log[-2000:]
