"""The resident journey in a real browser, in ja, en and ja-easy: axe finds no WCAG 2.2 AA violation.

Chromium is Debian's (/usr/bin/chromium). Playwright's sync API runs an event loop in this thread,
where Django refuses database queries: everything goes through the browser.
"""

import re

import pytest
from browser_testing import assert_no_axe_violations, launch_chromium
from django.conf import settings
from playwright.sync_api import expect, sync_playwright

from procedures.services import catalogue_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page, html_lang, name):
    expect(page.locator("html")).to_have_attribute("lang", html_lang)
    assert_no_axe_violations(page, name)


@pytest.mark.parametrize("language,html_lang", [("ja", "ja"), ("en", "en"), ("ja-easy", "ja")])
def test_resident_pages_have_no_axe_violations(live_server, language, html_lang):
    # transactional tests flush the database afterwards, catalogue included: load it again
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
            assert_accessible(page, html_lang, "start")

            page.locator('input[name="life_events"][value="moving"]').check()
            page.locator("#id_event_date").fill("2026-09-08")
            page.locator("main button[type=submit]").click()
            expect(page).to_have_url(f"{base}/household/")
            page.locator("#id_relation").select_option("self")
            page.locator("#id_age").fill("40")
            page.locator('button[name="action"][value="add"]').click()
            expect(page.locator('button[name="action"][value="remove"]')).to_have_count(1)
            assert_accessible(page, html_lang, "household")

            page.locator('button[name="action"][value="continue"]').click()
            expect(page).to_have_url(re.compile(r"/questions/"))
            assert_accessible(page, html_lang, "question")
            for _ in range(60):
                if page.url == f"{base}/check/":
                    break
                with page.expect_navigation():
                    page.locator('button[name="action"][value="skip"]').click()
            expect(page).to_have_url(f"{base}/check/")
            assert_accessible(page, html_lang, "check")

            page.locator("main form button[type=submit]").click()
            expect(page).to_have_url(re.compile(r"/c/[A-Za-z0-9_-]+/$"))
            token = page.url.rstrip("/").rsplit("/", 1)[1]
            assert_accessible(page, html_lang, "checklist")

            page.locator(f'a[href="/c/{token}/delete/"]').click()
            expect(page).to_have_url(f"{base}/c/{token}/delete/")
            assert_accessible(page, html_lang, "delete confirm")

            response = page.goto(f"{base}/c/unknown/")
            assert response.status == 404
            assert_accessible(page, html_lang, "not found")
        finally:
            browser.close()
