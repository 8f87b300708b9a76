"""QR intake (ワンスオンリー), the camera's Permissions-Policy, department queues and the dashboard."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from counter import services, stats
from counter.models import Case, CaseVisit
from navi.services import checklist_create
from tests.counter.counter_testing import FAMILY, MOVE_IN, clerk, family_case
from tests.staff.staff_testing import make_role_user, make_staff, sign_in

pytestmark = pytest.mark.django_db


def resident_checklist():
    return checklist_create(
        life_events=["moving"], event_date=date(2026, 9, 8), answers=dict(MOVE_IN), members=[dict(m) for m in FAMILY]
    )


@pytest.mark.parametrize("form", ["link", "token", "path"])
def test_a_scanned_link_opens_a_case_with_the_residents_answers(client, form):
    checklist = resident_checklist()
    scanned = {
        "link": f"http://testserver/c/{checklist.token}/",
        "token": checklist.token,
        "path": f"/c/{checklist.token}/\n",
    }[form]
    sign_in(client, clerk())
    response = client.post(reverse("counter:intake"), {"link": scanned})
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("counter:case-detail", args=[case.pk])
    assert case.checklist.token == checklist.token  # linked, not copied
    assert case.answers == MOVE_IN
    assert [m["relation"] for m in case.members] == ["self", "spouse", "child"]
    assert set(case.resident_item_keys) == {i["key"] for i in case.items}
    page = client.get(response["Location"]).content.decode()
    assert "住民の方のチェックリスト（QR コード）から回答を読み込みました" in page
    assert 'value="in_from_other" selected' in page


def test_an_unknown_link_is_a_400_with_a_message(client):
    sign_in(client, clerk())
    for text in ["", "https://example.com/", "http://testserver/c/" + "A" * 43 + "/"]:
        response = client.post(reverse("counter:intake"), {"link": text})
        assert response.status_code == 400
        assert "チェックリストは見つかりません" in response.content.decode()
    assert not Case.objects.exists()


def test_the_interview_adds_to_what_the_resident_had(client):
    checklist = resident_checklist()
    sign_in(client, clerk())
    client.post(reverse("counter:intake"), {"link": checklist.token})
    case = Case.objects.get()
    services.case_update(
        actor=clerk(),
        case=case,
        life_events=["moving"],
        event_date=case.event_date,
        answers=case.answers,
        members=[*case.members, {"relation": "child", "age": 2, "insurance": "national"}],
    )
    page = client.get(reverse("counter:case-detail", args=[case.pk])).content.decode()
    assert "窓口で追加" in page


def _camera(response) -> str:
    policy = dict(p.split("=", 1) for p in response["Permissions-Policy"].split(", "))
    return policy["camera"]


def test_the_camera_is_allowed_on_the_intake_page_only(client):
    sign_in(client, clerk())
    case = family_case()
    assert _camera(client.get(reverse("counter:intake"))) == "(self)"
    assert _camera(client.post(reverse("counter:intake"), {"link": "x"})) == "(self)"
    for url in [reverse("counter:home"), reverse("counter:case-detail", args=[case.pk]), "/", "/staff/login/"]:
        response = client.get(url)
        assert _camera(response) == "()", url
        assert response["Permissions-Policy"].count("microphone=()") == 1


def test_a_department_calls_the_next_and_marks_its_items(client):
    first, second = family_case(), family_case()
    services.case_hand_off(actor=clerk(), case=first)
    services.case_hand_off(actor=clerk(), case=second)
    sign_in(client, make_staff("kokuho.ito", "department", department="保険年金課"))
    url = reverse("counter:queue", args=["保険年金課"])
    client.post(url)
    visit = CaseVisit.objects.get(case=first, department="保険年金課")
    assert visit.called_at is not None and visit.done_at is None
    assert CaseVisit.objects.get(case=second, department="保険年金課").called_at is None
    page = client.get(url).content.decode()
    assert f"受付 {first.number} の手続を完了にする" in page
    keep = visit.item_keys[:1]
    response = client.post(reverse("counter:visit-done", args=[visit.pk]), {"handled": [*keep, "not.an.item"]})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.handled_keys == keep and visit.done_at >= visit.called_at >= visit.arrived_at
    assert CaseVisit.objects.get(case=first, department="市民課").done_at is None  # the other department's part
    client.post(url)
    client.post(url)  # nobody left: no error
    assert CaseVisit.objects.filter(department="保険年金課", called_at__isnull=True).count() == 0


def test_dashboard_figures_and_csv(client):
    now = timezone.now()
    cases = [family_case() for _ in range(4)]
    for minutes, case in zip([2, 4, 6, 40], cases, strict=True):
        services.case_hand_off(actor=clerk(), case=case)
        CaseVisit.objects.filter(case=case, department="保険年金課").update(
            arrived_at=now - timedelta(minutes=60),
            called_at=now - timedelta(minutes=60 - minutes),
            done_at=now - timedelta(minutes=60 - minutes - 10),
        )
    death = services.case_create(
        actor=clerk(),
        life_events=["death"],
        event_date=date(2026, 1, 1),
        answers={},
        members=[{"relation": "deceased"}],
    )
    Case.objects.filter(pk=death.pk).update(purged_at=now)  # purged cases still count
    data = stats.dashboard(start=timezone.localdate() - timedelta(days=1), end=timezone.localdate())
    assert data["case_total"] == 5
    today = data["days"][-1]
    assert today["total"] == 5 and today["events"][data["event_codes"].index("moving")] == 4
    kokuho = next(d for d in data["departments"] if d["department"] == "保険年金課")
    assert kokuho["visits"] == 4
    assert kokuho["wait_median"] == 4.0 and kokuho["wait_p90"] == 40.0
    assert kokuho["handle_median"] == 10.0
    top = {p["code"]: p["cases"] for p in data["procedures"]}
    assert top["tennyu_todoke"] == 4
    counts = [p["cases"] for p in data["procedures"]]
    assert counts == sorted(counts, reverse=True) and len(counts) == 15
    sign_in(client, make_role_user("supervisor"))
    page = client.get(reverse("counter:dashboard"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="case-total">5<' in body and "<svg" in body and "保険年金課" in body
    response = client.get(reverse("counter:dashboard-csv"), {"from": "2000-01-01", "to": "bad"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["課別時間", "保険年金課", "4", "4.0", "40.0", "10.0", "10.0"] in rows
    assert any(r[:2] == ["手続", "tennyu_todoke"] and r[3] == "4" for r in rows)


def test_percentile_is_nearest_rank():
    assert stats.percentile([], 50) is None
    assert stats.percentile([5], 90) == 5
    assert stats.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert stats.percentile([3, 1, 2], 50) == 2
