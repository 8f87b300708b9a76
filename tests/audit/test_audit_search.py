"""Supervisors search the audit log by person and date, page through it and export CSV."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from audit_staff import log_in, make_staff
from django.conf import settings
from django.shortcuts import resolve_url
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")
SEARCH = "/staff/audit/"
EXPORT = "/staff/audit/export.csv"


def event(username, at, **fields):
    values = {"roles": "clerk", "action": "case.view", "target_type": "case", "target_id": "1", "ip": "192.0.2.1"}
    return AuditEvent.objects.create(username=username, at=at, **{**values, **fields})


@pytest.fixture
def april():
    """Three staff, around the first and last days of April in Japanese time."""
    return {
        "march": event("tanaka", datetime(2026, 3, 31, 23, 59, tzinfo=JST), target_id="100"),
        "first": event("tanaka", datetime(2026, 4, 1, 0, 30, tzinfo=JST), target_id="101"),
        "other": event("yamada", datetime(2026, 4, 10, 12, 0, tzinfo=JST), target_id="102"),
        "last": event("Tanaka", datetime(2026, 4, 30, 23, 59, tzinfo=JST), target_id="103"),
        "may": event("tanaka", datetime(2026, 5, 1, 0, 0, tzinfo=JST), target_id="104"),
    }


def target_ids(response):
    return [e.target_id for e in response.context["page"]]


def test_search_by_person_and_date_range_in_japanese_days(supervisor_client, april):
    response = supervisor_client.get(SEARCH, {"username": "tanaka", "date_from": "2026-04-01", "date_to": "2026-04-30"})
    assert response.status_code == 200
    assert target_ids(response) == ["103", "101"]  # newest first; username in any case; both days whole
    html = response.content.decode()
    assert "2 件中 1〜2 件目" in html
    assert 'href="/staff/audit/export.csv?username=tanaka&amp;date_from=2026-04-01&amp;date_to=2026-04-30"' in html


def test_no_filters_lists_everything_and_one_bound_alone_works(supervisor_client, april):
    assert target_ids(supervisor_client.get(SEARCH)) == ["104", "103", "102", "101", "100"]
    assert target_ids(supervisor_client.get(SEARCH, {"date_from": "2026-05-01"})) == ["104"]
    assert target_ids(supervisor_client.get(SEARCH, {"date_to": "2026-03-31"})) == ["100"]
    assert target_ids(supervisor_client.get(SEARCH, {"username": "nobody"})) == []


def test_results_are_paginated_and_page_links_keep_the_filters(supervisor_client):
    start = datetime(2026, 4, 1, 9, 0, tzinfo=JST)
    AuditEvent.objects.bulk_create(
        AuditEvent(username="tanaka", at=start.replace(minute=i), action="case.view", target_id=str(i))
        for i in range(51)
    )
    first = supervisor_client.get(SEARCH, {"username": "tanaka"})
    assert len(first.context["page"]) == 50
    assert 'href="?username=tanaka&amp;page=2" rel="next"' in first.content.decode()
    second = supervisor_client.get(SEARCH, {"username": "tanaka", "page": 2})
    assert target_ids(second) == ["0"]
    assert 'aria-current="page">2 / 2 ページ' in second.content.decode()


def test_an_impossible_range_is_explained_and_linked_to_the_field(supervisor_client, april):
    response = supervisor_client.get(SEARCH, {"date_from": "2026-04-30", "date_to": "2026-04-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary" role="alert"' in html
    assert '<a href="#id_date_to">終了日: 終了日は開始日と同じ日か' in html
    assert 'id="id_date_to_error"' in html
    date_to = next(line for line in html.splitlines() if 'name="date_to"' in line)
    assert 'aria-invalid="true"' in date_to
    assert 'aria-describedby="id_date_to_helptext id_date_to_error"' in date_to
    assert response.context["page"] is None
    assert supervisor_client.get(EXPORT, {"date_from": "2026-04-30", "date_to": "2026-04-01"}).status_code == 400


def test_page_is_accessible_markup_without_inline_script_or_style(supervisor_client, april):
    html = supervisor_client.get(SEARCH).content.decode()
    assert '<html lang="ja">' in html
    assert '<label for="id_username">' in html
    assert '<th scope="col">' in html
    assert "<caption" in html
    assert "<script" not in html and "<style" not in html and " style=" not in html and " on" + "click" not in html
    assert 'href="/static/audit/audit.css"' in html


def test_export_csv_same_filters_bom_headers_and_is_itself_audited(supervisor_client, supervisor, april):
    response = supervisor_client.get(EXPORT, {"username": "tanaka", "date_from": "2026-04-01"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == f'attachment; filename="audit-log-{today}.csv"'
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel in Japan opens it as UTF-8
    assert b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [
        f"日時（{settings.TIME_ZONE}）",
        "ユーザーID",
        "ユーザー名",
        "役割",
        "操作",
        "対象の種類",
        "対象のID",
        "IPアドレス",
        "詳細",
    ]
    assert [row[6] for row in rows[1:]] == ["104", "103", "101"]
    assert rows[1][:2] == ["2026-05-01 00:00:00", ""]
    assert rows[1][2:8] == ["tanaka", "clerk", "case.view", "case", "104", "192.0.2.1"]

    export = AuditEvent.objects.get(action="audit.export")
    assert (export.user_id, export.username, export.roles) == (supervisor.pk, "sato.supervisor", "supervisor")
    assert export.ip == "127.0.0.1"
    assert export.detail["rows"] == 3
    assert export.detail["filters"] == {"username": "tanaka", "date_from": "2026-04-01", "date_to": None}
    assert export.detail["filename"] == f"audit-log-{today}.csv"


def test_export_cells_never_start_a_spreadsheet_formula(supervisor_client):
    event('=HYPERLINK("http://evil")', timezone.now(), target_id="+1", detail={"note": "ok"}, roles="@x")
    body = b"".join(supervisor_client.get(EXPORT, {"username": '=HYPERLINK("http://evil")'}).streaming_content)
    row = next(r for r in csv.reader(io.StringIO(body.decode("utf-8-sig"))) if "case.view" in r)
    assert row[2] == '\'=HYPERLINK("http://evil")'
    assert row[3] == "'@x"
    assert row[6] == "'+1"
    assert row[8] == '{"note": "ok"}'


@pytest.mark.parametrize("url", [SEARCH, EXPORT])
def test_a_clerk_is_refused(clerk_client, url):
    assert clerk_client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="audit.export").exists()


@pytest.mark.parametrize("role", ["department", "catalogue_editor", "catalogue_approver"])
def test_every_other_role_is_refused_too(client, role):
    log_in(client, make_staff(f"someone.{role}", role))
    assert client.get(SEARCH).status_code == 403
    assert client.get(EXPORT).status_code == 403


@pytest.mark.parametrize("url", [SEARCH, EXPORT])
def test_anonymous_goes_to_the_staff_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(resolve_url(settings.LOGIN_URL) + "?next=")
    assert "/staff/audit/" in response.url


@pytest.fixture
def admin_client(client, admin_user):
    """A superuser past the admin's second factor (the admin is an OTPAdminSite)."""
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    client.force_login(admin_user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_the_admin_needs_the_second_factor(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/admin/audit/auditevent/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_the_admin_shows_the_log_read_only(admin_client, april):
    pk = april["first"].pk
    assert admin_client.get("/admin/audit/auditevent/").status_code == 200
    page = admin_client.get(f"/admin/audit/auditevent/{pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
    assert admin_client.get(f"/admin/audit/auditevent/{pk}/delete/").status_code == 403
    assert AuditEvent.objects.filter(pk=pk).exists()
