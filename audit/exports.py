"""The audit log as CSV for Excel: UTF-8 with a byte order mark (so Excel in Japan reads it as
UTF-8, not Shift_JIS), CRLF line ends, and no cell that a spreadsheet would run as a formula."""

import csv
from collections.abc import Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.selectors import audit_event_stream

BOM = "\ufeff"
ROWS_PER_CHUNK = 500
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def audit_csv_filename() -> str:
    return f"audit-log-{timezone.localdate():%Y%m%d}.csv"


def audit_csv(events: QuerySet[AuditEvent]) -> Iterator[bytes]:
    """The header, then the rows in chunks, as bytes for a streaming response."""
    line = _Line()
    writer = csv.writer(line)
    header = [
        _("日時（%(zone)s）") % {"zone": settings.TIME_ZONE},
        _("ユーザーID"),
        _("ユーザー名"),
        _("役割"),
        _("操作"),
        _("対象の種類"),
        _("対象のID"),
        _("IPアドレス"),
        _("詳細"),
    ]
    yield (BOM + writer.writerow(header)).encode("utf-8")
    chunk = []
    for event in audit_event_stream(events):
        chunk.append(writer.writerow([_cell(value) for value in _row(event)]))
        if len(chunk) == ROWS_PER_CHUNK:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


def _row(event: AuditEvent) -> list:
    return [
        timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
        event.user_id or "",
        event.username,
        event.roles,
        event.action,
        event.target_type,
        event.target_id,
        event.ip or "",
        event.detail_text,
    ]


def _cell(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """csv.writer's file: hands back each written row instead of keeping it."""

    def write(self, value: str) -> str:
        return value
