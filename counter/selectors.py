"""Reads at the counter: the cases a staff member may see, a case's list by department, the queues.

A deployment serves one municipality (the catalogue in force names it): a case opened for
another municipality, or one whose personal details were purged, is not found at all.
"""

from __future__ import annotations

from collections import OrderedDict

import orjson
from django.db.models import QuerySet

from navi.services import checklist_build
from procedures.selectors import catalogue_version_in_force, compiled_catalogue
from staff.models import Staff

from .models import Case, CaseVisit

RELATION_LABELS = {
    "self": "本人",
    "spouse": "配偶者",
    "child": "子",
    "parent": "親",
    "deceased": "亡くなった方",
    "other": "その他の家族",
}
OUTSIDE = "市役所の外の窓口"


def current_municipality() -> str:
    return catalogue_version_in_force().municipality


def staff_department(user) -> str:
    return Staff.objects.filter(user=user).values_list("department", flat=True).first() or ""


def cases_visible() -> QuerySet[Case]:
    return Case.objects.filter(municipality=current_municipality(), purged_at__isnull=True)


def case_find(pk: int) -> Case | None:
    return cases_visible().select_related("checklist").filter(pk=pk).first()


def cases_recent(*, limit: int = 20) -> list[Case]:
    return list(cases_visible().order_by("-created_at", "-id")[:limit])


def member_label(case: Case, member_key: str | None) -> str:
    for n, member in enumerate(case.members, 1):
        if member["key"] == member_key:
            return f"{n}人目（{RELATION_LABELS.get(member['relation'], member['relation'])}）"
    return ""


def case_checklist(case: Case) -> dict:
    """The case's whole list (every department), built by the engine, grouped by department in
    visiting order; outside offices last."""
    built = checklist_build(
        life_events=case.life_events,
        event_date=case.event_date,
        answers=case.answers,
        members=case.members,
        language="ja",
    )
    summaries = {s["key"]: s for s in case.items}
    groups: OrderedDict[str, dict] = OrderedDict()
    rows = []
    for row in built.items:
        content = orjson.loads(row["content"])
        summary = summaries.get(row["key"], {})
        department = content["procedure"].get("department") or OUTSIDE
        rows.append((summary.get("visit_order") or 10_000, department, row, content))
    for visit_order, department, row, content in sorted(rows, key=lambda r: (r[0], r[1])):
        group = groups.setdefault(department, {"department": department, "visit_order": visit_order, "items": []})
        group["items"].append(
            {
                "key": row["key"],
                "name": content["procedure"]["name"],
                "counter": content["procedure"].get("counter") or content["procedure"].get("office"),
                "location": content["procedure"].get("location"),
                "member": member_label(case, row["member_key"]),
                "status": row["status"],
                "deadline": row["deadline"],
                "deadline_text": content.get("deadline_text"),
                "documents": content["documents"],
                "added": bool(case.checklist_id or case.resident_item_keys)
                and row["key"] not in case.resident_item_keys,
            }
        )
    return {"groups": list(groups.values()), "count": len(built.items), "documents": built.documents}


def questions_for_case(case_life_events: list[str]) -> list[dict]:
    catalogue = compiled_catalogue(catalogue_version_in_force())
    return list(catalogue.questions_for(case_life_events))


def routing_slip(case: Case) -> list[dict]:
    """The counters in visiting order, each with what it does for this case."""
    stops: OrderedDict[tuple, dict] = OrderedDict()
    for group in case_checklist(case)["groups"]:
        for item in group["items"]:
            key = (group["visit_order"], item["counter"] or group["department"])
            stop = stops.setdefault(
                key,
                {
                    "counter": item["counter"] or group["department"],
                    "department": group["department"],
                    "location": item["location"],
                    "items": [],
                },
            )
            stop["items"].append(item)
    visits = {v.department: v for v in case.visits.all()}
    out = []
    for _key, stop in sorted(stops.items(), key=lambda kv: kv[0]):
        stop["visit"] = visits.get(stop["department"])
        stop["outside"] = stop["department"] == OUTSIDE
        out.append(stop)
    for n, stop in enumerate(out, 1):
        stop["n"] = n
    return out


def departments() -> list[str]:
    """The municipality's departments with a counter, in visiting order."""
    catalogue = compiled_catalogue(catalogue_version_in_force())
    seen: OrderedDict[str, None] = OrderedDict()
    for counter in sorted(catalogue.counters.values(), key=lambda c: c["visit_order"]):
        seen[catalogue.text(counter["department"], "ja")] = None
    return list(seen)


def department_queue(department: str) -> dict:
    """What waits for a department (not yet called), whom it is serving now, and done today."""
    visits = CaseVisit.objects.filter(
        department=department, case__municipality=current_municipality(), case__purged_at__isnull=True
    ).select_related("case")
    waiting = list(visits.filter(called_at__isnull=True).order_by("arrived_at", "id"))
    serving = list(visits.filter(called_at__isnull=False, done_at__isnull=True).order_by("called_at", "id"))
    done = list(visits.filter(done_at__isnull=False).order_by("-done_at")[:20])
    for visit in [*waiting, *serving, *done]:
        names = {i["key"]: i for i in visit.case.items}
        visit.items = [
            {**names[k], "member": member_label(visit.case, names[k]["member_key"]), "handled": k in visit.handled_keys}
            for k in visit.item_keys
            if k in names
        ]
    return {"waiting": waiting, "serving": serving, "done": done}


def visit_find(pk: int) -> CaseVisit | None:
    return (
        CaseVisit.objects.filter(pk=pk, case__municipality=current_municipality(), case__purged_at__isnull=True)
        .select_related("case")
        .first()
    )
