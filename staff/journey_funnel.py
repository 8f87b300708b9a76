"""Supervisors' view of the resident journey's funnel (/staff/journey/): drop-off per question, completion.

Over a range of Japan dates, as a table and as CSV; needs the capability journey.funnel. The
events and their counting live with the resident pages (navi.funnel); this is the staff's window.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from navi import funnel
from procedures.selectors import NoCatalogue, catalogue_version_in_force, compiled_catalogue
from staff.permissions import capability_required

DEFAULT_DAYS = 30
MAX_DAYS = 731
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class FunnelForm(forms.Form):
    date_from = forms.DateField(
        label=_("開始日"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("日本時間。この日を含みます。この期間に始まった回答を数えます。"),
    )
    date_to = forms.DateField(
        label=_("終了日"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("日本時間。この日を含みます。"),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", _("終了日は開始日と同じ日か、それより後の日にしてください。"))
            elif (end - start).days >= MAX_DAYS:
                self.add_error("date_to", _("期間は2年までにしてください。"))
        return data


def _form(request) -> FunnelForm:
    if "date_from" in request.GET or "date_to" in request.GET:
        return FunnelForm(request.GET)
    today = timezone.localdate()
    return FunnelForm({"date_from": today - timedelta(days=DEFAULT_DAYS - 1), "date_to": today})


def step_labels() -> dict[str, str]:
    """The steps in the order a resident meets them, named in Japanese from the catalogue in force."""
    labels = {funnel.START: "できごとと日付", funnel.HOUSEHOLD: "世帯の人"}
    try:
        catalogue = compiled_catalogue(catalogue_version_in_force())
    except NoCatalogue:
        catalogue = None
    if catalogue is not None:
        for q in catalogue.questions:
            labels.setdefault(q["key"], catalogue.text(q["text"], "ja") or q["key"])
    labels[funnel.CHECK] = "回答の確認"
    return labels


def _report(form: FunnelForm) -> funnel.FunnelReport:
    return funnel.funnel_report(
        date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"], labels=step_labels()
    )


@never_cache
@capability_required("journey.funnel")
@require_GET
def funnel_page(request):
    form = _form(request)
    report = _report(form) if form.is_valid() else None
    status = 200 if report is not None else 400
    return render(request, "staff/journey_funnel.html", {"form": form, "report": report}, status=status)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _cell(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@never_cache
@capability_required("journey.funnel")
@require_GET
def funnel_export(request):
    """The same table as CSV for Excel (UTF-8 with BOM, CRLF), then the totals."""
    form = _form(request)
    if not form.is_valid():
        return render(request, "staff/journey_funnel.html", {"form": form, "report": None}, status=400)
    report = _report(form)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["段階", "キー", "表示した回答者", "答えた回答者", "わからないとした回答者", "ここで離脱", "離脱率(%)"]
    )
    for row in report.steps:
        writer.writerow(
            [_cell(v) for v in (row.label, row.step, row.reached, row.answered, row.skipped, row.left)]
            + [_percent(row.drop_off)]
        )
    writer.writerow([])
    writer.writerow(["期間", f"{report.date_from:%Y-%m-%d}〜{report.date_to:%Y-%m-%d}"])
    writer.writerow(["はじめのページの表示", report.visits])
    writer.writerow(["始まった回答", report.started])
    writer.writerow(["作られたチェックリスト", report.created])
    writer.writerow(["完了率(%)", _percent(report.completion)])
    writer.writerow(["作り直されたチェックリスト", report.revised])
    writer.writerow(["済みにされた手続き", report.ticked])
    response = HttpResponse((BOM + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    filename = f"journey-funnel-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
