"""The resident pages as a phone and a zoomed browser show them: no sideways scroll, big targets, visible focus.

Chromium walks the whole journey (bench.screenshots.walk_journey, the same walk the screenshots
take) at 320 px wide (WCAG 1.4.10 reflow) and at 640 px (a 1280 px window at 200 % zoom), in
Japanese and English (the longest words). On every page type: the page is no wider than the
window, every button, select, text field, summary and stand-alone link is at least 44 px high
and wide, every radio or checkbox row at least 44 px high; and keyboard focus is drawn.
"""

import pytest
from browser_testing import launch_chromium
from django.conf import settings
from playwright.sync_api import sync_playwright

from bench.screenshots import overflows, walk_journey
from procedures.services import catalogue_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_TARGETS = """() => {
  const controls = 'a.button, button, select, input[type=text], input[type=number], input[type=date], summary,'
    + ' .back-link, .checklist-toc a, .summary__action a, .site-name a, .choice';
  return [...document.querySelectorAll(controls)]
    .filter(el => el.offsetParent !== null && !el.closest('.visually-hidden'))
    .map(el => [el, el.getBoundingClientRect()])
    .filter(([el, r]) => r.height < 44 || (!el.matches('.choice') && r.width < 44))
    .map(([el, r]) => `${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
}"""

FOCUS_RING = """() => {
  const s = getComputedStyle(document.activeElement);
  return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow];
}"""


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("width", [320, 640])
def test_every_page_reflows_with_big_targets_and_visible_focus(live_server, language, width):
    catalogue_load(path=settings.CATALOGUE_DIR)
    base = live_server.url
    problems = []
    seen = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": width, "height": 720}, locale="ja-JP")
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page = context.new_page()

        def visit(name):
            seen.append(name)
            if overflows(page):
                problems.append(f"{name}: scrolls sideways at {width} px")
            small = page.evaluate(SMALL_TARGETS)
            problems.extend(f"{name}: target under 44 px: {s}" for s in small)
            page.keyboard.press("Tab")  # the skip link, then the site name
            page.keyboard.press("Tab")
            tag, style, outline, shadow = page.evaluate(FOCUS_RING)
            if style == "none" or outline < 3 or shadow == "none":
                problems.append(f"{name}: focus on {tag} not drawn ({style} {outline}px, {shadow})")

        try:
            walk_journey(page, base, visit)
        finally:
            browser.close()
    assert len(seen) == 8, seen
    assert not problems, "\n".join(problems)
