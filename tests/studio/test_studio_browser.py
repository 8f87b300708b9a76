"""In Chromium: an editor changes a rule (a broken one first), sees the diff, the stories and the
preview; an approver approves and publishes with the keyboard only. axe on every studio page.

Everything the test needs from the database is made before the browser starts (Playwright's
sync API runs an event loop in this thread, where Django refuses queries); a real Celery worker
runs the preview in its own thread.
"""

import json
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from browser_testing import axe_results, launch_chromium
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect, sync_playwright
from staff_testing import PASSWORD, make_staff
from studio_testing import CODE, NEW_RULE

from config.celery import app
from navi.services import checklist_create
from procedures.selectors import today
from procedures.services import catalogue_load

SCREENSHOTS = Path(os.environ.get("STAFF_SCREENSHOTS", "/tmp"))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page):
    results = axe_results(page)
    assert results.violations_count == 0, results.generate_report()


def staff_with_totp(username, role):
    user = make_staff(username, role)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)


def log_in(page, base, username, totp):
    page.goto(f"{base}/studio/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_label("確認コード").fill(f"{totp.token():06d}")
    page.get_by_role("button", name="確認する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ルールスタジオ")


def press_tab_until(page, name: str, limit: int = 200):
    """Move the focus with Tab alone until the button or link named `name` has it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.textContent.trim()")
        if focused == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def shot(page, name):
    page.screenshot(path=SCREENSHOTS / f"studio_{name}.png", full_page=True)


def test_an_editor_changes_a_rule_and_an_approver_publishes_it_by_keyboard(live_server):
    catalogue_load(path=settings.CATALOGUE_DIR)  # an earlier transactional test flushed it
    editor_totp = staff_with_totp("suzuki", "catalogue_editor")
    approver_totp = staff_with_totp("tanaka", "catalogue_approver")
    for age in (66, 68, 75):
        checklist_create(
            life_events=["death"], event_date=date(2026, 6, 1), answers={},
            members=[{"relation": "deceased", "age": age, "insurance": "national"}, {"relation": "spouse", "age": 64}],
        )  # fmt: skip
    effective = (today() + timedelta(days=14)).isoformat()
    base = live_server.url

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30), sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}).new_page()
            log_in(page, base, "suzuki", editor_totp)
            assert_accessible(page)
            page.get_by_label("変更の名前").fill("介護保険の資格喪失: 70 歳から")
            page.get_by_role("button", name="施行中の版からドラフトを作る").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("介護保険の資格喪失: 70 歳から")
            assert_accessible(page)

            page.get_by_role("link", name="介護保険の資格喪失届と被保険者証の返却").click()
            expect(page.locator(".rule-words").first).to_contain_text("「年齢」が65以上の人がいる")
            assert_accessible(page)
            rule = page.get_by_label("対象となる条件（JsonLogic）")
            rule.fill(json.dumps({">=": [{"var": "deceased_age_at_death"}, 70]}))
            page.get_by_role("button", name="検査して保存する").click()
            expect(page.get_by_role("alert")).to_contain_text("入力内容を確認してください")
            error = page.locator(".field--error").filter(has=page.locator("#id_applies_if"))
            expect(error).to_contain_text("deceased_age_at_death")
            shot(page, "procedure_error")
            assert_accessible(page)

            page.get_by_label("対象となる条件（JsonLogic）").fill(json.dumps(NEW_RULE))
            page.get_by_role("button", name="検査して保存する").click()
            expect(page.locator(".messages")).to_contain_text("保存しました")

            page.get_by_role("link", name="施行中の版との違い").first.click()
            expect(page.locator(".diff")).to_contain_text("「年齢」が70以上の人がいる")
            expect(page.locator(".diff")).to_contain_text("「年齢」が65以上の人がいる")
            shot(page, "diff")
            assert_accessible(page)

            page.get_by_role("link", name="影響のプレビュー").click()
            page.get_by_role("button", name="プレビューを始める").click()
            expect(page.locator("[data-preview-state]")).to_have_text("完了", timeout=60_000)
            row = page.get_by_role("row").filter(has_text=CODE)
            expect(row).to_contain_text("2")  # the deceased of 66 and 68 lose the item
            expect(page.get_by_text("3 件のうち、2 件の内容が変わります")).to_be_visible()
            shot(page, "preview")
            assert_accessible(page)

            page.get_by_role("link", name="ストーリー").click()
            failing = page.locator(".story--fail").filter(has_text="death_on_the_31st_self_employed")
            expect(failing).to_be_visible()
            assert_accessible(page)
            failing.get_by_label("期待値を変える理由").fill("介護保険の資格喪失を 70 歳からに改正")
            failing.get_by_role("button", name="この結果を期待値にする").click()
            expect(page.locator(".messages")).to_contain_text("期待値をこのドラフトの結果にしました")
            expect(page.locator(".story--fail")).to_have_count(0)

            page.get_by_role("link", name="概要と操作").click()
            page.get_by_label("変更の理由").fill("介護保険法施行令の改正（資格喪失の年齢）")
            page.get_by_label("施行日:", exact=True).fill(effective)
            page.get_by_label("出来事の日に施行されていた版").check()
            page.get_by_role("button", name="承認を依頼する").click()
            expect(page.locator(".messages")).to_contain_text("承認を依頼しました")
            expect(page.get_by_text("自分が作成・編集したドラフトは承認できません")).to_be_visible()
            shot(page, "submitted")
            assert_accessible(page)

            page = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}).new_page()
            log_in(page, base, "tanaka", approver_totp)
            page.get_by_role("link", name="介護保険の資格喪失: 70 歳から").click()
            press_tab_until(page, "承認する")
            page.keyboard.press("Enter")
            expect(page.locator(".messages")).to_contain_text("承認しました")
            press_tab_until(page, f"公開する（{date.fromisoformat(effective):%Y年%-m月%-d日} 施行）")
            page.keyboard.press("Enter")
            expect(page.locator(".messages")).to_contain_text("公開しました")
            expect(page.locator(".tag--state")).to_have_text("公開済み")
            shot(page, "published")
            assert_accessible(page)

            page.get_by_role("link", name="履歴", exact=True).click()
            expect(page.get_by_role("table")).to_contain_text("studio.draft_publish")
            assert_accessible(page)
            page.goto(f"{base}/studio/versions/")
            expect(page.get_by_role("table")).to_contain_text("介護保険法施行令の改正")
            shot(page, "versions")
            assert_accessible(page)
        finally:
            browser.close()


def test_an_editor_takes_in_a_national_release_and_settles_its_conflict(live_server, tmp_path):
    import zipfile

    from studio_testing import national_release

    catalogue_load(path=settings.CATALOGUE_DIR)  # an earlier transactional test flushed it
    totp = staff_with_totp("suzuki", "catalogue_editor")
    release = tmp_path / "national.zip"
    with zipfile.ZipFile(release, "w") as archive:
        for rel, text in national_release(koseki_shomei_seikyu={"fee": {"yen": 500}}).items():
            archive.writestr(rel, text)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}).new_page()
            log_in(page, live_server.url, "suzuki", totp)
            page.get_by_label("国の更新のドラフトの名前").fill("国の版")
            page.get_by_label("国の層のファイル（zip）").set_input_files(str(broken))
            page.get_by_role("button", name="国の更新をドラフトにする").click()
            expect(page.get_by_role("alert")).to_contain_text("取り込めませんでした")
            expect(page.locator(".notice")).to_contain_text("is not a zip file")
            assert_accessible(page)

            page.get_by_label("国の更新のドラフトの名前").fill("国の版")
            page.get_by_label("国の層のファイル（zip）").set_input_files(str(release))
            page.get_by_role("button", name="国の更新をドラフトにする").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("国の更新")
            expect(page.get_by_role("row").filter(has_text="koseki_shomei_seikyu").first).to_contain_text("未決")
            shot(page, "national")
            assert_accessible(page)

            page.get_by_role("link", name="決める").first.click()
            page.get_by_label("値を書いて決める").check()
            page.get_by_label("値（JSON）").fill('{"yen": -1}')
            page.get_by_role("button", name="この内容で決める").click()
            expect(page.get_by_role("alert")).to_contain_text("municipalities/mirai/overrides.yaml")
            assert_accessible(page)
            page.get_by_label("国の新しい内容にする（市の上書き・残した項目をやめる）").check()
            page.get_by_role("button", name="この内容で決める").click()
            expect(page.locator(".messages")).to_contain_text("を決めました")
            expect(page.get_by_text("決定: 国の新しい内容")).to_be_visible()
            assert_accessible(page)
        finally:
            browser.close()
