"""The city's figures (EBPM): cases per day and life event, waiting and handling time per
department (median, p90), the procedures most often on a case; as tables, SVG bars and CSV.

Purged cases count too: only their personal details are gone.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from procedures.selectors import catalogue_version_in_force, compiled_catalogue

from .models import Case, CaseVisit
from .selectors import current_municipality

DEFAULT_DAYS = 30
MAX_DAYS = 366


def period_from(params) -> dict:
    """from / to (YYYY-MM-DD) from the query; the last 30 days by default; bad input → default."""
    today = timezone.localdate()

    def parse(name):
        try:
            return date.fromisoformat(params.get(name, ""))
        except ValueError:
            return None

    end = parse("to") or today
    start = parse("from") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end or (end - start).days >= MAX_DAYS:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    return {"start": start, "end": end}


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0–100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _bounds(start: date, end: date):
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def dashboard(*, start: date, end: date) -> dict:
    low, high = _bounds(start, end)
    municipality = current_municipality()
    catalogue = compiled_catalogue(catalogue_version_in_force())
    event_names = {code: catalogue.text(e["name"], "ja") for code, e in catalogue.life_events.items()}
    cases = list(
        Case.objects.filter(municipality=municipality, created_at__gte=low, created_at__lt=high).values(
            "created_at", "life_events", "items", "checklist_id", "resident_item_keys"
        )
    )
    per_day: dict[date, Counter] = defaultdict(Counter)
    procedures: Counter = Counter()
    added: Counter = Counter()
    names: dict[str, str] = {}
    for case in cases:
        day = timezone.localtime(case["created_at"]).date()
        for event in case["life_events"]:
            per_day[day][event] += 1
        per_day[day]["_cases"] += 1
        resident = set(case["resident_item_keys"])
        seen = set()
        for item in case["items"]:
            code = item["procedure_code"]
            names[code] = item["name"]
            if code in seen:
                continue
            seen.add(code)
            procedures[code] += 1
            if resident and item["key"] not in resident:
                added[code] += 1
    days = []
    day = start
    while day <= end:
        counts = per_day.get(day, Counter())
        days.append({"date": day, "total": counts["_cases"], "events": [counts[e] for e in event_names]})
        day += timedelta(days=1)
    visits = CaseVisit.objects.filter(case__municipality=municipality, arrived_at__gte=low, arrived_at__lt=high)
    waits: dict[str, list[float]] = defaultdict(list)
    handles: dict[str, list[float]] = defaultdict(list)
    counted: Counter = Counter()
    for v in visits.values("department", "arrived_at", "called_at", "done_at"):
        counted[v["department"]] += 1
        if v["called_at"]:
            waits[v["department"]].append(_minutes(v["called_at"] - v["arrived_at"]))
            if v["done_at"]:
                handles[v["department"]].append(_minutes(v["done_at"] - v["called_at"]))
    departments = []
    for department in sorted(counted):
        departments.append(
            {
                "department": department,
                "visits": counted[department],
                "wait_median": percentile(waits[department], 50),
                "wait_p90": percentile(waits[department], 90),
                "handle_median": percentile(handles[department], 50),
                "handle_p90": percentile(handles[department], 90),
            }
        )
    top = [
        {"code": code, "name": names[code], "cases": n, "added": added[code]}
        for code, n in sorted(procedures.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    ]
    return {
        "event_names": list(event_names.values()),
        "event_codes": list(event_names),
        "days": days,
        "case_total": len(cases),
        "departments": departments,
        "procedures": top,
        "day_chart": _day_chart(days),
        "time_chart": _time_chart(departments),
    }


def _day_chart(days: list[dict]) -> dict:
    """Bars for cases per day, laid out here so the template only draws rectangles."""
    width, height, left, bottom = 720, 200, 40, 30
    peak = max([d["total"] for d in days] + [1])
    step = (width - left) / max(len(days), 1)
    bars = []
    for i, d in enumerate(days):
        h = (height - bottom - 10) * d["total"] / peak
        bars.append(
            {
                "x": round(left + i * step + step * 0.15, 1),
                "y": round(height - bottom - h, 1),
                "w": round(step * 0.7, 1),
                "h": round(h, 1),
                "label": d["date"].strftime("%m/%d"),
                "show_label": len(days) <= 10 or i % max(1, len(days) // 8) == 0,
                "total": d["total"],
                "text_x": round(left + i * step + step / 2, 1),
            }
        )
    return {"width": width, "height": height, "bars": bars, "peak": peak, "base": height - bottom, "left": left}


def _time_chart(departments: list[dict]) -> dict:
    """Horizontal bars: median and p90 of waiting minutes per department."""
    row, left, width = 44, 170, 720
    peak = max([d["wait_p90"] or 0 for d in departments] + [1])
    scale = (width - left - 90) / peak
    rows = []
    for i, d in enumerate(departments):
        y = 10 + i * row
        rows.append(
            {
                "department": d["department"],
                "y": y,
                "text_y": y + 14,
                "median_w": round((d["wait_median"] or 0) * scale, 1),
                "p90_w": round((d["wait_p90"] or 0) * scale, 1),
                "p90_y": y + 20,
                "median": d["wait_median"],
                "p90": d["wait_p90"],
                "median_text_x": round(left + (d["wait_median"] or 0) * scale + 6, 1),
                "p90_text_x": round(left + (d["wait_p90"] or 0) * scale + 6, 1),
                "median_text_y": y + 13,
                "p90_text_y": y + 31,
            }
        )
    return {"width": width, "height": 20 + row * max(len(rows), 1), "rows": rows, "left": left}


def dashboard_csv(*, start: date, end: date) -> str:
    data = dashboard(start=start, end=end)
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 Japanese text correctly with a BOM
    writer = csv.writer(out)
    writer.writerow(["表", "日付", *data["event_names"], "受付件数"])
    for d in data["days"]:
        writer.writerow(["日別受付", d["date"].isoformat(), *d["events"], d["total"]])
    writer.writerow([])
    writer.writerow(
        [
            "表",
            "課",
            "件数",
            "待ち時間 中央値（分）",
            "待ち時間 p90（分）",
            "対応時間 中央値（分）",
            "対応時間 p90（分）",
        ]
    )
    for d in data["departments"]:
        writer.writerow(
            [
                "課別時間",
                d["department"],
                d["visits"],
                d["wait_median"],
                d["wait_p90"],
                d["handle_median"],
                d["handle_p90"],
            ]
        )
    writer.writerow([])
    writer.writerow(["表", "手続コード", "手続", "受付件数", "窓口で追加"])
    for p in data["procedures"]:
        writer.writerow(["手続", p["code"], p["name"], p["cases"], p["added"]])
    return out.getvalue()
