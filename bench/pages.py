"""Benchmark: the resident pages' weight (HTML + CSS + JS) and the checklist page's req/s against a static page.

    python -m bench.pages            (from the project root, with the venv)

1. The app as in production, as bench.checklist_api serves it: a throwaway PostgreSQL database,
   migrate, load_catalogue, compilemessages, collectstatic (whitenoise's compressed files), gunicorn
   with 2 sync workers on the loopback, config.settings.bench.
2. Bytes per page type, in ja, en and やさしい日本語: a resident's walk with a cookie jar (start,
   household, a question, the question with an error, check answers, the checklist of the API
   bench's family of four, delete confirm, not found), each page fetched with what it links
   (stylesheets, scripts; images are listed apart; fonts are the system's). "sent" is what the
   server sends to a browser that accepts gzip (whitenoise compresses the CSS; the HTML goes as
   is), "raw" the bytes once decompressed. Target: sent ≤ 60 KB for every page.
3. wrk against GET /c/{token}/ (ja and やさしい日本語, with its ふりがな) and against
   /bench/static-page/, a fixed HTML page through the same middleware, in the same gunicorn.

The last line printed is one JSON object with the figures and ratios. Exit status 0 when measured
(targets met or not), non-zero when something could not be measured.
"""

from __future__ import annotations

import argparse
import gzip
import http.cookiejar
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from bench.checklist_api import (
    SETTINGS,
    BenchError,
    Gunicorn,
    create_postgres,
    drop_postgres,
    household_body,
    manage,
    request,
    tokyo_today,
    wrk,
)

LANGUAGES = {"ja": "ja", "en": "en", "ja-easy": "easy"}  # Django's code → the API's
PAGE_TYPES = ("start", "household", "question", "question-error", "check", "checklist", "delete", "not-found")
TARGET_KB = 60
STYLESHEET = re.compile(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"')
SCRIPT = re.compile(r'<script[^>]+src="([^"]+)"')
IMAGE = re.compile(r'<img[^>]+src="(/[^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- the app, served ----------------------------------------------------------------------------


def serve(stack: ExitStack, prefix: str) -> Gunicorn:
    """A throwaway database with the shipped catalogue, static files collected, and gunicorn on it."""
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"{prefix}-")))
    name = f"{prefix.replace('-', '_')}_{os.getpid()}"
    database_url = create_postgres(name)
    stack.callback(drop_postgres, name)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "DATABASE_URL": database_url, "VAR_DIR": str(folder)}
    manage(env, "migrate", "--no-input", "--verbosity", "0")
    manage(env, "load_catalogue")
    manage(env, "compilemessages", "--verbosity", "0")
    manage(env, "collectstatic", "--no-input", "--verbosity", "0")
    server = Gunicorn(env, folder / "gunicorn.log")
    stack.callback(server.stop)
    server.wait_ready("/health/")
    return server


# --- a resident's walk, with the bytes of each page ----------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 comes back as it is: the walk follows it itself, as a browser would


class Resident:
    """A browser without a cache: cookies kept, gzip accepted, every response's bytes counted."""

    def __init__(self, base: str, language: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                0, "django_language", language, None, False, "127.0.0.1", False, False, "/", True,
                False, None, False, None, None, {},
            )
        )  # fmt: skip

    def fetch(self, path: str, form: dict | None = None, expect: int = 200) -> tuple[str, int, int, str]:
        """(final path, bytes sent, raw bytes, text) of one page, following redirects after a POST."""
        data = None if form is None else urllib.parse.urlencode(form, doseq=True).encode()
        req = urllib.request.Request(self.base + path, data=data, headers={"Accept-Encoding": "gzip"})
        try:
            resp = self.opener.open(req, timeout=30)
            status, body, headers = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as exc:
            status, body, headers = exc.code, exc.read(), exc.headers
        if status in (301, 302, 303):
            return self.fetch(urllib.parse.urlsplit(headers["Location"]).path or "/", expect=expect)
        if status != expect:
            raise BenchError(f"{'POST' if form else 'GET'} {path} answered {status}, not {expect}")
        raw = gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body
        return path, len(body), len(raw), raw.decode("utf-8", errors="replace")

    def post(self, path: str, page_text: str, form: dict, expect: int = 200):
        token = CSRF.search(page_text)
        if token is None:
            raise BenchError(f"no CSRF token on {path}")
        return self.fetch(path, {"csrfmiddlewaretoken": token.group(1), **form}, expect=expect)

    def weigh(self, path: str, text: str, sent: int, raw: int) -> dict:
        """The page and what it links: HTML, CSS and JS (the target), images apart."""
        out = {"html": sent, "css": 0, "js": 0, "img": 0, "raw": raw, "files": 1}
        for kind, pattern in (("css", STYLESHEET), ("js", SCRIPT), ("img", IMAGE)):
            for href in pattern.findall(text):
                _, file_sent, file_raw, _ = self.fetch(urllib.parse.urlsplit(href).path)
                out[kind] += file_sent
                if kind != "img":
                    out["raw"] += file_raw
                    out["files"] += 1
        out["sent"] = out["html"] + out["css"] + out["js"]
        return out


def walk(base: str, language: str, token: str) -> dict[str, dict]:
    """Each page type's weight for one language; the checklist is the family of four's."""
    you = Resident(base, language)
    pages: dict[str, dict] = {}

    def weigh(name, fetched):
        path, sent, raw, text = fetched
        pages[name] = you.weigh(path, text, sent, raw)
        return path, text

    path, text = weigh("start", you.fetch("/"))
    body = household_body(tokyo_today())
    path, _, _, text = you.post("/", text, {"life_events": body["life_events"], "event_date": body["event_date"]})
    for member in body["members"]:
        path, _, _, text = you.post(path, text, {"action": "add", "relation": member["relation"], "age": member["age"]})
    weigh("household", (path, *you.fetch(path)[1:]))
    path, _, _, text = you.post(path, text, {"action": "continue"})
    if "/questions/" not in path:
        raise BenchError(f"the household page led to {path}, not to a question")
    weigh("question", (path, *you.fetch(path)[1:]))
    weigh("question-error", you.post(path, text, {"action": "answer"}))
    for _ in range(100):
        if path == "/check/":
            break
        path, _, _, text = you.post(path, text, {"action": "skip"})
    else:
        raise BenchError("skipping every question did not reach the check page")
    weigh("check", (path, *you.fetch(path)[1:]))
    weigh("checklist", you.fetch(f"/c/{token}/"))
    weigh("delete", you.fetch(f"/c/{token}/delete/"))
    weigh("not-found", you.fetch("/c/unknown-link/", expect=404))
    return pages


def make_checklist(base: str, language: str) -> str:
    status, created = request(
        "POST", base + "/api/v1/checklists/", {**household_body(tokyo_today()), "language": language}
    )
    if status != 201 or not isinstance(created, dict):
        raise BenchError(f"POST /api/v1/checklists/ answered {status}: {str(created)[:500]}")
    return created["token"]


# --- report --------------------------------------------------------------------------------------


def report(weights: dict, http: dict, args, elapsed: float) -> dict:
    kb = 1024
    print("bytes per page type before fonts: HTML + CSS + JS as sent (gzip accepted), KB; raw = decompressed")
    header = "".join(f"{lang + ' sent':>13}{lang + ' raw':>12}" for lang in weights)
    print(f"{'page':<16}{header}{'img (ja)':>10}")
    for page in PAGE_TYPES:
        cells = "".join(
            f"{weights[lang][page]['sent'] / kb:>13.1f}{weights[lang][page]['raw'] / kb:>12.1f}" for lang in weights
        )
        print(f"{page:<16}{cells}{weights['ja'][page]['img'] / kb:>10.1f}")
    heaviest = max(((lang, page) for lang in weights for page in PAGE_TYPES), key=lambda k: weights[k[0]][k[1]]["sent"])
    max_sent = weights[heaviest[0]][heaviest[1]]["sent"]
    files = {weights[lang][page]["files"] for lang in weights for page in PAGE_TYPES}
    print(
        f"files per page (HTML + CSS + JS): {sorted(files)}; heaviest: {heaviest[1]} ({heaviest[0]}) {max_sent / kb:.1f} KB"
    )
    print()
    static = http["static"]["rps"]
    print(
        f"gunicorn (2 sync workers, 127.0.0.1), wrk -t{args.threads} -c{args.connections} -d{args.duration}s after {args.warmup}s warm-up"
    )
    print(f"{'page':<34}{'req/s':>9}{'avg latency':>13}{'p99':>9}{'vs static':>11}")
    labels = {
        "static": "GET /bench/static-page/",
        "checklist": "GET /c/{token}/ (ja)",
        "checklist_easy": "GET /c/{token}/ (やさしい日本語)",
    }
    for key, label in labels.items():
        r = http[key]
        print(f"{label:<34}{r['rps']:>9.1f}{r['latency'] or '-':>13}{r['p99'] or '-':>9}{r['rps'] / static:>11.3f}")
    figures = {
        "bytes": {lang: {page: weights[lang][page]["sent"] for page in PAGE_TYPES} for lang in weights},
        "raw_bytes": {lang: {page: weights[lang][page]["raw"] for page in PAGE_TYPES} for lang in weights},
        "max_kb": round(max_sent / kb, 1),
        "within_60kb": max_sent <= TARGET_KB * kb,
        "files_per_page": max(files),
        "static_rps": round(static, 1),
        "checklist_rps": round(http["checklist"]["rps"], 1),
        "checklist_easy_rps": round(http["checklist_easy"]["rps"], 1),
        "checklist_ratio": round(http["checklist"]["rps"] / static, 3),
        "checklist_easy_ratio": round(http["checklist_easy"]["rps"] / static, 3),
    }
    verdict = "ok" if figures["within_60kb"] else "MISSED"
    print(f"\nheaviest page {figures['max_kb']} KB: {verdict} (target <= {TARGET_KB} KB); whole bench: {elapsed:.0f} s")
    print(json.dumps(figures, ensure_ascii=False))
    return figures


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk per page (default 8)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per page (default 2)")
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
        print("wrk is not installed (Debian: apt-get install wrk); cannot measure the pages", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        server = serve(stack, "navi-bench-pages")
        tokens = {lang: make_checklist(server.base, api) for lang, api in LANGUAGES.items()}
        weights = {lang: walk(server.base, lang, tokens[lang]) for lang in LANGUAGES}
        urls = {
            "static": f"{server.base}/bench/static-page/",
            "checklist": f"{server.base}/c/{tokens['ja']}/",
            "checklist_easy": f"{server.base}/c/{tokens['ja-easy']}/",
        }
        http = {}
        for name, url in urls.items():
            load = {"threads": args.threads, "connections": args.connections}
            wrk(url, seconds=args.warmup, **load)
            http[name] = wrk(url, seconds=args.duration, **load)
        if server.proc.poll() is not None:
            raise BenchError(f"gunicorn died during the run:\n{server.log_tail()}")
        report(weights, http, args, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        sys.exit(1)
