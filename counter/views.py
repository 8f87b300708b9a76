"""The window clerks' workspace: pages only; services write, selectors read, every case view audited."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_permissions_policy.decorators import permissions_policy_override

from audit.services import audit_from_request
from navi.services import InvalidCase
from staff.permissions import capability_required, has_capability

from . import interview, paperwork, selectors, services, stats
from .models import Case


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _case_or_404(pk: int) -> Case:
    case = selectors.case_find(pk)
    if case is None:
        raise Http404("no such case")
    return case


@capability_required("counter.use")
def home(request):
    context = {"departments": selectors.departments()}
    if has_capability(request.user, "counter.interview"):
        context["cases"] = selectors.cases_recent()
    context["own_department"] = selectors.staff_department(request.user)
    return _private(render(request, "counter/home.html", context))


def _interview_context(request, *, case: Case | None, layout: dict) -> dict:
    context = {"case": case, "form": layout, "can_personal": has_capability(request.user, "counter.personal")}
    if case is not None:
        context["checklist"] = selectors.case_checklist(case)
    return context


@capability_required("counter.interview")
@require_http_methods(["GET", "POST"])
def case_new(request):
    if request.method == "POST":
        posted = interview.parse(request.POST)
        errors = dict(posted.errors)
        if not errors:
            try:
                case = services.case_create(
                    actor=request.user,
                    life_events=posted.life_events,
                    event_date=posted.event_date,
                    answers=posted.answers,
                    members=posted.members,
                )
            except InvalidCase as exc:
                errors = interview.service_errors(exc.errors)
            else:
                audit_from_request(request, action="case.create", target_type="counter.case", target_id=case.pk)
                return redirect("counter:case-detail", pk=case.pk)
        layout = interview.layout(
            life_events=posted.life_events,
            event_date=posted.event_date,
            answers=posted.answers,
            members=posted.members,
            raw=posted.raw,
            errors=errors,
        )
        return _private(
            render(request, "counter/interview.html", _interview_context(request, case=None, layout=layout), status=400)
        )
    layout = interview.layout(life_events=[], event_date=None, answers={}, members=[{"relation": "self"}])
    return _private(render(request, "counter/interview.html", _interview_context(request, case=None, layout=layout)))


@capability_required("counter.interview")
@require_http_methods(["GET", "POST"])
def case_detail(request, pk: int):
    case = _case_or_404(pk)
    # The page's script posts changes in the background to preview them (nothing is saved):
    # "1" wants the list back, "page" the whole page (an answer changed which questions are asked).
    preview = request.headers.get("X-Counter-Live")
    if request.method == "POST" and preview in ("1", "page"):
        return _case_preview(request, case, list_only=preview == "1")
    status = 200
    layout = None
    if request.method == "POST":
        posted = interview.parse(request.POST)
        errors = dict(posted.errors)
        if not errors:
            try:
                services.case_update(
                    actor=request.user,
                    case=case,
                    life_events=posted.life_events,
                    event_date=posted.event_date,
                    answers=posted.answers,
                    members=posted.members,
                )
            except InvalidCase as exc:
                errors = interview.service_errors(exc.errors)
        audit_from_request(
            request, action="case.update", target_type="counter.case", target_id=case.pk, detail={"ok": not errors}
        )
        if not errors:
            anchor = "#members" if "add" in request.POST or "remove" in request.POST else ""
            return redirect(reverse("counter:case-detail", args=[case.pk]) + anchor)
        status = 400
        layout = interview.layout(
            life_events=posted.life_events,
            event_date=posted.event_date,
            answers=posted.answers,
            members=posted.members,
            raw=posted.raw,
            errors=errors,
        )
    else:
        audit_from_request(request, action="case.view", target_type="counter.case", target_id=case.pk)
        layout = interview.layout(
            life_events=case.life_events, event_date=case.event_date, answers=case.answers, members=case.members
        )
    context = _interview_context(request, case=case, layout=layout)
    return _private(render(request, "counter/interview.html", context, status=status))


def _case_preview(request, case: Case, *, list_only: bool):
    posted = interview.parse(request.POST)
    errors = dict(posted.errors)
    shown = case
    if not errors:
        try:
            shown = services.case_preview(
                actor=request.user,
                case=case,
                life_events=posted.life_events,
                event_date=posted.event_date,
                answers=posted.answers,
                members=posted.members,
            )
        except InvalidCase as exc:
            errors = interview.service_errors(exc.errors)
    if errors:
        layout = interview.layout(
            life_events=posted.life_events,
            event_date=posted.event_date,
            answers=posted.answers,
            members=posted.members,
            raw=posted.raw,
            errors=errors,
        )
    else:
        layout = interview.layout(
            life_events=shown.life_events, event_date=shown.event_date, answers=shown.answers, members=shown.members
        )
    context = {**_interview_context(request, case=shown, layout=layout), "preview": shown is not case}
    template = "counter/_checklist.html" if list_only else "counter/interview.html"
    return _private(render(request, template, context))


# --- personal details (書かない: entered once) -------------------------------------------------


def _personal_layout(case: Case, people: dict, details: dict, errors: dict) -> dict:
    members = []
    for n, member in enumerate(case.members, 1):
        person = people.get(member["key"], {})
        prefix = f"p-{member['key']}"
        members.append(
            {
                "n": n,
                "key": member["key"],
                "label": selectors.member_label(case, member["key"]),
                "prefix": prefix,
                "values": {name: person.get(name, "") for name in services.PERSON_FIELDS},
                "errors": {name: errors.get(f"people.{member['key']}.{name}", []) for name in services.PERSON_FIELDS},
                "relationship_default": selectors.RELATION_LABELS.get(member["relation"], ""),
            }
        )
    error_list = []
    for key, texts in errors.items():
        parts = key.split(".")
        anchor = f"id_p-{parts[1]}-{parts[2]}" if parts[0] == "people" and len(parts) == 3 else f"id_{key}"
        error_list.extend({"anchor": anchor, "message": m} for m in texts)
    return {
        "members": members,
        "details": details,
        "errors": {k: v for k, v in errors.items() if not k.startswith("people.")},
        "error_list": error_list,
        "sexes": services.SEXES,
    }


def _personal_initial(case: Case) -> tuple[dict, dict]:
    personal = getattr(case, "personal", None)
    if personal is None:
        details = {
            "moved_in_on": case.answers.get("moved_in_on", ""),
            "moved_out_on": case.answers.get("moved_out_on", ""),
        }
        return {}, details
    details = {name: getattr(personal, name) or "" for name in services.CASE_FIELDS}
    for name in ("moved_in_on", "moved_out_on"):
        details[name] = details[name].isoformat() if details[name] else ""
    return personal.people, details


@capability_required("counter.personal")
@require_http_methods(["GET", "POST"])
def case_personal(request, pk: int):
    case = _case_or_404(pk)
    if request.method == "POST":
        people = {
            m["key"]: {name: request.POST.get(f"p-{m['key']}-{name}", "") for name in services.PERSON_FIELDS}
            for m in case.members
        }
        details = {name: request.POST.get(name, "") for name in services.CASE_FIELDS}
        try:
            services.case_personal_save(actor=request.user, case=case, people=people, details=details)
        except InvalidCase as exc:
            audit_from_request(
                request,
                action="case.personal.view",
                target_type="counter.case",
                target_id=case.pk,
                detail={"ok": False},
            )
            layout = _personal_layout(case, people, details, exc.errors)
            return _private(render(request, "counter/personal.html", {"case": case, "form": layout}, status=400))
        audit_from_request(request, action="case.personal.update", target_type="counter.case", target_id=case.pk)
        return redirect("counter:case-forms", pk=case.pk)
    audit_from_request(request, action="case.personal.view", target_type="counter.case", target_id=case.pk)
    people, details = _personal_initial(case)
    layout = _personal_layout(case, people, details, {})
    return _private(render(request, "counter/personal.html", {"case": case, "form": layout}))


# --- forms for signature ------------------------------------------------------------------------


@capability_required("counter.personal")
def case_forms(request, pk: int):
    case = _case_or_404(pk)
    audit_from_request(request, action="case.forms.view", target_type="counter.case", target_id=case.pk)
    papers = paperwork.papers_for(case)
    context = {
        "case": case,
        "can_personal": True,
        "papers": papers,
        "filled": sum(p.filled for p in papers),
        "typed": paperwork.typed_by_clerk(case),
        "has_personal": hasattr(case, "personal"),
    }
    return _private(render(request, "counter/forms.html", context))


@capability_required("counter.personal")
def case_forms_pdf(request, pk: int, code: str | None = None):
    case = _case_or_404(pk)
    papers = paperwork.papers_for(case)
    if code is not None:
        papers = [p for p in papers if p.code == code]
        if not papers:
            raise Http404("this case needs no such form")
    audit_from_request(
        request,
        action="case.forms.print",
        target_type="counter.case",
        target_id=case.pk,
        detail={"forms": [p.code for p in papers]},
    )
    response = HttpResponse(paperwork.render_pdf(case, papers), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="case-{case.number}-{code or "forms"}.pdf"'
    return _private(response)


# --- routing slip (回付票) ---------------------------------------------------------------------


@capability_required("counter.interview")
@require_http_methods(["GET", "POST"])
def case_slip(request, pk: int):
    case = _case_or_404(pk)
    if request.method == "POST":
        services.case_hand_off(actor=request.user, case=case)
        audit_from_request(request, action="case.hand_off", target_type="counter.case", target_id=case.pk)
        return redirect("counter:case-slip", pk=case.pk)
    audit_from_request(request, action="case.view", target_type="counter.case", target_id=case.pk)
    context = {
        "case": case,
        "stops": selectors.routing_slip(case),
        "can_personal": has_capability(request.user, "counter.personal"),
    }
    return _private(render(request, "counter/slip.html", context))


@capability_required("counter.interview")
def case_slip_pdf(request, pk: int):
    case = _case_or_404(pk)
    audit_from_request(request, action="case.slip.print", target_type="counter.case", target_id=case.pk)
    response = HttpResponse(
        paperwork.render_slip_pdf(case, selectors.routing_slip(case)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="case-{case.number}-slip.pdf"'
    return _private(response)


# --- QR intake --------------------------------------------------------------------------------

# The camera is allowed on this page alone (everywhere else Permissions-Policy says camera=()).
CAMERA_ALLOWED = permissions_policy_override({**settings.PERMISSIONS_POLICY, "camera": ["self"]})


@CAMERA_ALLOWED
@capability_required("counter.interview")
@require_http_methods(["GET", "POST"])
def intake(request):
    error = None
    scanned = ""
    if request.method == "POST":
        scanned = request.POST.get("link", "")
        try:
            case = services.case_from_checklist(actor=request.user, scanned=scanned)
        except services.UnknownLink:
            error = "このリンク（QR コード）のチェックリストは見つかりません。期限切れか、読み取りの誤りです。もう一度読み取るか、聞き取りで受付してください。"
        except InvalidCase:
            error = "このチェックリストの回答は今のカタログに合いません。聞き取りで受付してください。"
        else:
            audit_from_request(
                request, action="case.create", target_type="counter.case", target_id=case.pk, detail={"from": "qr"}
            )
            return redirect("counter:case-detail", pk=case.pk)
    context = {"error": error, "scanned": scanned}
    return _private(render(request, "counter/intake.html", context, status=400 if error else 200))


# --- department queues ------------------------------------------------------------------------


def _department_or_403(request, department: str) -> None:
    if department not in selectors.departments():
        raise Http404("no such department")
    if not has_capability(request.user, "counter.dashboard") and selectors.staff_department(request.user) != department:
        raise PermissionDenied("another department's queue")


@capability_required("counter.queue")
@require_http_methods(["GET", "POST"])
def queue(request, department: str):
    _department_or_403(request, department)
    if request.method == "POST":
        visit = services.visit_call_next(actor=request.user, department=department)
        if visit is None:
            messages.info(request, "お待ちの方はいません。")
        else:
            audit_from_request(request, action="case.call", target_type="counter.case", target_id=visit.case_id)
            messages.success(request, f"受付 {visit.case.number} の方をお呼びしました。")
        return redirect("counter:queue", department=department)
    context = {"department": department, **selectors.department_queue(department)}
    return _private(render(request, "counter/queue.html", context))


@capability_required("counter.queue")
@require_POST
def visit_done(request, pk: int):
    visit = selectors.visit_find(pk)
    if visit is None:
        raise Http404("no such visit")
    _department_or_403(request, visit.department)
    services.visit_done(actor=request.user, visit=visit, handled_keys=request.POST.getlist("handled"))
    audit_from_request(
        request,
        action="case.department_done",
        target_type="counter.case",
        target_id=visit.case_id,
        detail={"department": visit.department, "handled": visit.handled_keys},
    )
    messages.success(request, f"受付 {visit.case.number} の{visit.department}の手続を完了にしました。")
    return redirect("counter:queue", department=visit.department)


# --- supervisor dashboard ---------------------------------------------------------------------


@capability_required("counter.dashboard")
def dashboard(request):
    period = stats.period_from(request.GET)
    data = stats.dashboard(**period)
    return _private(render(request, "counter/dashboard.html", {**data, **period}))


@capability_required("counter.dashboard")
def dashboard_csv(request):
    period = stats.period_from(request.GET)
    response = HttpResponse(stats.dashboard_csv(**period), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="counter-stats.csv"'
    return _private(response)
