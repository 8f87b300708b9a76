"""Roles × counter URLs, and the services' own checks: who may open a case, see personal details,
work a department's queue, read the dashboard. Expectations written out, not derived."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from counter import services
from counter.models import CaseVisit
from staff.permissions import ROLES
from tests.counter.counter_testing import DETAILS, PEOPLE, clerk, family_case, verified, with_personal
from tests.staff.staff_testing import make_role_user, make_staff, sign_in

pytestmark = pytest.mark.django_db

INTERVIEW = {"clerk", "supervisor"}
QUEUE = {"department", "supervisor"}  # the department role: its own department (市民課) only
SUPERVISOR = {"supervisor"}


def allowed(roles, ok=200):
    return {role: ok if role in roles else 403 for role in ROLES}


PAGES = [
    ("counter:intake", "get", allowed(INTERVIEW)),
    ("counter:case-new", "get", allowed(INTERVIEW)),
    ("counter:case-detail", "get", allowed(INTERVIEW)),
    ("counter:case-personal", "get", allowed(INTERVIEW)),
    ("counter:case-forms", "get", allowed(INTERVIEW)),
    ("counter:case-forms-pdf", "get", allowed(INTERVIEW)),
    ("counter:case-form-pdf", "get", allowed(INTERVIEW)),
    ("counter:case-slip", "get", allowed(INTERVIEW)),
    ("counter:case-slip-pdf", "get", allowed(INTERVIEW)),
    ("counter:queue", "get", allowed(QUEUE)),
    ("counter:visit-done", "post", allowed(QUEUE, 302)),
    ("counter:dashboard", "get", allowed(SUPERVISOR)),
    ("counter:dashboard-csv", "get", allowed(SUPERVISOR)),
]


def _counter_url_names():
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "counter":
                names.add(f"counter:{pattern.name}")

    walk(get_resolver().url_patterns, None)
    return names


def test_the_table_covers_every_counter_url():
    assert _counter_url_names() == {n for n, _m, _e in PAGES} | {"counter:home"}


def _url(name, case, visit):
    if name == "counter:queue":
        return reverse(name, args=["市民課"])
    if name == "counter:visit-done":
        return reverse(name, args=[visit.pk])
    if name == "counter:case-form-pdf":
        return reverse(name, args=[case.pk, "juminido"])
    if name.startswith("counter:case-") and name != "counter:case-new":
        return reverse(name, args=[case.pk])
    return reverse(name)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "expected"), PAGES, ids=[f"{m} {n}" for n, m, _e in PAGES])
def test_role_reaches_only_its_counter_pages(client, role, name, method, expected):
    case = with_personal(family_case())
    services.case_hand_off(actor=clerk(), case=case)
    visit = CaseVisit.objects.get(case=case, department="市民課")
    sign_in(client, make_role_user(role))
    response = getattr(client, method)(_url(name, case, visit))
    assert response.status_code == expected[role]


def test_a_department_sees_only_its_own_queue(client):
    case = family_case()
    services.case_hand_off(actor=clerk(), case=case)
    user = make_staff("kokuho.ito", "department", department="保険年金課")
    sign_in(client, user)
    own = client.get(reverse("counter:queue", args=["保険年金課"]))
    assert own.status_code == 200
    body = own.content.decode()
    assert case.number in body and "国民健康保険" in body
    assert "転入届" not in body  # 市民課's item, not this department's
    assert client.get(reverse("counter:queue", args=["市民課"])).status_code == 403
    other = CaseVisit.objects.get(case=case, department="市民課")
    assert client.post(reverse("counter:visit-done", args=[other.pk])).status_code == 403
    other.refresh_from_db()
    assert other.done_at is None
    assert client.get(reverse("counter:queue", args=["存在しない課"])).status_code == 404


def test_personal_details_are_not_shown_to_a_department(client):
    case = with_personal(family_case())
    services.case_hand_off(actor=clerk(), case=case)
    sign_in(client, make_staff("shimin.kato", "department", department="市民課"))
    body = client.get(reverse("counter:queue", args=["市民課"])).content.decode()
    assert case.number in body
    assert "山田" not in body and "霞が関" not in body


SERVICE_CALLS = {
    "case_create": (INTERVIEW, lambda actor, case: family_case(actor=actor)),
    "case_personal_save": (
        INTERVIEW,
        lambda actor, case: services.case_personal_save(actor=actor, case=case, people=PEOPLE, details=DETAILS),
    ),
    "case_hand_off": (INTERVIEW, lambda actor, case: services.case_hand_off(actor=actor, case=case)),
    "visit_call_next": (QUEUE, lambda actor, case: services.visit_call_next(actor=actor, department="市民課")),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", SERVICE_CALLS)
def test_counter_services_check_the_capability(role, service):
    roles, call = SERVICE_CALLS[service]
    case = family_case()
    actor = verified(make_role_user(role))
    if role in roles:
        call(actor, case)
    else:
        with pytest.raises(PermissionDenied):
            call(actor, case)
