"""Benchmark: the rule studio's preview of a one-rule change over 100,000 stored checklists.

    python -m bench.preview                 (from the project root, with the venv)
    python -m bench.preview --checklists 20000

1. A throwaway PostgreSQL database on 127.0.0.1:5432 (user postgres, dropped at the end):
   `migrate` and `load_catalogue` (the shipped fixtures/catalogue) in subprocesses.
2. Seeds N stored checklists (default 100,000) with COPY: realistic cases over moving (half),
   birth and death (a quarter each, some combined), households of 1 to 5 with ages and
   relations, each question answered with its own kind of value or, one time in seven, left
   unanswered. Only the checklist rows are seeded (answers, members, life events, date): the
   preview reads nothing else, and their items would only cost disk.
3. A draft of the version in force with one rule changed (転入学: school age 6–15 becomes
   6–14, a moving rule, so the largest share of checklists is read), through the studio's
   services, and its preview run as the worker runs it (studio.services.preview_compute: the
   changed procedures only, the checklists of their life events only, in batches, with progress).
4. The reference, in the same run: a full re-evaluation of every procedure of both catalogues
   for every stored checklist, compared with checklist_diff. The two must agree on the counts.

The last line printed is one JSON object: checklists, seconds, full_seconds, speedup. Target:
seconds <= 10. Exit status 0 when measured (target met or not), non-zero when it could not be.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import secrets
import signal
import sys
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

from bench.checklist_api import BenchError, create_postgres, drop_postgres, manage

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "config.settings.bench"
TARGET_SECONDS = 10.0
CODE = "tennyu_gaku"
RELATIONS_WEIGHTS = [("spouse", 4), ("child", 6), ("parent", 2), ("other", 1)]


def random_cases(catalogue, count: int, seed: int = 20260401):
    """Cases as residents leave them: most questions answered, some not, every value of its kind."""
    rng = random.Random(seed)
    questions = catalogue.questions
    start = date(2026, 1, 1)
    for _ in range(count):
        roll = rng.random()
        if roll < 0.5:
            events = ["moving"]
        elif roll < 0.72:
            events = ["birth"]
        elif roll < 0.94:
            events = ["death"]
        else:
            events = rng.choice([["moving", "birth"], ["death", "moving"]])
        day = start + timedelta(days=rng.randrange(365))
        size = rng.randint(1, 5)
        members = [{"key": "m1", "relation": "self", "age": rng.randint(18, 90)}]
        if "death" in events:
            members.append({"key": "m2", "relation": "deceased", "age": rng.randint(30, 100)})
        while len(members) < size:
            relation = rng.choices([r for r, _ in RELATIONS_WEIGHTS], [w for _, w in RELATIONS_WEIGHTS])[0]
            age = rng.randint(0, 17) if relation == "child" else rng.randint(18, 95)
            if "birth" in events and relation == "child" and not any(m.get("age") == 0 for m in members):
                age = 0
            members.append({"key": f"m{len(members) + 1}", "relation": relation, "age": age})
        answers = {}
        for q in questions:
            if not set(events) & set(q["life_events"]) or q["key"] == "age":
                continue
            targets = members if q["per_member"] else [answers]
            for target in targets:
                if rng.random() < 1 / 7:
                    continue
                target[q["key"]] = _value(rng, q, day)
        yield events, day, answers, members


def _value(rng, q, day):
    kind = q["type"]
    if kind == "yes_no":
        return rng.random() < 0.5
    if kind == "choice":
        return rng.choice(q["choices"])["value"]
    if kind == "number":
        low, high = q.get("min") or 0, q.get("max") or 100
        return rng.randint(low, high)
    return (day + timedelta(days=rng.randint(-10, 10))).isoformat()


def seed_checklists(count: int) -> float:
    """COPY `count` checklists into navi_checklist; returns the seconds it took."""
    import orjson
    from django.db import connection
    from django.utils import timezone

    from procedures.selectors import catalogue_version_in_force, compiled_catalogue

    version = catalogue_version_in_force()
    catalogue = compiled_catalogue(version)
    now = timezone.now()
    expires = now + timedelta(days=90)
    t0 = time.perf_counter()
    columns = (
        "token, catalogue_version_id, life_events, event_date, language, answers, members, documents, unanswered, "
        "items, ticks, created_at, updated_at, expires_at"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY navi_checklist ({columns}) FROM STDIN") as copy_:
        for events, day, answers, members in random_cases(catalogue, count):
            copy_.write_row(
                (
                    secrets.token_urlsafe(32), version.pk, orjson.dumps(events).decode(), day, "ja",
                    orjson.dumps(answers).decode(), orjson.dumps(members).decode(), "[]", "[]", "", "{}", now, now, expires,
                )
            )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE navi_checklist")
    return time.perf_counter() - t0


def one_rule_draft():
    """A draft with 転入学's school age narrowed to 6–14, made and validated by the studio's services."""
    from django.contrib.auth.models import Group, User

    from studio import services

    user = User.objects.create_user(username="bench.editor", password=secrets.token_urlsafe(16))
    user.groups.add(Group.objects.get(name="catalogue_editor"))
    draft = services.draft_create(actor=user, title="bench: 転入学の年齢")
    entry = next(p for p in draft.content["procedures"] if p["code"] == CODE)
    rule = copy.deepcopy(entry["applies_if"])
    text = json.dumps(rule)
    if '[6, {"var": "member.age"}, 15]' not in text:
        raise BenchError(f"{CODE}'s rule is not the one this bench changes: {text}")
    rule = json.loads(text.replace('[6, {"var": "member.age"}, 15]', '[6, {"var": "member.age"}, 14]'))
    draft = services.draft_edit_procedure(actor=user, draft=draft, revision=1, code=CODE, changes={"applies_if": rule})
    return user, draft


def measure(count: int) -> dict:
    from studio import services
    from studio.models import Preview
    from studio.preview import Tally, checklist_batches
    from studio.selectors import draft_compiled, in_force

    seed_seconds = seed_checklists(count)
    user, draft = one_rule_draft()
    _, old = in_force()
    new = draft_compiled(draft)

    preview = Preview.objects.create(draft=draft, revision=draft.revision, requested_by=user)
    t0 = time.perf_counter()
    done = services.preview_compute(preview_id=preview.pk)
    seconds = time.perf_counter() - t0
    if done.state != Preview.State.DONE:
        raise BenchError(f"the preview failed: {done.error}")

    full = Tally(old, new, None)
    t0 = time.perf_counter()
    for batch in checklist_batches(life_events=None):
        full.add(batch)
    full_seconds = time.perf_counter() - t0

    fast = done.result
    reference = full.result()
    strip = lambda counts: {k: v for k, v in counts.items() if k != "examples"}  # noqa: E731
    if {c: strip(v) for c, v in fast["procedures"].items()} != {
        c: strip(v) for c, v in reference["procedures"].items()
    }:
        raise BenchError(
            f"the preview and the full re-evaluation disagree: {fast['procedures']} vs {reference['procedures']}"
        )
    if reference["checked"] != count:
        raise BenchError(f"the full re-evaluation read {reference['checked']} checklists, not {count}")
    return {
        "seed_seconds": seed_seconds,
        "seconds": seconds,
        "full_seconds": full_seconds,
        "read": done.processed,
        "changed": fast["changed"],
        "counts": strip(fast["procedures"].get(CODE, {})),
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.preview", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checklists", type=int, default=100_000, help="stored checklists to seed (default 100,000)")
    return parser.parse_args(argv)


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)
    started = time.monotonic()
    with ExitStack() as stack:
        name = f"navi_bench_preview_{os.getpid()}"
        database_url = create_postgres(name)
        stack.callback(drop_postgres, name)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "DATABASE_URL": database_url}
        os.environ.update({"DJANGO_SETTINGS_MODULE": SETTINGS, "DATABASE_URL": database_url})
        manage(env, "migrate", "--no-input", "--verbosity", "0")
        print(manage(env, "load_catalogue"))

        import django

        django.setup()
        from django.db import connections

        stack.callback(connections.close_all)
        r = measure(args.checklists)

    speedup = r["full_seconds"] / r["seconds"]
    print(f"stored checklists: {args.checklists:,} (seeded with COPY in {r['seed_seconds']:.1f} s)")
    print(f"change: {CODE} (転入学) school age 6–15 → 6–14, one rule")
    print(f"{'':<44} {'seconds':>9} {'checklists read':>16}")
    print(f"{'preview (changed rule, its life events)':<44} {r['seconds']:>9.2f} {r['read']:>16,}")
    print(f"{'full re-evaluation (every rule, every one)':<44} {r['full_seconds']:>9.2f} {args.checklists:>16,}")
    print(f"outcome changes for {r['changed']:,} checklists: {r['counts']} (both ways agree)")
    ok = r["seconds"] <= TARGET_SECONDS
    print(f"speedup {speedup:.1f}×; preview {'ok' if ok else 'MISSED'} (target <= {TARGET_SECONDS:g} s)")
    print(f"whole bench: {time.monotonic() - started:.0f} s")
    figures = {
        "checklists": args.checklists,
        "seconds": round(r["seconds"], 3),
        "full_seconds": round(r["full_seconds"], 3),
        "speedup": round(speedup, 2),
        "changed": r["changed"],
        "target_seconds": TARGET_SECONDS,
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        sys.exit(1)
