"""A supervisor logs in with password and TOTP in a real browser; axe finds no WCAG 2.2 AA violation.

Chromium is Debian's (/usr/bin/chromium, installed by .ci/run). Everything the test needs from
the database is made before the browser starts: Playwright's sync API runs an event loop in
this thread, where Django refuses database queries.
"""

import os
from pathlib import Path

import pytest
from browser_testing import axe_results, launch_chromium
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect, sync_playwright
from staff_testing import PASSWORD, make_staff

SCREENSHOTS = Path(os.environ.get("STAFF_SCREENSHOTS", "/tmp"))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page):
    results = axe_results(page)
    assert results.violations_count == 0, results.generate_report()


def test_supervisor_login_with_totp_and_accessible_pages(live_server):
    supervisor = make_staff("sato", "supervisor")
    device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_context(locale="ja-JP").new_page()
        try:
            page.goto(f"{live_server.url}/staff/account/")
            expect(page).to_have_url(f"{live_server.url}/staff/login/?next=/staff/account/")
            expect(page.get_by_role("heading", level=1)).to_have_text("職員ログイン")
            expect(page.locator("html")).to_have_attribute("lang", "ja")
            page.screenshot(path=SCREENSHOTS / "staff_login.png", full_page=True)
            assert_accessible(page)

            page.get_by_label("ユーザー名").fill("sato")
            page.get_by_label("パスワード").fill("not the password")
            page.get_by_role("button", name="ログイン").click()
            expect(page.get_by_role("alert")).to_contain_text("ユーザー名またはパスワードが正しくありません。")
            assert_accessible(page)  # with the error summary

            page.get_by_label("ユーザー名").fill("sato")
            page.get_by_label("パスワード").fill(PASSWORD)
            page.get_by_role("button", name="ログイン").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("2段階認証")
            assert_accessible(page)

            page.get_by_label("確認コード").fill(f"{totp.token():06d}")
            page.get_by_role("button", name="確認する").click()
            expect(page).to_have_url(f"{live_server.url}/staff/account/")
            expect(page.get_by_role("heading", level=1)).to_have_text("アカウント")
            expect(page.locator(".facts")).to_contain_text("監督者")
            page.screenshot(path=SCREENSHOTS / "staff_account.png", full_page=True)
            assert_accessible(page)

            page.get_by_role("link", name="職員管理").first.click()
            expect(page.get_by_role("table")).to_contain_text("sato")
            assert_accessible(page)
        finally:
            browser.close()
