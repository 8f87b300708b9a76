"""Whole journeys in a real browser: keyboard only, JavaScript off, revising from the checklist page,
and axe on pages that show an error summary or a revision.

Chromium is Debian's (/usr/bin/chromium). Playwright's sync API runs an event loop in the test's
thread, where Django refuses database queries: data is prepared before the browser starts and
checked after it has closed.
"""

import re
from urllib.parse import urlparse

import pytest
from browser_testing import assert_no_axe_violations, launch_chromium
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from navi.models import Checklist
from navi.services import checklist_create
from procedures.services import catalogue_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVENT_DATE = "2026-09-08"
# The answers given; every other question is left for the counter (「わからない（とばす）」).
ANSWERS = {"move_type": "in_from_other", "moved_in_on": EVENT_DATE, "has_dog": "no", "insurance": "national"}
TOKEN_URL = re.compile(r"/c/([A-Za-z0-9_-]{43})/(#.*)?$")

ACTIVE = """() => {
  const e = document.activeElement;
  const item = e.closest('li.item');
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name'), value: e.value ?? null,
          type: e.getAttribute('type'), text: (e.innerText || '').trim().slice(0, 60),
          checked: e.checked ?? null, item: item ? item.id : null,
          href: e.getAttribute('href')};
}"""
# Visible focus: the focused control draws an outline or a focus ring (box-shadow). A date field's
# calendar button lives in the browser's own shadow tree (the field is then active without matching
# :focus); the browser draws that ring itself, which leave_date_field checks in pixels. The skip
# link's target, <main tabindex="-1">, is a landmark focused so that the next Tab starts there, not
# a control: it draws no ring (as on GOV.UK's and デジタル庁's pages).
FOCUS_VISIBLE = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  if (e.tagName === 'MAIN') return 'skip-target';
  if (e.type === 'date' && !e.matches(':focus')) return 'picker';
  const s = getComputedStyle(e);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  return outline || (s.boxShadow && s.boxShadow !== 'none');
}"""


def path(page) -> str:
    """The page's path: after the skip link, redirects keep its #main."""
    return urlparse(page.url).path


def active(page) -> dict:
    return page.evaluate(ACTIVE)


def press(page, key: str) -> dict:
    page.keyboard.press(key)
    if page.evaluate(FOCUS_VISIBLE) is False:
        raise AssertionError(f"focus not visible on {active(page)} at {page.url}")
    return active(page)


def tab_to(page, selector: str, *, limit: int = 120, back: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches selector; every stop must show focus.

    No key is pressed if the focus is there already.
    """
    key = "Shift+Tab" if back else "Tab"
    if page.evaluate("s => document.activeElement.matches(s)", selector):
        return active(page)
    for _ in range(limit):
        press(page, key)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return active(page)
    raise AssertionError(f"{selector} never got the focus on {page.url}")


def type_date(page, iso: str, selector: str):
    """Type a date into the focused date field, segment by segment as the field asks.

    Debian's chromium package carries the en-US locale only (chromium-l10n adds the others), so
    its date fields read mm/dd/yyyy whatever the page's language.
    """
    year, month, day = iso.split("-")
    page.keyboard.type(month + day + year)
    expect(page.locator(selector)).to_have_value(iso)


def leave_date_field(page, selector: str) -> dict:
    """Tab from the date field's last segment to its calendar button, then on out of the field.

    The calendar button's focus ring must show: the field looks different with it focused.
    """
    field = page.locator(selector)
    press(page, "Tab")
    assert page.evaluate(FOCUS_VISIBLE) == "picker", active(page)
    focused = field.screenshot()
    now = press(page, "Tab")
    assert now["id"] != selector.lstrip("#"), now
    assert field.screenshot() != focused, "the date field's calendar button shows no focus"
    return now


def choose_radio(page, value: str):
    """Focus the radio group, then select with Space and the arrow keys only."""
    first = tab_to(page, 'input[name="answer"]')
    if not first["checked"]:
        press(page, "Space")
    for _ in range(10):
        now = active(page)
        if now["value"] == value:
            assert now["checked"], now
            return
        press(page, "ArrowDown")
    raise AssertionError(f"no radio {value} on {page.url}")


def enter_and_wait(page, key: str = "Enter"):
    with page.expect_navigation():
        page.keyboard.press(key)


def assert_accessible(page, html_lang, name):
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    assert_no_axe_violations(page, name)


# --- (a) keyboard only ---------------------------------------------------------------------------


def test_a_whole_journey_with_the_keyboard_only(live_server):
    catalogue_load(path=settings.CATALOGUE_DIR)
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_context(locale="ja-JP").new_page()
        try:
            page.goto(f"{base}/")
            # the first Tab is the skip link, and it takes the focus to the main content
            first = press(page, "Tab")
            assert first["tag"] == "a" and first["href"] == "#main", first
            press(page, "Enter")
            assert active(page)["id"] == "main"

            # start: a life event with Space, the date typed into the focused field
            now = tab_to(page, 'input[name="life_events"][value="moving"]')
            assert not now["checked"]
            assert press(page, "Space")["checked"] is True
            tab_to(page, "#id_event_date")
            type_date(page, EVENT_DATE, "#id_event_date")
            leave_date_field(page, "#id_event_date")
            tab_to(page, "main form button[type=submit]")
            enter_and_wait(page)
            assert path(page) == "/household/"

            # household: relation with the arrow keys, age typed, added with Enter
            tab_to(page, "#id_relation")
            for _ in range(10):
                if active(page)["value"] == "self":
                    break
                press(page, "ArrowDown")
            expect(page.locator("#id_relation")).to_have_value("self")
            tab_to(page, "#id_age")
            page.keyboard.type("40")
            tab_to(page, 'button[name="action"][value="add"]')
            enter_and_wait(page)
            expect(page.locator('button[name="action"][value="remove"]')).to_have_count(1)
            tab_to(page, 'button[name="action"][value="continue"]')
            enter_and_wait(page)

            # every question: answered with the keyboard, or skipped with Space on the skip button
            seen = []
            while path(page) != "/check/":
                assert len(seen) < 60, seen
                key = path(page).split("/")[2]
                seen.append(key)
                if len(seen) == 1:
                    # the redirects kept the skip link's #main, so the first Tab starts in the main
                    # content: the back link, before the question
                    assert page.url.endswith("#main")
                    assert press(page, "Tab")["href"] == "/household/"
                kind = page.locator("#answer").get_attribute("type")
                if key in ANSWERS:
                    if kind == "radio":
                        choose_radio(page, ANSWERS[key])
                    elif kind == "date":
                        tab_to(page, "#answer")
                        type_date(page, ANSWERS[key], "#answer")
                        leave_date_field(page, "#answer")
                    else:
                        tab_to(page, "#answer")
                        page.keyboard.type(ANSWERS[key])
                    tab_to(page, 'button[name="action"][value="answer"]')
                    enter_and_wait(page)
                else:
                    tab_to(page, 'button[name="action"][value="skip"]')
                    enter_and_wait(page, "Space")
            assert {"move_type", "moved_in_on", "has_dog", "insurance"} <= set(seen)
            assert "moved_out_on" not in seen

            # check your answers: the answers are there; create with Enter
            summary = page.locator("#answers")
            expect(summary).to_contain_text("ほかの市区町村から引っ越してきた")
            expect(summary).to_contain_text(EVENT_DATE)
            tab_to(page, "main form button[type=submit]")
            # Shift+Tab goes back to the last answer's Change link, Tab forward to the button again
            back = press(page, "Shift+Tab")
            assert back["tag"] == "a" and back["href"].endswith("?return=check"), back
            assert press(page, "Tab")["text"] == "チェックリストを作る"
            enter_and_wait(page)
            assert TOKEN_URL.search(page.url), page.url

            # the checklist: tick the first item with Space; the page comes back at that item
            button = tab_to(page, "form.item-tick button[type=submit]")
            item = button["item"]
            assert item and item.startswith("item-")
            enter_and_wait(page, "Space")
            expect(page).to_have_url(re.compile(rf"/c/[A-Za-z0-9_-]{{43}}/#{re.escape(item)}$"))
            expect(page.locator(f"#{item} .item-state")).to_have_text("状態：済み")
            # and the next Tab continues from that item, not from the top of the page
            assert press(page, "Tab")["item"] == item
            token = TOKEN_URL.search(page.url).group(1)
        finally:
            browser.close()
    checklist = Checklist.objects.get(token=token)
    assert checklist.answers["move_type"] == "in_from_other" and checklist.answers["has_dog"] is False
    assert checklist.members[0]["insurance"] == "national" and checklist.members[0]["age"] == 40
    assert [i.key for i in checklist.item_list if i.done] == [item.removeprefix("item-")]


# --- (b) JavaScript off --------------------------------------------------------------------------


def test_a_whole_journey_with_javascript_disabled(live_server):
    catalogue_load(path=settings.CATALOGUE_DIR)
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(locale="ja-JP", java_script_enabled=False)
        page = context.new_page()
        try:
            page.goto(f"{base}/")
            page.locator('input[name="life_events"][value="moving"]').check()
            page.locator("#id_event_date").fill(EVENT_DATE)
            page.locator("main form button[type=submit]").click()
            expect(page).to_have_url(f"{base}/household/")
            # an error first (nobody added), then a member added and removed, then one kept
            page.locator('button[name="action"][value="continue"]').click()
            expect(page.locator(".error-summary")).to_be_visible()
            for relation, age in (("spouse", "38"), ("self", "40")):
                page.locator("#id_relation").select_option(relation)
                page.locator("#id_age").fill(age)
                page.locator('button[name="action"][value="add"]').click()
            expect(page.locator('button[name="action"][value="remove"]')).to_have_count(2)
            page.locator('button[name="action"][value="remove"]').first.click()
            expect(page.locator('button[name="action"][value="remove"]')).to_have_count(1)
            page.locator('button[name="action"][value="continue"]').click()

            seen = []
            while not page.url.endswith("/check/"):
                assert len(seen) < 60, seen
                key = page.url.rstrip("/").split("/questions/")[1].split("/")[0]
                seen.append(key)
                if key in ANSWERS:
                    field = page.locator(f'input[name="answer"][value="{ANSWERS[key]}"]')
                    if field.count():
                        field.check()
                    else:
                        page.locator("#answer").fill(ANSWERS[key])
                    page.locator('button[name="action"][value="answer"]').click()
                else:
                    page.locator('button[name="action"][value="skip"]').click()
            # Back works without script: the last question, then forward again
            page.locator("a.back-link").click()
            expect(page).to_have_url(re.compile(r"/questions/"))
            page.locator('button[name="action"][value="skip"]').click()
            expect(page).to_have_url(f"{base}/check/")
            # a Change link returns to the check page
            page.locator('a[href="/questions/has_dog/?return=check"]').click()
            page.locator('input[name="answer"][value="yes"]').check()
            page.locator('button[name="action"][value="answer"]').click()
            expect(page).to_have_url(f"{base}/check/")
            page.locator("main form button[type=submit]").click()
            expect(page).to_have_url(TOKEN_URL)
            token = TOKEN_URL.search(page.url).group(1)
            page.locator("form.item-tick button[type=submit]").first.click()
            expect(page.locator(".item-state", has_text="状態：済み")).to_have_count(1)
            # forget it, with the confirm step
            page.locator(f'a[href="/c/{token}/delete/"]').click()
            page.locator("main form button[type=submit]").click()
            expect(page).to_have_url(re.compile(r"/c/deleted/"))
        finally:
            browser.close()
    assert "has_dog" in seen and "insurance" in seen
    assert not Checklist.objects.filter(token=token).exists()


# --- (d) revising from the checklist page --------------------------------------------------------


def test_revising_the_answers_from_the_checklist_page(live_server):
    catalogue_load(path=settings.CATALOGUE_DIR)
    view = checklist_create(
        life_events=["moving"],
        event_date=timezone.localdate(),
        answers={"move_type": "in_from_other", "moved_in_on": timezone.localdate().isoformat()},
        members=[{"relation": "self", "age": 40, "insurance": "national"}],
        language="ja",
    )
    keys = {i.key for i in Checklist.objects.get(token=view.token).item_list}
    assert {"tennyu_todoke", "kokuho_kanyu.m1"} <= keys
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_context(locale="ja-JP").new_page()
        try:
            page.goto(f"{base}/c/{view.token}/")
            for key in ("tennyu_todoke", "kokuho_kanyu.m1"):
                page.locator(f'form[action="/c/{view.token}/items/{key}/"] button').click()
                expect(page.locator(f'[id="item-{key}"] .item-state')).to_have_text("状態：済み")
            page.get_by_role("button", name="答えを変更する").click()
            expect(page).to_have_url(f"{base}/check/")
            expect(page.locator("main")).to_contain_text("いまのチェックリストの答えを変えています")
            expect(page.locator("#answers")).to_contain_text("ほかの市区町村から引っ越してきた")
            expect(page.locator(".changes")).to_contain_text("手続きと期限は変わりません。")
            assert_accessible(page, "ja", "check, revising")
            # change one member's insurance: national health insurance is no longer needed
            page.locator('a[href="/questions/insurance/m1/?return=check"]').click()
            page.locator('input[name="answer"][value="employee"]').check()
            page.locator('button[name="action"][value="answer"]').click()
            expect(page).to_have_url(f"{base}/check/")
            removed = page.locator(".change--removed")
            expect(removed).to_have_count(1)
            expect(removed).to_contain_text("国民健康保険")
            assert_accessible(page, "ja", "check, revising with changes")
            page.get_by_role("button", name="答えを保存してチェックリストを作り直す").click()
            expect(page).to_have_url(f"{base}/c/{view.token}/")
            expect(page.locator('[id="item-tennyu_todoke"] .item-state')).to_have_text("状態：済み")
            expect(page.locator('[id="item-kokuho_kanyu.m1"]')).to_have_count(0)
        finally:
            browser.close()
    checklist = Checklist.objects.get(token=view.token)
    assert Checklist.objects.count() == 1
    assert checklist.members[0]["insurance"] == "employee"
    assert {i.key: i.done for i in checklist.item_list if i.done} == {"tennyu_todoke": True}


# --- (c) axe on pages with an error summary ------------------------------------------------------


@pytest.mark.parametrize("language,html_lang", [("ja", "ja"), ("en", "en"), ("ja-easy", "ja")])
def test_error_summaries_have_no_axe_violations(live_server, language, html_lang):
    catalogue_load(path=settings.CATALOGUE_DIR)
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_context(locale="ja-JP").new_page()
        try:
            page.goto(f"{base}/")
            page.locator("#language-select").select_option(language)
            page.locator("form.language button[type=submit]").click()
            expect(page.locator("#language-select")).to_have_value(language)
            page.locator("main form button[type=submit]").click()  # nothing chosen
            expect(page.locator(".error-summary")).to_be_visible()
            expect(page.locator(".error-summary a")).to_have_count(2)
            assert_accessible(page, html_lang, "start with errors")

            page.locator('input[name="life_events"][value="moving"]').check()
            page.locator("#id_event_date").fill(EVENT_DATE)
            page.locator("main form button[type=submit]").click()
            page.locator('button[name="action"][value="add"]').click()  # neither relation nor age
            expect(page.locator(".error-summary a")).to_have_count(2)
            assert_accessible(page, html_lang, "household with errors")
            page.locator("#id_relation").select_option("self")
            page.locator("#id_age").fill("40")
            page.locator('button[name="action"][value="add"]').click()
            page.locator('button[name="action"][value="continue"]').click()

            for question in ("move_type", "moved_in_on"):  # a choice, then a date question
                if question == "moved_in_on":
                    page.locator('input[name="answer"][value="in_from_other"]').check()
                    page.locator('button[name="action"][value="answer"]').click()
                    page.locator("#answer").fill("")
                expect(page).to_have_url(f"{base}/questions/{question}/")
                page.locator('button[name="action"][value="answer"]').click()  # no answer given
                summary = page.locator(".error-summary")
                expect(summary).to_be_visible()
                expect(page).to_have_title(re.compile(r"^(エラー|Error|なおす ところが あります)"))
                # the summary's link leads to the field
                expect(summary.locator('a[href="#answer"]')).to_have_count(1)
                expect(page.locator("#answer-error")).to_be_visible()
                assert_accessible(page, html_lang, f"{question} with an error")
        finally:
            browser.close()


# --- the supervisors' funnel page ----------------------------------------------------------------


def test_the_funnel_page_has_no_axe_violations(live_server, client):
    from pages.test_f_funnel import sign_in

    from navi.models import JourneyEvent

    catalogue_load(path=settings.CATALOGUE_DIR)
    sign_in(client, "supervisor")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    today = timezone.localdate()
    for n, steps in enumerate((["household", "move_type"], ["household", "move_type", "check"])):
        JourneyEvent.objects.create(day=today, kind="answer", step="start", journey=f"{n:016x}")
        for step in steps:
            JourneyEvent.objects.create(day=today, kind="page", step=step, journey=f"{n:016x}")
    JourneyEvent.objects.create(day=today, kind="created", journey=f"{1:016x}")
    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(locale="ja-JP")
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        try:
            page.goto(f"{live_server.url}/staff/journey/")
            expect(page.locator("#started")).to_have_text("2")
            expect(page.locator("#completion")).to_have_text("50.0 %")
            expect(page.locator("#step-move_type td").nth(3)).to_have_text("1")
            assert_accessible(page, "ja", "journey funnel")
            page.locator("#id_date_to").fill("2000-01-01")
            page.locator("form.search-form button[type=submit]").click()
            expect(page.locator(".error-summary")).to_be_visible()
            assert_accessible(page, "ja", "journey funnel with an error")
        finally:
            browser.close()
