"""Benchmark: reminders sent by a real Celery worker, against a no-op task on the same worker and
broker; the due-row query at 1k and 1M waiting rows.

    python -m bench.reminders            (from the project root, with the venv)
    python -m bench.reminders --checklists 2000 --waiting 200000   (a quicker run)

1. A throwaway PostgreSQL database (migrate, load_catalogue), a redis-server of its own on a free
   port (nothing on disk) and an SMTP sink (aiosmtpd, offering PIPELINING as relays do) in this
   process that counts what arrives.
2. 10,000 checklists (one built by the service, the others copied from it in SQL), each with an
   active email contact (encrypted) and one digest due now that lists its items.
3. A worker (`celery -A config worker`, prefork, the project's settings: two processes per core
   (CELERY_WORKER_CONCURRENCY), acks_late, prefetch 1) runs first 10,000 `reminders.noop` tasks
   (the reference: what the broker and a worker cost per task), then the reminders: the claim
   publishes every due row and the worker sends them (conditional update, compose in the
   checklist's language, decrypt, SMTP, record).
   Rates are counted from the first publish until the last task is done (noop: the queue and
   the unacknowledged set empty; reminders: every row sent).
4. The claim's SELECT … FOR UPDATE SKIP LOCKED with 1,000 due rows beside 1,000 waiting rows,
   then beside 1,000,000 (mostly sent, some pending for later): median time of 30 runs each, and
   the EXPLAIN (ANALYZE, BUFFERS) plan at 1M.

The last line printed is one JSON object: noop_per_s, reminders_per_s, ratio (target >= 0.3),
due_query_ms_1k, due_query_ms_1m, due_query_growth (target <= 2). Exit status 0 when measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from bench.checklist_api import BenchError, create_postgres, drop_postgres, manage

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "config.settings.bench"
TARGETS = {"ratio": (">=", 0.3), "due_query_growth": ("<=", 2.0)}
CLAIM_SQL = """
    SELECT id FROM reminders_message
    WHERE status = 'pending' AND due_at <= now()
    ORDER BY due_at LIMIT 500 FOR UPDATE SKIP LOCKED
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, *, timeout: float, every: float = 0.05, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise BenchError(f"timed out after {timeout:.0f}s waiting for {what}")


# --- servers -------------------------------------------------------------------------------------


class Sink:
    """Counts the messages that arrive, by Message-ID.

    It offers PIPELINING (RFC 2920), as the relays a municipality sends through do (Postfix, the
    cloud relays); aiosmtpd reads one command line at a time, so it serves pipelined commands and
    only does not say so.
    """

    def __init__(self):
        self.ids: set[bytes] = set()
        self.received = 0
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server, session, envelope):
        head = envelope.content.split(b"\r\n\r\n", 1)[0]
        message_id = next((line for line in head.split(b"\r\n") if line.lower().startswith(b"message-id:")), b"")
        with self.lock:
            self.received += 1
            self.ids.add(message_id)
        return "250 OK"


def start_sink(stack: ExitStack) -> tuple[Sink, int]:
    from aiosmtpd.controller import Controller

    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop())
    controller.start()
    stack.callback(controller.stop)
    return sink, port


def start_redis(stack: ExitStack, folder: Path) -> str:
    import redis

    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    stack.callback(lambda: (process.kill(), process.wait(timeout=10)))
    client = redis.Redis(port=port)

    def up():
        try:
            return client.ping()
        except redis.RedisError:
            return False

    wait_for(up, timeout=10, what="redis-server")
    return f"redis://127.0.0.1:{port}/0"


def start_worker(stack: ExitStack, env: dict, log: Path) -> None:
    handle = open(log, "ab")  # noqa: SIM115 (closed with the stack)
    stack.callback(handle.close)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "reminders", "-P", "prefork",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING", "-n", "bench@%h"],
        cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip

    def stop():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    stack.callback(stop)
    # -l WARNING prints no "ready": the worker is ready once it answers a ping.
    from config.celery import app

    wait_for(lambda: process.poll() is not None or app.control.ping(timeout=0.5), timeout=90, what="the worker")
    if process.poll() is not None:
        raise BenchError("the worker did not start:\n" + log.read_text(errors="replace")[-2000:])


# --- data ----------------------------------------------------------------------------------------


def make_due_reminders(n: int) -> None:
    """n checklists, each with an active contact and a digest due now listing real items."""
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from navi.selectors import checklist_by_token
    from navi.services import checklist_create
    from reminders import vault
    from reminders.models import Contact, Message

    moved = timezone.localdate() - timedelta(days=1)
    view = checklist_create(
        life_events=["moving"],
        event_date=moved,
        answers={"move_type": "in_from_other", "moved_in_on": moved.isoformat(), "has_dog": True},
        members=[{"relation": "self", "age": 40, "insurance": "national", "has_mynumber_card": True}],
        language="ja",
    )
    model = checklist_by_token(view.token)
    first = min((i for i in model.item_list if i.deadline is not None), key=lambda i: i.deadline)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO navi_checklist (token, catalogue_version_id, life_events, event_date, language, answers,
                members, documents, unanswered, items, ticks, created_at, updated_at, expires_at)
            SELECT substr(md5(random()::text) || md5(random()::text), 1, 43), catalogue_version_id, life_events,
                event_date, language, answers, members, documents, unanswered, items, ticks, created_at, updated_at,
                expires_at
            FROM navi_checklist, generate_series(2, %s) WHERE id = %s
            """,
            [n, model.pk],
        )
        cursor.execute("SELECT id FROM navi_checklist ORDER BY id")
        ids = cursor.fetchall()
        contacts = Contact.objects.bulk_create(
            Contact(
                checklist_id=pk,
                channel=Contact.EMAIL,
                status=Contact.ACTIVE,
                secret=vault.encrypt(f"resident{pk}@example.jp"),
                hint=vault.email_hint(f"resident{pk}@example.jp"),
            )
            for (pk,) in ids
        )
        now = timezone.now() - timedelta(seconds=1)
        Message.objects.bulk_create(
            Message(
                checklist_id=c.checklist_id,
                contact=c,
                kind=Message.DIGEST,
                day=first.deadline - timedelta(days=7),
                due_at=now,
            )
            for c in contacts
        )


def add_waiting_rows(total: int) -> None:
    """Rows that are not due: nine in ten long sent, one in ten pending for a later day."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, checklist_id FROM reminders_contact ORDER BY id LIMIT 1")
        contact, checklist = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO reminders_message (uid, checklist_id, contact_id, kind, day, due_at, status, attempts, error,
                changes, sent_at, created_at)
            SELECT gen_random_uuid(), %s, %s, 'digest', date '3000-01-01' + g::int,
                CASE WHEN g %% 10 = 0 THEN now() + make_interval(days => 1 + g %% 300) ELSE now() - make_interval(days => 1 + g %% 300) END,
                CASE WHEN g %% 10 = 0 THEN 'pending' ELSE 'sent' END, 1, '', '[]'::jsonb,
                CASE WHEN g %% 10 = 0 THEN NULL ELSE now() END, now()
            FROM generate_series((SELECT count(*) FROM reminders_message WHERE day >= date '3000-01-01')::int, %s - 1) AS g
            """,
            [checklist, contact, total],
        )
        cursor.execute("VACUUM ANALYZE reminders_message")


def due_rows(n: int) -> None:
    """Exactly n rows due now (pending, due_at in the past): the sent digests of the run, put back."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE reminders_message SET status = 'sent' WHERE status = 'pending' AND due_at <= now()")
        cursor.execute(
            """
            UPDATE reminders_message SET status = 'pending', due_at = now() - interval '1 minute'
            WHERE id IN (SELECT id FROM reminders_message WHERE day < date '3000-01-01' ORDER BY id LIMIT %s)
            """,
            [n],
        )
        cursor.execute("ANALYZE reminders_message")


def time_claim_query(runs: int = 30) -> float:
    from django.db import connection, transaction

    times = []
    for _ in range(runs):
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(CLAIM_SQL)
            got = len(cursor.fetchall())
            times.append(time.perf_counter() - started)
            transaction.set_rollback(True)
        if got != 500:
            raise BenchError(f"the claim found {got} rows, expected a full batch of 500")
    return statistics.median(times) * 1000


def explain() -> str:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + CLAIM_SQL)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


# --- measurements --------------------------------------------------------------------------------


def noop_rate(n: int, broker: str) -> float:
    import redis

    from reminders.tasks import noop

    client = redis.Redis.from_url(broker)
    started = time.perf_counter()
    for i in range(n):
        noop.apply_async((i,))
    wait_for(lambda: client.llen("reminders") == 0 and client.hlen("unacked") == 0, timeout=600, what="the no-op tasks")
    return n / (time.perf_counter() - started)


def reminders_rate(n: int, sink: Sink) -> float:
    from django.utils import timezone

    from reminders import services
    from reminders.models import Message

    started = time.perf_counter()
    claimed = 0
    while batch := services.claim_due(now=timezone.now()):
        claimed += len(batch)
    if claimed != n:
        raise BenchError(f"claimed {claimed} rows, expected {n}")
    wait_for(
        lambda: Message.objects.filter(status=Message.SENT).count() >= n, timeout=1800, every=0.2, what="the reminders"
    )
    elapsed = time.perf_counter() - started
    failed = Message.objects.exclude(status=Message.SENT).count()
    if failed or len(sink.ids) != n:
        raise BenchError(f"{failed} rows not sent; {len(sink.ids)} distinct Message-IDs arrived for {n}")
    return n / elapsed


def verdict(name: str, value: float) -> str:
    op, target = TARGETS[name]
    ok = value >= target if op == ">=" else value <= target
    return f"{'met' if ok else 'NOT met'} (target {op} {target})"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checklists", type=int, default=10_000)
    parser.add_argument("--waiting", type=int, default=1_000_000)
    return parser.parse_args(argv)


def _terminated(signum, frame):
    raise SystemExit(1)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)
    started = time.monotonic()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="navi-bench-reminders-")))
        name = f"navi_bench_reminders_{os.getpid()}"
        database_url = create_postgres(name)
        stack.callback(drop_postgres, name)
        broker = start_redis(stack, folder)
        sink, smtp_port = start_sink(stack)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "DATABASE_URL": database_url,
            "REDIS_URL": broker,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        }
        os.environ.update(env)
        manage(env, "migrate", "--no-input", "--verbosity", "0")
        manage(env, "load_catalogue")

        import django

        django.setup()
        from django.conf import settings
        from django.db import connections

        stack.callback(connections.close_all)
        t = time.monotonic()
        make_due_reminders(args.checklists)
        setup_s = time.monotonic() - t
        start_worker(stack, env, folder / "worker.log")
        noop = noop_rate(args.checklists, broker)
        sent = reminders_rate(args.checklists, sink)

        due_rows(1000)
        add_waiting_rows(1000)
        q1k = time_claim_query()
        add_waiting_rows(args.waiting)
        q1m = time_claim_query()
        plan = explain()

    figures = {
        "noop_per_s": round(noop, 1),
        "reminders_per_s": round(sent, 1),
        "ratio": round(sent / noop, 3),
        "due_query_ms_1k": round(q1k, 3),
        "due_query_ms_1m": round(q1m, 3),
        "due_query_growth": round(q1m / q1k, 2),
        "checklists": args.checklists,
        "waiting_rows": args.waiting,
        "worker_processes": settings.CELERY_WORKER_CONCURRENCY,
    }
    print(f"setup: {args.checklists} checklists with a due digest in {setup_s:.1f} s")
    print(f"{f'worker, {settings.CELERY_WORKER_CONCURRENCY} processes':<28} {'per s':>9}")
    print(f"{'no-op task (reference)':<28} {noop:>9.1f}")
    print(f"{'reminder sent (SMTP)':<28} {sent:>9.1f}")
    print()
    print(f"claim query, 1,000 due rows: {q1k:.3f} ms beside 1,000 waiting, {q1m:.3f} ms beside {args.waiting:,}")
    print(f"EXPLAIN ANALYZE at {args.waiting:,} waiting rows:")
    print(plan)
    print()
    for key in TARGETS:
        print(f"{key:<18} {figures[key]:>8}  {verdict(key, figures[key])}")
    print(f"whole bench: {time.monotonic() - started:.0f} s")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        sys.exit(1)
