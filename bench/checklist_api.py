"""Benchmark: the checklist API under gunicorn, against a bare DRF view; checklist build time by catalogue size.

    python -m bench.checklist_api            (from the project root, with the venv)
    python -m bench.checklist_api --sqlite   (a temporary SQLite file instead of PostgreSQL)

1. A throwaway database: by default a fresh PostgreSQL database on 127.0.0.1:5432 (user postgres,
   dropped at the end); with --sqlite a file in a temporary folder. `migrate` and `load_catalogue`
   (the shipped fixtures/catalogue) run in subprocesses with DJANGO_SETTINGS_MODULE=config.settings.bench.
2. Without HTTP: the shipped catalogue's engine document is grown to 100, 300 and 1,000
   procedures (clones of its procedures under new codes, keeping rules, life events and
   deadlines, so the same share applies), each compiled once; then one checklist is built for a
   realistic case the way navi.services.checklist_build does after its database lookup
   (evaluate, render every item and write its JSON, merge documents, list unanswered questions).
   Median of several runs, the three sizes in turn, in CPU time.
3. gunicorn (2 sync workers, loopback only) serves config.settings.bench; each endpoint is
   first checked to answer with the right status and shape, then warmed up and measured with
   wrk: GET /bench/bare/ (the reference: same middleware and DRF settings, a fixed ~1 KB dict),
   GET /api/v1/checklists/{token}/ and POST /api/v1/checklists/ (a moving family of four), in
   rounds of the three in turn. Each round's ratios are against that round's bare view; the
   figures are the medians over the rounds, so that other load on the machine, coming and going,
   moves them less.

The last line printed is one JSON object with the figures. Targets: get_ratio >= 0.5,
post_ratio >= 0.25, t1000_over_t100 <= 12. Exit status 0 when measured (targets met or not),
non-zero when something could not be measured.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, suppress
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "config.settings.bench"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
SIZES = (100, 300, 1000)
BUILD_RUNS = 21
TARGETS = {"get_ratio": (">=", 0.5), "post_ratio": (">=", 0.25), "t1000_over_t100": ("<=", 12.0)}

CHECKLIST_KEYS = {
    "token", "url", "life_events", "event_date", "language", "catalogue_version", "expires_at",
    "answers", "members", "items", "documents", "unanswered",
}  # fmt: skip
ITEM_KEYS = {
    "key", "procedure", "member", "status", "deadline", "deadline_text", "reasons", "documents", "done",
}  # fmt: skip


class BenchError(RuntimeError):
    """Something could not be measured: the message says what."""


# --- the case: a family of four moving in from another municipality --------------------------


def tokyo_today() -> date:
    return datetime.now(ZoneInfo("Asia/Tokyo")).date()


def household_body(today: date) -> dict:
    """POST /api/v1/checklists/ body: self-employed parents (国保), two children, moved in 3 days ago.

    The younger child's My Number Card is left unanswered, as residents often do, so the checklist
    also has an item to check at the counter.
    """
    moved = (today - timedelta(days=3)).isoformat()
    return {
        "life_events": ["moving"],
        "event_date": moved,
        "answers": {"move_type": "in_from_other", "moved_in_on": moved, "wants_seal_registration": True},
        "members": [
            {"relation": "self", "age": 41, "insurance": "national", "foreign_resident": False, "has_mynumber_card": True},
            {"relation": "spouse", "age": 39, "insurance": "national", "foreign_resident": False, "has_mynumber_card": True},
            {"relation": "child", "age": 9, "insurance": "national", "foreign_resident": False, "has_mynumber_card": True},
            {"relation": "child", "age": 4, "insurance": "national", "foreign_resident": False},
        ],
        "language": "ja",
    }  # fmt: skip


# --- database ------------------------------------------------------------------------------------


def create_postgres(name: str) -> str:
    import psycopg

    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise BenchError(f"cannot create the PostgreSQL database {name} on {PG_SERVER}: {exc}") from exc
    return f"{PG_SERVER}/{name}"


def drop_postgres(name: str) -> None:
    import psycopg

    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as exc:
        print(f"warning: could not drop the database {name}: {exc}", file=sys.stderr)


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


# --- build time by catalogue size (no HTTP) ------------------------------------------------------


def grown_document(doc: dict, count: int) -> dict:
    """The engine document with its procedures cloned under new codes until there are `count`."""
    originals = sorted(doc["procedures"], key=lambda p: p["code"])
    procedures = list(originals)
    n = 0
    while len(procedures) < count:
        p = originals[n % len(originals)]
        procedures.append({**p, "code": f"{p['code']}_c{n // len(originals) + 1}"})
        n += 1
    return {**doc, "procedures": procedures[:count]}


def build_times(body: dict) -> list[dict]:
    """Per catalogue size: procedures, items in the checklist, median and best ms of one build."""
    from django.conf import settings

    from navi.services import checklist_render
    from procedures.content import read_tree
    from procedures.engine.answers import check_case
    from procedures.engine.catalogue import Case, CompiledCatalogue
    from procedures.selectors import catalogue_document

    source = read_tree(Path(settings.CATALOGUE_DIR))
    base = catalogue_document(source, source.meta["municipality"])
    lang = body["language"]
    builds = {}
    for size in SIZES:
        catalogue = CompiledCatalogue(grown_document(base, size))
        errors, members = check_case(
            catalogue,
            life_events=body["life_events"],
            answers=body["answers"],
            members=body["members"],
            max_members=settings.CHECKLIST_MAX_MEMBERS,
        )
        if errors:
            raise BenchError(f"the bench case does not fit the catalogue: {errors}")
        case = Case(
            life_events=tuple(body["life_events"]),
            event_date=date.fromisoformat(body["event_date"]),
            answers=body["answers"],
            members=members,
        )

        def build(catalogue=catalogue, case=case):
            return checklist_render(catalogue=catalogue, case=case, language=lang)

        # warm-up: fills procedures_for's cache and the catalogue's rendered texts, as the first
        # requests do
        items = build()["items"]
        build()
        builds[size] = (catalogue, items, build)
    # The sizes in turn, run after run; timed in this thread's CPU time, which a build (no I/O)
    # spends whole and which other processes taking the CPU meanwhile do not lengthen (on a busy
    # machine, wall time lengthened the longer builds most, being preempted more often).
    times: dict[int, list[float]] = {size: [] for size in SIZES}
    for _ in range(BUILD_RUNS):
        for size, (_, _, build) in builds.items():
            gc.collect()
            t0 = time.thread_time()
            build()
            times[size].append((time.thread_time() - t0) * 1000)
    return [
        {
            "procedures": len(catalogue.procedures),
            "items": len(items),
            "required": sum(1 for i in items if i["status"] == "required"),
            "median_ms": statistics.median(times[size]),
            "best_ms": min(times[size]),
        }
        for size, (catalogue, items, _) in builds.items()
    ]


# --- gunicorn and wrk ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method: str, url: str, body: dict | None = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Accept": "application/json"})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw[:500].decode(errors="replace")


class Gunicorn:
    def __init__(self, env: dict, log: Path, workers: int = 2):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "config.wsgi:application",
                "--chdir", str(ROOT),
                "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(workers),
                "--worker-class", "sync",
                "--timeout", "60",
                "--log-level", "warning",
                "--error-logfile", str(log),
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def log_tail(self) -> str:
        with suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
        return ""

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            with suppress(OSError):
                status, _ = request("GET", self.base + path)
                if status == 200:
                    return
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer on {self.base}{path} within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)  # the session started for it above
                self.proc.wait(timeout=5)


WRK_FIELDS = {
    "rps": re.compile(r"^Requests/sec:\s+([\d.]+)", re.M),
    "requests": re.compile(r"^\s*(\d+) requests in", re.M),
    "latency": re.compile(r"^\s+Latency\s+(\S+)", re.M),
    "p99": re.compile(r"^\s+99%\s+(\S+)", re.M),
    "non_2xx": re.compile(r"Non-2xx or 3xx responses:\s+(\d+)"),
    "socket_errors": re.compile(r"Socket errors:\s+(.*)"),
}


def wrk(url: str, *, threads: int, connections: int, seconds: int, script: Path | None = None) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script is not None:
        cmd += ["-s", str(script)]
    done = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60)
    out = done.stdout + done.stderr
    found = {k: (m.group(1) if (m := rx.search(out)) else None) for k, rx in WRK_FIELDS.items()}
    if done.returncode != 0 or found["rps"] is None:
        raise BenchError(f"wrk failed on {url}:\n{out}")
    if found["non_2xx"] or found["socket_errors"]:
        raise BenchError(
            f"wrk on {url} saw non-2xx responses ({found['non_2xx'] or 0}) or socket errors "
            f"({found['socket_errors'] or 'none'}): the figures would measure errors\n{out}"
        )
    return {"rps": float(found["rps"]), "requests": int(found["requests"] or 0),
            "latency": found["latency"], "p99": found["p99"]}  # fmt: skip


def post_script(folder: Path, body: dict) -> Path:
    text = json.dumps(body, separators=(",", ":"))  # ASCII only: fits a Lua long string as is
    if "]==]" in text:
        raise BenchError("the POST body cannot be quoted for Lua")
    path = folder / "post_checklist.lua"
    path.write_text(
        f'wrk.method = "POST"\nwrk.body = [==[{text}]==]\nwrk.headers["Content-Type"] = "application/json"\n'
    )
    return path


def check_shapes(base: str, body: dict, bare: object) -> str:
    """Each endpoint answers with the right status and shape before anything is measured; returns a token."""
    status, got = request("GET", base + "/bench/bare/")
    if status != 200 or got != bare:
        raise BenchError(f"GET /bench/bare/ answered {status}: {str(got)[:500]}")
    status, created = request("POST", base + "/api/v1/checklists/", body)
    if status != 201 or not isinstance(created, dict) or set(created) != CHECKLIST_KEYS:
        raise BenchError(f"POST /api/v1/checklists/ answered {status}: {str(created)[:1000]}")
    items = created["items"]
    if not items or any(set(i) != ITEM_KEYS for i in items) or not any(i["status"] == "required" for i in items):
        raise BenchError(f"POST /api/v1/checklists/ gave unexpected items: {str(items)[:1000]}")
    token = created["token"]
    status, got = request("GET", f"{base}/api/v1/checklists/{token}/")
    if status != 200 or not isinstance(got, dict) or got.get("token") != token:
        raise BenchError(f"GET /api/v1/checklists/{{token}}/ answered {status}: {str(got)[:500]}")
    if [i["key"] for i in got["items"]] != [i["key"] for i in items]:
        raise BenchError("GET /api/v1/checklists/{token}/ does not give the items the POST gave")
    return token


def http_figures(env: dict, folder: Path, body: dict, args) -> tuple[list[dict], dict]:
    from bench.urls import BARE_PAYLOAD

    bare = json.loads(json.dumps(BARE_PAYLOAD))
    server = Gunicorn(env, folder / "gunicorn.log")
    try:
        server.wait_ready("/bench/bare/")
        token = check_shapes(server.base, body, bare)
        _, created = request("GET", f"{server.base}/api/v1/checklists/{token}/")
        info = {
            "items": len(created["items"]),
            "bytes": len(json.dumps(created, ensure_ascii=False, separators=(",", ":")).encode()),
            "bare_bytes": len(json.dumps(bare, ensure_ascii=False, separators=(",", ":")).encode()),
        }
        script = post_script(folder, body)
        endpoints = {
            "bare": (f"{server.base}/bench/bare/", None),
            "get": (f"{server.base}/api/v1/checklists/{token}/", None),
            "post": (f"{server.base}/api/v1/checklists/", script),
        }

        def run(name: str, seconds: int) -> dict:
            url, lua = endpoints[name]
            return wrk(url, seconds=seconds, threads=args.threads, connections=args.connections, script=lua)

        for name in endpoints:
            run(name, args.warmup)
        # Rounds of bare, GET, POST in turn: each ratio is against the bare view measured just
        # before, so that a load that comes and goes on a shared machine weighs on both alike;
        # the figures are the medians over the rounds.
        rounds = [{name: run(name, args.duration) for name in endpoints} for _ in range(args.rounds)]
        if server.proc.poll() is not None:
            raise BenchError(f"gunicorn died during the run:\n{server.log_tail()}")
        return rounds, info
    finally:
        server.stop()


# --- report --------------------------------------------------------------------------------------


def verdict(name: str, value: float) -> str:
    op, limit = TARGETS[name]
    ok = value >= limit if op == ">=" else value <= limit
    return f"{'ok' if ok else 'MISSED'} (target {op} {limit:g})"


def summary(rounds: list[dict]) -> dict:
    """Per endpoint: median req/s, and the median of the rounds' ratios to the bare view."""
    out = {}
    for key in ("bare", "get", "post"):
        rps = [r[key]["rps"] for r in rounds]
        ratios = [r[key]["rps"] / r["bare"]["rps"] for r in rounds]
        out[key] = {
            "rps": statistics.median(rps),
            "ratio": statistics.median(ratios),
            "ratios": ratios,
            "latency": rounds[-1][key]["latency"],
            "p99": rounds[-1][key]["p99"],
        }
    return out


def report(rounds: list[dict], info: dict, builds: list[dict], args, db_label: str, elapsed: float) -> dict:
    http = summary(rounds)
    print(
        f"checklist API under gunicorn (2 sync workers, 127.0.0.1) on {db_label}; wrk -t{args.threads} "
        f"-c{args.connections}, {args.rounds} rounds of {args.duration}s per endpoint after a {args.warmup}s warm-up"
    )
    print(
        f"case: moving in, family of 4 → {info['items']} items, {info['bytes']} bytes of JSON "
        f"(bare view: {info['bare_bytes']} bytes)"
    )
    print(f"{'endpoint':<34} {'req/s':>9} {'avg latency':>12} {'p99':>9} {'vs bare':>8}  ratio per round")
    labels = {"bare": "GET /bench/bare/", "get": "GET /api/v1/checklists/{token}/", "post": "POST /api/v1/checklists/"}
    for key, label in labels.items():
        r = http[key]
        latency, p99 = r["latency"] or "-", r["p99"] or "-"
        per_round = " ".join(f"{x:.3f}" for x in r["ratios"])
        print(f"{label:<34} {r['rps']:>9.1f} {latency:>12} {p99:>9} {r['ratio']:>8.3f}  {per_round}")
    print("(req/s: median over the rounds; vs bare: median of the rounds' ratios; latencies: last round)")
    print()
    print(
        f"checklist build without HTTP (evaluate + render items + documents + unanswered), CPU time, median of {BUILD_RUNS}"
    )
    print(f"{'procedures':>10} {'items':>6} {'required':>9} {'ms (median)':>12} {'ms (best)':>10}")
    for row in builds:
        print(
            f"{row['procedures']:>10} {row['items']:>6} {row['required']:>9} "
            f"{row['median_ms']:>12.3f} {row['best_ms']:>10.3f}"
        )
    t = {row["procedures"]: row["median_ms"] for row in builds}
    figures = {
        "bare_rps": round(http["bare"]["rps"], 1),
        "get_rps": round(http["get"]["rps"], 1),
        "post_rps": round(http["post"]["rps"], 1),
        "get_ratio": round(http["get"]["ratio"], 3),
        "post_ratio": round(http["post"]["ratio"], 3),
        "t100_ms": round(t[100], 3),
        "t300_ms": round(t[300], 3),
        "t1000_ms": round(t[1000], 3),
        "t1000_over_t100": round(t[1000] / t[100], 2),
    }
    print()
    for name in TARGETS:
        print(f"{name:<16} {figures[name]:>8}  {verdict(name, figures[name])}")
    print(f"whole bench: {elapsed:.0f} s")
    print(json.dumps(figures))
    return figures


# --- main ----------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.checklist_api", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of bare, GET, POST (default 5)")
    parser.add_argument("--duration", type=int, default=3, help="seconds of wrk per endpoint and round (default 3)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint (default 3)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    return parser.parse_args(argv)


def _terminated(signum, frame):
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C: gunicorn stopped, database dropped


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)
    started = time.monotonic()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk); cannot measure the API", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="navi-bench-")))
        if args.sqlite:
            database_url = f"sqlite:///{folder / 'bench.sqlite3'}"
            db_label = "SQLite (temporary file)"
        else:
            name = f"navi_bench_{os.getpid()}"
            database_url = create_postgres(name)
            stack.callback(drop_postgres, name)
            db_label = f"PostgreSQL ({name})"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "DATABASE_URL": database_url}
        os.environ.update({"DJANGO_SETTINGS_MODULE": SETTINGS, "DATABASE_URL": database_url})
        manage(env, "migrate", "--no-input", "--verbosity", "0")
        print(manage(env, "load_catalogue"))

        import django

        django.setup()
        from django.db import connections

        stack.callback(connections.close_all)

        body = household_body(tokyo_today())
        builds = build_times(body)
        rounds, info = http_figures(env, folder, body, args)
        report(rounds, info, builds, args, db_label, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        sys.exit(1)
