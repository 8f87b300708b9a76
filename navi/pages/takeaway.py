"""Take it with you: the checklist as a calendar (.ics), a QR code of its private link and a PDF.

Each is found by the checklist's token like the page itself: an unknown, malformed or expired
token gets the same friendly 404. Every response is personal data: ``Cache-Control: private, no-store``.
"""

from __future__ import annotations

import io
from datetime import timedelta

import segno
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from navi.models import Checklist
from navi.pages.checklist import DJANGO_LANG, _detail_context, _not_found, _private
from navi.selectors import checklist_by_token

UID_DOMAIN = "tetsuzuki-navi"
PDF_STYLESHEET = "navi/checklist_pdf.css"


def private_link(request: HttpRequest, checklist: Checklist) -> str:
    return request.build_absolute_uri(reverse("checklist_pages:detail", args=[checklist.token]))


def qr_svg(url: str) -> bytes:
    """The QR code of ``url`` as standalone SVG (medium error correction, 4-module quiet zone)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=4)
    return out.getvalue()


def where_text(procedure: dict) -> str:
    """Where to go for a procedure, in one line: the counter (and its place), the office, or online."""
    parts = []
    if procedure.get("counter"):
        place = procedure["counter"]
        if procedure.get("location"):
            place += f"（{procedure['location']}）"
        parts.append(place)
    elif procedure.get("office"):
        parts.append(procedure["office"])
    if procedure.get("online_url"):
        parts.append(_("オンライン：%(url)s") % {"url": procedure["online_url"]})
    return " / ".join(parts)


def _load(token: str) -> Checklist | None:
    return checklist_by_token(token)


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@require_GET
def calendar(request: HttpRequest, token: str) -> HttpResponse:
    """One all-day event per item with a deadline date, on that date."""
    from icalendar import Calendar, Event

    checklist = _load(token)
    if checklist is None:
        return _not_found(request)
    link = private_link(request, checklist)
    now = timezone.now()
    cal = Calendar()
    cal.add("prodid", "-//tetsuzuki-navi//checklist//JA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    with translation.override(DJANGO_LANG.get(checklist.language, "ja")):
        cal.add("x-wr-calname", _("手続きの期限"))
        for group in _detail_context(checklist)["groups"]:
            for item in group["items"]:
                if item["deadline"] is None:
                    continue
                content = item["content"]
                name = content["procedure"]["name"]
                lines = [_("期限") + "：" + (content.get("deadline_text") or item["deadline"].isoformat())]
                where = where_text(content["procedure"])
                if where:
                    lines.append(_("場所") + "：" + where)
                lines.append(_("チェックリスト") + "：" + link)
                event = Event()
                event.add("uid", f"{checklist.token}-{item['key']}@{UID_DOMAIN}")
                event.add("dtstamp", now)
                event.add("dtstart", item["deadline"])
                event.add("dtend", item["deadline"] + timedelta(days=1))
                event.add("summary", f"{name}（{item['member']}）" if item["member"] else name)
                event.add("description", "\n".join(lines))
                event.add("url", link)
                event.add("transp", "TRANSPARENT")
                cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    return _attachment(response, "checklist.ics")


@require_GET
def qr(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code of the private link, for the counter's scanner."""
    checklist = _load(token)
    if checklist is None:
        return _not_found(request)
    return _private(HttpResponse(qr_svg(private_link(request, checklist)), content_type="image/svg+xml"))


def data_only_fetcher():
    """weasyprint may read data: URIs (the QR code) and nothing else: no network, no files."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def render_pdf(request: HttpRequest, checklist: Checklist) -> bytes:
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML

    link = private_link(request, checklist)
    with translation.override(DJANGO_LANG.get(checklist.language, "ja")):
        context = {
            **_detail_context(checklist),
            "checklist": checklist,
            "html_lang": "en" if checklist.language == "en" else "ja",
            "link": link,
            "qr_data_uri": segno.make(link, error="m").svg_data_uri(scale=3, border=4),
        }
        html = render_to_string("navi/checklist/print.html", context, request=request)
    fetcher = data_only_fetcher()
    stylesheet = CSS(filename=finders.find(PDF_STYLESHEET), url_fetcher=fetcher)
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])


@require_GET
def pdf(request: HttpRequest, token: str) -> HttpResponse:
    checklist = _load(token)
    if checklist is None:
        return _not_found(request)
    response = HttpResponse(render_pdf(request, checklist), content_type="application/pdf")
    return _attachment(response, "checklist.pdf")
