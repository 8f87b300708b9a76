"""Screenshots of every resident page type, mobile and desktop, in ja, en and やさしい日本語.

    python -m bench.screenshots [--out DIR]     (from the project root, with the venv; default var/screenshots)

Serves the app as bench.pages does (a throwaway PostgreSQL database, migrate, load_catalogue,
collectstatic, gunicorn on the loopback), then walks the resident journey in
Debian's Chromium (Playwright) as a resident would, once per language and viewport (mobile 390×844,
desktop 1280×900): start, household, question, question with an error, check answers, checklist,
delete confirm, not found; the checklist page as the browser prints it (A4) and the checklist's
PDF, both rendered to PNG with pdftoppm. Each page is a
full-page PNG named LANGUAGE-VIEWPORT-PAGE.png. A page wider than its viewport (horizontal scroll)
is reported. The last line printed is JSON: the files written and any page that overflowed.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from bench.checklist_api import ROOT, BenchError
from bench.pages import serve

LANGUAGES = ("ja", "en", "ja-easy")
VIEWPORTS = {"mobile": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
PAGE_TYPES = ("start", "household", "question", "question-error", "check", "checklist", "delete", "not-found")
EVENT_DATE = "2026-09-08"


def overflows(page) -> bool:
    """True when the page scrolls sideways: its content is wider than the viewport."""
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


def answer_current_question(page) -> None:
    """Give the page's question an ordinary answer: the first choice, a small number, or the event date."""
    radios = page.locator('input[name="answer"][type="radio"]')
    if radios.count():
        radios.first.check()
    elif page.locator('input[name="answer"][type="number"]').count():
        page.locator("#answer").fill("1")
    else:
        page.locator("#answer").fill(EVENT_DATE)
    with page.expect_navigation():
        page.locator('button[name="action"][value="answer"]').click()


def walk_journey(page, base: str, visit) -> str:
    """Walk the journey from the start page to the checklist and its delete page; ``visit(name)`` on each page type.

    Moving house for a household of two (self 41, child 4); the first question is first sent empty
    (the error page), then every question gets an ordinary answer. Returns the checklist's token.
    """
    page.goto(f"{base}/")
    visit("start")
    page.locator('input[name="life_events"][value="moving"]').check()
    page.locator("#id_event_date").fill(EVENT_DATE)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    for relation, age in (("self", "41"), ("child", "4")):
        page.locator("#id_relation").select_option(relation)
        page.locator("#id_age").fill(age)
        with page.expect_navigation():
            page.locator('button[name="action"][value="add"]').click()
    visit("household")
    with page.expect_navigation():
        page.locator('button[name="action"][value="continue"]').click()
    if "/questions/" not in page.url:
        raise BenchError(f"the household page did not lead to a question: {page.url}")
    visit("question")
    with page.expect_navigation():
        page.locator('button[name="action"][value="answer"]').click()
    if not page.locator(".error-summary").count():
        raise BenchError(f"an empty answer showed no error summary: {page.url}")
    visit("question-error")
    for _ in range(80):
        if page.url.endswith("/check/"):
            break
        answer_current_question(page)
    else:
        raise BenchError("the questionnaire did not end at the check page")
    visit("check")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    match = re.search(r"/c/([A-Za-z0-9_-]+)/$", page.url)
    if not match:
        raise BenchError(f"no checklist page after the check page: {page.url}")
    visit("checklist")
    token = match.group(1)
    page.goto(f"{base}/c/{token}/delete/")
    visit("delete")
    response = page.goto(f"{base}/c/unknown-link/")
    if response is None or response.status != 404:
        raise BenchError("an unknown link did not give the 404 page")
    visit("not-found")
    return token


def pdf_to_png(pdf: bytes, stem: Path) -> list[Path]:
    path = stem.with_suffix(".pdf")
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(path), str(stem)], check=True, timeout=120)
    path.unlink()
    return sorted(stem.parent.glob(f"{stem.name}-*.png"))


def take_screenshots(base: str, out: Path) -> dict:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from browser_testing import launch_chromium

    written: list[str] = []
    overflowing: list[str] = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            for language in LANGUAGES:
                for viewport_name, viewport in VIEWPORTS.items():
                    context = browser.new_context(viewport=viewport, locale="ja-JP")
                    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
                    page = context.new_page()

                    def visit(name, page=page, prefix=f"{language}-{viewport_name}"):
                        path = out / f"{prefix}-{name}.png"
                        page.screenshot(path=str(path), full_page=True)
                        written.append(path.name)
                        if overflows(page):
                            overflowing.append(f"{prefix}-{name}")

                    token = walk_journey(page, base, visit)
                    if viewport_name == "desktop":
                        page.goto(f"{base}/c/{token}/")  # the page as the browser prints it (print rules, A4)
                        printed = page.pdf(format="A4", print_background=True)
                        written.extend(p.name for p in pdf_to_png(printed, out / f"{language}-print"))
                        response = page.request.get(f"{base}/c/{token}/checklist.pdf")
                        if response.status != 200:
                            raise BenchError(f"the PDF answered {response.status}")
                        written.extend(p.name for p in pdf_to_png(response.body(), out / f"{language}-pdf"))
                    context.close()
        finally:
            browser.close()
    return {"written": written, "overflowing": overflowing}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.screenshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "screenshots", help="folder for the PNGs")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    with ExitStack() as stack:
        server = serve(stack, "navi-shots")
        result = take_screenshots(server.base, out)
    print(f"{len(result['written'])} screenshots in {out}")
    for name in result["overflowing"]:
        print(f"scrolls sideways: {name}")
    print(json.dumps({"folder": str(out), **result}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"screenshots failed: {exc}", file=sys.stderr)
        sys.exit(1)
