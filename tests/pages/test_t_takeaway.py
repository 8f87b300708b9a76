"""Take it with you: the .ics calendar, the QR code of the private link, the PDF, the print stylesheet."""

import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import segno
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from icalendar import Calendar
from pypdf import PdfReader
from test_c_checklist_page import death, family, items

from navi.models import Checklist

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "calendar": ("text/calendar; charset=utf-8", 'attachment; filename="checklist.ics"'),
    "qr": ("image/svg+xml", None),
    "pdf": ("application/pdf", 'attachment; filename="checklist.pdf"'),
}


def link(name, token):
    return reverse(f"checklist_pages:{name}", args=[token])


def page_url(token):
    return "http://testserver" + reverse("checklist_pages:detail", args=[token])


def dated_items(token):
    return [i for i in items(token) if i.deadline is not None]


# --- every endpoint ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENDPOINTS)
def test_each_endpoint_answers_a_live_token_privately_with_its_type(client, name):
    token = family().token
    r = client.get(link(name, token))
    assert r.status_code == 200
    content_type, disposition = ENDPOINTS[name]
    assert r["Content-Type"] == content_type
    assert r.get("Content-Disposition") == disposition
    assert r["Cache-Control"] == "private, no-store"


def _expired():
    token = family().token
    Checklist.objects.filter(token=token).update(expires_at=timezone.now() - timedelta(seconds=1))
    return token


@pytest.mark.parametrize("name", ENDPOINTS)
@pytest.mark.parametrize("kind", ["unknown", "malformed", "expired"])
def test_unknown_malformed_and_expired_tokens_get_the_friendly_404(client, name, kind):
    token = {"unknown": "A" * 43, "malformed": "not-a-token!", "expired": None}[kind] or _expired()
    r = client.get(link(name, token))
    assert r.status_code == 404
    assert "ページが見つかりません" in r.content.decode()
    assert r["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("name", ENDPOINTS)
def test_only_get(client, name):
    assert client.post(link(name, family().token)).status_code == 405


# --- calendar ------------------------------------------------------------------------------------


def test_the_ics_has_one_all_day_event_per_dated_item_with_stable_uids(client):
    view = family()
    expected = {i.key: i.deadline for i in dated_items(view.token)}
    assert expected and len(expected) < len(items(view.token))
    first = client.get(link("calendar", view.token)).content
    cal = Calendar.from_ical(first)
    events = cal.walk("VEVENT")
    assert len(events) == len(expected)
    by_uid = {str(e["UID"]): e for e in events}
    assert set(by_uid) == {f"{view.token}-{key}@tetsuzuki-navi" for key in expected}
    names = {i.key: json.loads(i.content)["procedure"]["name"] for i in items(view.token)}
    for key, deadline in expected.items():
        event = by_uid[f"{view.token}-{key}@tetsuzuki-navi"]
        start = event.decoded("DTSTART")
        assert type(start) is date and start == deadline  # all-day, on the deadline
        assert event.decoded("DTEND") == deadline + timedelta(days=1)
        assert "DTSTAMP" in event
        assert str(event["SUMMARY"]).startswith(names[key])
        description = str(event["DESCRIPTION"])
        assert "期限：" in description and "場所：" in description
        assert page_url(view.token) in description
    # UIDs stay the same on a second download, so calendars update instead of duplicating
    again = Calendar.from_ical(client.get(link("calendar", view.token)).content)
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(by_uid)


def test_the_ics_says_the_deadline_rule_and_where_to_go(client):
    view = family()
    cal = Calendar.from_ical(client.get(link("calendar", view.token)).content)
    tennyu = next(e for e in cal.walk("VEVENT") if "-tennyu_todoke@" in str(e["UID"]))
    item = next(i for i in items(view.token) if i.key == "tennyu_todoke")
    content = json.loads(item.content)
    description = str(tennyu["DESCRIPTION"])
    assert content["deadline_text"] in description
    assert content["procedure"]["counter"] in description


def test_an_english_checklist_gets_an_english_calendar(client):
    view = family(language="en")
    cal = Calendar.from_ical(client.get(link("calendar", view.token)).content)
    events = cal.walk("VEVENT")
    assert events
    item = next(i for i in items(view.token) if i.key == "tennyu_todoke")
    summary = next(str(e["SUMMARY"]) for e in events if "-tennyu_todoke@" in str(e["UID"]))
    assert summary == json.loads(item.content)["procedure"]["name"]
    assert not re.search(r"[\u3040-\u30ff]", summary)


# --- QR ------------------------------------------------------------------------------------------


def test_the_qr_code_is_the_svg_of_the_private_link(client):
    token = family().token
    r = client.get(link("qr", token))
    assert r.content.lstrip().startswith(b"<?xml") and b"<svg" in r.content
    out = io.BytesIO()
    segno.make(page_url(token), error="m").save(out, kind="svg", scale=4, border=4)
    assert r.content == out.getvalue()


# --- PDF -----------------------------------------------------------------------------------------


def test_the_pdf_lists_every_item_with_its_deadline_and_documents(client):
    view = family()
    r = client.get(link("pdf", view.token))
    assert r.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) >= 1
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4
    assert reader.pages[0].mediabox.height == pytest.approx(841.89, abs=1)
    pdf_text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    checklist = Checklist.objects.get(token=view.token)
    for item in checklist.item_list:
        content = json.loads(item.content)
        assert re.sub(r"\s+", "", content["procedure"]["name"]) in pdf_text
        for doc in content["documents"]:
            assert re.sub(r"\s+", "", doc["name"]) in pdf_text
    assert "期限" in pdf_text and "持ち物のまとめ" in pdf_text


def test_the_pdf_of_check_items_says_to_ask_at_the_counter(client):
    r = client.get(link("pdf", death().token))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "窓口で確認してください" in re.sub(r"\s+", "", text)


def test_the_pdf_fetches_nothing_but_data_uris():
    from navi.pages.takeaway import data_only_fetcher

    fetcher = data_only_fetcher()
    for url in ("file:///etc/passwd", "http://example.com/x.png", "https://example.com/x.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"


# --- the page ------------------------------------------------------------------------------------


def test_the_page_links_the_pdf_the_calendar_and_the_qr_without_javascript(client):
    token = family().token
    html = client.get(reverse("checklist_pages:detail", args=[token])).content.decode()
    section = html.split('id="takeaway-heading"')[1]
    assert "持ち帰る / Take it with you" in section
    for name in ENDPOINTS:
        assert f'href="{link(name, token)}"' in section
    img = re.search(r'<img src="' + re.escape(link("qr", token)) + r'"[^>]*>', section)
    assert img and re.search(r'alt="[^"]+"', img.group(0))
    assert "<script" not in html


def test_the_print_rules_hide_the_controls(client):
    """The page's one stylesheet carries the print rules (@media print): no second file to fetch."""
    html = client.get(reverse("checklist_pages:detail", args=[family().token])).content.decode()
    link_tag = re.search(r'<link rel="stylesheet" href="([^"]*navi/navi\.css)">', html)
    assert link_tag
    from django.contrib.staticfiles import finders

    css = Path(finders.find("navi/navi.css")).read_text(encoding="utf-8")
    print_rules = css.split("@media print {", 1)[1]
    for selector in (".site-header", "form", ".item-why", ".delete"):
        assert selector in print_rules.split("display: none")[0]
    assert ".print-only { display: block; }" in print_rules


def test_the_reasons_print_without_opening_details(client):
    view = family()
    html = client.get(reverse("checklist_pages:detail", args=[view.token])).content.decode()
    copies = re.findall(r'<div class="print-only item-why-print">(.*?)</div>', html)
    required = [json.loads(i.content) for i in items(view.token) if i.status == "required"]
    with_reasons = [c for c in required if c["reasons"]]
    assert with_reasons and len(copies) == len(with_reasons)
    printed = "".join(copies)  # the page orders items by where to go, not by position
    for content in with_reasons:
        for reason in content["reasons"]:
            assert escape(reason["text"]) in printed
