"""The counter in a real browser (Debian's Chromium, Playwright): a move-in interview for a family
with the forms printed, a typed QR link, the camera decoding a QR code from a fake video capture,
a keyboard-only interview, and axe (WCAG 2.2 AA) on every counter page.

Everything the database needs is made before the browser starts: Playwright's sync API runs an
event loop in this thread, where Django refuses queries. Transactional tests flush the database
afterwards, catalogue included, so each test loads it again.
"""

import io
import os
import re
from datetime import date
from pathlib import Path

import pytest
import segno
from browser_testing import CHROMIUM, CHROMIUM_ARGS, assert_no_axe_violations, launch_chromium
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from pypdf import PdfReader

from counter import services
from navi.services import checklist_create
from procedures.services import catalogue_load
from tests.counter.counter_testing import FAMILY, MOVE_IN, verified, with_personal
from tests.staff.staff_testing import PASSWORD, make_staff

SCREENSHOTS = Path(os.environ.get("STAFF_SCREENSHOTS", "/tmp"))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page, name):
    assert_no_axe_violations(page, name)


def log_in(page, base, username, totp=None):
    page.goto(f"{base}/counter/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    if totp is not None:
        page.get_by_label("確認コード").fill(f"{totp.token():06d}")
        page.get_by_role("button", name="確認する").click()
    expect(page).to_have_url(f"{base}/counter/")
    expect(page.get_by_role("heading", level=1)).to_have_text("窓口")


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).replace("\n", "")


def test_a_clerk_completes_a_move_in_interview_for_a_family_and_prints_the_forms(live_server):
    catalogue_load(path=settings.CATALOGUE_DIR)
    clerk = make_staff("suzuki", "clerk")
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)  # enrolled: must use it
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        try:
            log_in(page, base, "suzuki", totp)
            assert_accessible(page, "home")
            page.get_by_role("link", name="新しい受付を始める").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("新しい受付（聞き取り）")
            assert_accessible(page, "new case")
            page.get_by_role("checkbox", name="引越し（転入・転出・転居）").check()
            page.get_by_role("button", name="保存して一覧を更新").first.click()
            expect(page.get_by_role("alert")).to_contain_text("日付を入力してください")
            assert_accessible(page, "new case with an error")
            page.get_by_label("出来事の日（引越し・出生・死亡の日）").fill("2026-09-08")
            page.get_by_role("button", name="保存して一覧を更新").first.click()
            expect(page).to_have_url(re.compile(r"/counter/cases/\d+/$"))
            expect(page.locator("#checklist")).to_contain_text("転入届")

            expect(page.locator("#id_a-moved_out_on")).to_have_count(1)  # not known yet which way the move goes
            page.locator("#id_a-move_type").focus()
            page.locator("#id_a-move_type").select_option("in_from_other")
            # live: the answer changes which questions are asked, without a submit; focus stays put
            expect(page.locator("#id_a-moved_out_on")).to_have_count(0)
            expect(page.locator("#id_a-move_type")).to_be_focused()
            expect(page.locator("#id_a-move_type")).to_have_value("in_from_other")
            page.locator("#id_a-moved_in_on").fill("2026-09-08")
            page.locator("#id_a-wants_seal_registration").check()
            page.locator("#id_m0-age").fill("38")
            page.locator("#id_m0-insurance").select_option("national")
            page.get_by_role("button", name="配偶者", exact=True).click()
            expect(page.locator("#member-1")).to_be_visible()
            page.locator("#id_m1-age").fill("36")
            page.locator("#id_m1-insurance").select_option("national")
            page.get_by_role("button", name="子", exact=True).click()
            page.locator("#id_m2-age").fill("6")
            page.locator("#id_m2-insurance").select_option("national")
            page.get_by_role("button", name="保存して一覧を更新").first.click()
            expect(page.locator("#checklist")).to_contain_text("国民健康保険の加入")
            expect(page.locator("#checklist")).to_contain_text("印鑑登録")
            expect(page.locator("#checklist")).to_contain_text("3人目（子）")
            page.screenshot(path=SCREENSHOTS / "counter_interview.png", full_page=True)
            assert_accessible(page, "interview")

            # live update: a change shows in the list without a submit
            page.locator("#id_a-has_dog").check()
            expect(page.locator("#checklist")).to_contain_text("犬")

            page.get_by_role("link", name="氏名・住所など").click()
            assert_accessible(page, "personal")
            page.get_by_label("旧住所（前の住所）").fill("東京都千代田区霞が関1-1-1")
            page.get_by_label("新住所（これからの住所）").fill("みらい市中央町2-3-4")
            page.get_by_label("電話番号").fill("1234 5678 9012")
            page.get_by_role("button", name="保存して申請書へ").click()
            expect(page.get_by_role("alert")).to_contain_text(
                "個人番号（マイナンバー）のような 12 桁の数字は入力できません"
            )
            assert_accessible(page, "personal with an error")
            page.get_by_label("電話番号").fill("090-1234-5678")
            people = [
                ("山田 太郎", "やまだ たろう", "1988-05-01", "男"),
                ("山田 花子", "やまだ はなこ", "1990-07-15", "女"),
                ("山田 一郎", "やまだ いちろう", "2020-03-03", "男"),
            ]
            for key, (name, kana, born, sex) in zip(["m1", "m2", "m3"], people, strict=True):
                page.locator(f"#id_p-{key}-name").fill(name)
                page.locator(f"#id_p-{key}-kana").fill(kana)
                page.locator(f"#id_p-{key}-birth_date").fill(born)
                page.locator(f"#id_p-{key}-sex").select_option(sex)
            page.get_by_role("button", name="保存して申請書へ").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("申請書の印刷")
            page.screenshot(path=SCREENSHOTS / "counter_forms.png", full_page=True)
            assert_accessible(page, "forms")
            filled = int(page.locator("#filled-count").inner_text())
            typed = int(page.locator("#typed-count").inner_text())
            assert typed == 3 * 5 + 4 and filled > typed
            href = page.get_by_role("link", name=re.compile("すべての申請書を印刷")).get_attribute("href")
            pdf = context.request.get(f"{base}{href}")
            assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
            text = pdf_text(pdf.body())
            for expected in ("住民異動届", "国民健康保険 資格取得届", "児童手当 認定請求書", "印鑑登録申請書"):
                assert expected in text
            for expected in ("山田 太郎", "山田 花子", "山田 一郎", "みらい市中央町2-3-4", "霞が関1-1-1", "2026-09-08"):
                assert expected in text

            page.get_by_role("link", name="回付票").click()
            assert_accessible(page, "slip")
            page.get_by_role("button", name="各課へ回付する").click()
            expect(page.locator(".stops")).to_contain_text("お待ちください")
            page.screenshot(path=SCREENSHOTS / "counter_slip.png", full_page=True)
        finally:
            browser.close()


def _family_checklist():
    return checklist_create(
        life_events=["moving"], event_date=date(2026, 9, 8), answers=dict(MOVE_IN), members=[dict(m) for m in FAMILY]
    )


def test_a_typed_qr_link_prefills_the_answers(live_server):
    catalogue_load(path=settings.CATALOGUE_DIR)
    make_staff("tanaka", "clerk")
    checklist = _family_checklist()
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_context(locale="ja-JP").new_page()
        try:
            log_in(page, base, "tanaka")
            expect(page.locator("#id_link")).to_be_focused()  # the scanner types into the focused field
            page.get_by_role("link", name=re.compile("QR コード受付の画面へ")).click()
            page.screenshot(path=SCREENSHOTS / "counter_intake.png", full_page=True)
            assert_accessible(page, "intake")
            expect(page.locator("#id_link")).to_be_focused()
            page.keyboard.type(f"{base}/c/{checklist.token}/")
            page.keyboard.press("Enter")  # scanners end with Enter
            expect(page).to_have_url(re.compile(r"/counter/cases/\d+/$"))
            expect(page.locator(".notice")).to_contain_text("住民の方のチェックリスト")
            expect(page.locator("#id_a-move_type")).to_have_value("in_from_other")
            expect(page.locator("#id_a-moved_in_on")).to_have_value("2026-09-08")
            expect(page.locator("#id_m2-age")).to_have_value("6")
            expect(page.locator("#checklist")).to_contain_text("転入届")
            assert_accessible(page, "case from QR")

            page.goto(f"{base}/counter/intake/")
            page.keyboard.type("not a link")
            page.keyboard.press("Enter")
            expect(page.get_by_role("alert")).to_contain_text("見つかりません")
            assert_accessible(page, "intake error")
        finally:
            browser.close()


def _y4m(path: Path, image: Image.Image, frames: int = 10) -> None:
    """A short grey-scale Y4M (4:2:0) of one picture, for Chromium's fake video capture."""
    width, height = image.size
    luma = image.convert("L").tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)


def test_the_camera_decodes_a_qr_code_from_a_fake_video_capture(live_server, tmp_path):
    catalogue_load(path=settings.CATALOGUE_DIR)
    make_staff("kobayashi", "clerk")
    checklist = _family_checklist()
    base = live_server.url
    qr = io.BytesIO()
    segno.make(f"{base}/c/{checklist.token}/", error="m").save(qr, kind="png", scale=8, border=4)
    code = Image.open(qr).convert("L")
    frame = Image.new("L", (640, 480), 255)
    frame.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    video = tmp_path / "qr.y4m"
    _y4m(video, frame)
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_context(locale="ja-JP").new_page()
        try:
            log_in(page, base, "kobayashi")
            response = page.goto(f"{base}/counter/intake/")
            assert "camera=(self)" in response.headers["permissions-policy"]
            page.get_by_role("button", name="カメラを起動する").click()
            expect(page).to_have_url(re.compile(r"/counter/cases/\d+/$"), timeout=20_000)
            expect(page.locator("#id_a-move_type")).to_have_value("in_from_other")
            expect(page.locator("#checklist")).to_contain_text("転入届")
        finally:
            browser.close()


def test_a_keyboard_only_interview(live_server):
    catalogue_load(path=settings.CATALOGUE_DIR)
    make_staff("watanabe", "clerk")
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_context(locale="ja-JP").new_page()
        try:
            log_in(page, base, "watanabe")
            page.goto(f"{base}/counter/cases/new")

            def tab_to(selector, limit=80):
                for _ in range(limit):
                    page.keyboard.press("Tab")
                    if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                        return
                raise AssertionError(f"Tab never reached {selector}")

            tab_to('input[name="life_events"][value="moving"]')
            page.keyboard.press("Space")
            tab_to("#id_event_date")
            page.keyboard.type("20260908")  # dates are typed in one go, digits only
            page.keyboard.press("Enter")  # Enter saves (the first button in the form is 保存)
            expect(page).to_have_url(re.compile(r"/counter/cases/\d+/$"))
            expect(page.locator("#id_event_date")).to_have_value("2026-09-08")

            tab_to("#id_a-move_type")
            page.keyboard.press("ArrowDown")  # the first choice after 未確認
            tab_to("#id_m0-age")
            page.keyboard.type("40")
            tab_to('button[name="add"][value="child"]')
            page.keyboard.press("Enter")
            expect(page).to_have_url(re.compile(r"#members$"))
            tab_to("#id_m1-age")
            assert page.evaluate("document.activeElement.matches(':focus-visible')")
            assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # focus shows
            page.keyboard.type("3")
            page.keyboard.press("Enter")
            expect(page.locator("#id_m1-age")).to_have_value("3")
            expect(page.locator("#id_a-move_type")).not_to_have_value("")
            expect(page.locator("#checklist")).to_contain_text("2人目（子）")
        finally:
            browser.close()


def test_axe_on_the_department_queue_and_the_dashboard(live_server):
    catalogue_load(path=settings.CATALOGUE_DIR)
    clerk = verified(make_staff("yoshida", "clerk"))
    supervisor = make_staff("sato", "supervisor")
    device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    make_staff("ito", "department", department="保険年金課")
    for _ in range(2):
        case = services.case_create(
            actor=clerk,
            life_events=["moving"],
            event_date=date(2026, 9, 8),
            answers=dict(MOVE_IN),
            members=[dict(m) for m in FAMILY],
        )
        with_personal(case, actor=clerk)
        services.case_hand_off(actor=clerk, case=case)
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(locale="ja-JP").new_page()
            log_in(page, base, "ito")
            assert_accessible(page, "department home")
            page.get_by_role("link", name="保険年金課の待ち一覧").click()
            assert_accessible(page, "queue")
            page.get_by_role("button", name="次の方を呼ぶ").click()
            expect(page.get_by_role("status")).to_contain_text("お呼びしました")
            page.screenshot(path=SCREENSHOTS / "counter_queue.png", full_page=True)
            assert_accessible(page, "queue serving")
            page.get_by_role("button", name=re.compile("の手続を完了にする")).click()
            expect(page.get_by_role("status")).to_contain_text("完了にしました")
            assert_accessible(page, "queue done")

            page = browser.new_context(locale="ja-JP").new_page()
            log_in(page, base, "sato", totp)
            page.get_by_role("link", name=re.compile("受付と待ち時間の集計")).click()
            expect(page.locator("#case-total")).to_have_text("2")
            page.screenshot(path=SCREENSHOTS / "counter_dashboard.png", full_page=True)
            assert_accessible(page, "dashboard")
        finally:
            browser.close()
