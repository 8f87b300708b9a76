"""The reminder pages in a real browser (Chromium): axe finds no WCAG 2.2 AA violation, the push
offer appears only with script, the email form works without it. Screenshots go to /tmp."""

import os

import pytest
from browser_testing import assert_no_axe_violations, launch_chromium
from django.conf import settings
from playwright.sync_api import expect, sync_playwright
from reminder_testing import new_checklist

from procedures.services import catalogue_load
from reminders import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("REMINDERS_SCREENSHOTS", "/tmp")


def assert_accessible(page, name):
    assert_no_axe_violations(page, name)
    page.screenshot(path=f"{SHOTS}/reminders-{name}.png", full_page=True)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_reminder_pages_are_accessible(live_server, language):
    catalogue_load(path=settings.CATALOGUE_DIR)  # the transactional tests before emptied the database
    checklist = new_checklist(language=language)
    pending = services.contact_email_add(checklist=checklist, email="browser@example.jp")
    confirm = f"/r/confirm/{services.confirm_token(pending)}/"
    unsubscribe = f"/r/unsubscribe/{services.unsubscribe_token(pending)}/"
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(locale="ja-JP").new_page()
            page.goto(f"{base}/c/{checklist.token}/")
            expect(page.locator("#reminders-heading")).to_be_visible()
            page.locator("#reminders-heading").scroll_into_view_if_needed()
            assert_accessible(page, f"checklist-{language}")

            page.goto(f"{base}/c/{checklist.token}/reminders/")
            expect(page.locator("#reminders-push")).to_be_visible()  # the script found Push support
            assert_accessible(page, f"manage-{language}")

            page.locator("#reminders-email").fill("not an address")
            page.locator("form.reminders-form button[type=submit]").click()
            expect(page.locator("#reminders-email")).to_have_attribute("aria-invalid", "true")
            assert_accessible(page, f"manage-error-{language}")

            page.goto(f"{base}{confirm}")
            assert_accessible(page, f"confirm-{language}")
            page.locator("main button[type=submit]").click()
            expect(page.locator("h1")).to_have_text("Confirmed" if language == "en" else "登録しました")
            assert_accessible(page, f"confirmed-{language}")

            page.goto(f"{base}{unsubscribe}")
            assert_accessible(page, f"unsubscribe-{language}")

            without_script = browser.new_context(java_script_enabled=False).new_page()
            without_script.goto(f"{base}/c/{checklist.token}/reminders/")
            expect(without_script.locator("#reminders-push")).to_be_hidden()
            without_script.locator("#reminders-email").fill("noscript@example.jp")
            without_script.locator("form.reminders-form button[type=submit]").click()
            expect(without_script).to_have_url(f"{base}/c/{checklist.token}/reminders/?sent=1")
            expect(without_script.locator(".reminders-notice")).to_be_visible()
        finally:
            browser.close()
