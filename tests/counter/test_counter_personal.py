"""書かない details: entered once, never a My Number, shown only where needed and audited, purged."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from counter.models import Case, CasePersonal
from counter.privacy import looks_like_my_number
from counter.tasks import purge_expired_cases
from tests.counter.counter_testing import DETAILS, PEOPLE, clerk, family_case, with_personal
from tests.staff.staff_testing import sign_in

pytestmark = pytest.mark.django_db


def _form(people=PEOPLE, details=DETAILS):
    data = {k: v for k, v in details.items()}
    for key, person in people.items():
        data.update({f"p-{key}-{name}": value for name, value in person.items()})
    return data


def test_details_are_entered_once_and_every_view_is_audited(client):
    sign_in(client, clerk())
    case = family_case()
    url = reverse("counter:case-personal", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    assert 'value="2026-09-08"' in page.content.decode()  # the move-in date heard in the interview
    response = client.post(url, _form())
    assert response.status_code == 302
    assert response["Location"] == reverse("counter:case-forms", args=[case.pk])
    personal = CasePersonal.objects.get(case=case)
    assert personal.people["m2"]["name"] == "山田 花子"
    assert personal.new_address == DETAILS["new_address"]
    assert personal.moved_in_on.isoformat() == "2026-09-08"
    assert "山田 花子" in client.get(url).content.decode()
    actions = list(AuditEvent.objects.filter(target_id=str(case.pk)).values_list("action", flat=True))
    assert actions.count("case.personal.view") == 2
    assert "case.personal.update" in actions
    event = AuditEvent.objects.filter(action="case.personal.view").first()
    assert event.username == "clerk.suzuki" and event.target_type == "counter.case"


@pytest.mark.parametrize(
    "text",
    ["123456789012", "1234 5678 9012", "1234-5678-9012", "１２３４５６７８９０１２", "番号は123456789012です"],
)
def test_my_number_like_text_is_recognised(text):
    assert looks_like_my_number(text)


@pytest.mark.parametrize("text", ["090-1234-5678", "03-1234-5678", "中央町2-3-4", "1234567890123", ""])
def test_ordinary_numbers_are_not_my_numbers(text):
    assert not looks_like_my_number(text)


def test_a_my_number_is_refused_and_nothing_is_saved(client):
    sign_in(client, clerk())
    case = with_personal(family_case())
    url = reverse("counter:case-personal", args=[case.pk])
    people = {**PEOPLE, "m1": {**PEOPLE["m1"], "name": "山田 太郎 1234 5678 9012"}}
    response = client.post(url, _form(people=people, details={**DETAILS, "phone": "123456789012"}))
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count("個人番号（マイナンバー）のような 12 桁の数字は入力できません") >= 2
    assert 'href="#id_p-m1-name"' in body and 'href="#id_phone"' in body
    personal = CasePersonal.objects.get(case=case)
    assert personal.people["m1"]["name"] == "山田 太郎"
    assert personal.phone == DETAILS["phone"]
    assert not any(f.name in ("my_number", "kojin_bangou", "individual_number") for f in CasePersonal._meta.fields)


def test_a_bad_birth_date_is_a_400(client):
    sign_in(client, clerk())
    case = family_case()
    people = {**PEOPLE, "m3": {**PEOPLE["m3"], "birth_date": "2020-02-30"}}
    response = client.post(reverse("counter:case-personal", args=[case.pk]), _form(people=people))
    assert response.status_code == 400
    assert not CasePersonal.objects.filter(case=case).exists()


def test_purge_deletes_personal_details_after_the_retention_period(client, settings):
    settings.COUNTER_RETENTION_DAYS = 30
    old = with_personal(family_case())
    fresh = with_personal(family_case())
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    call_command("purge_counter_cases")
    old.refresh_from_db()
    assert old.purged_at is not None
    assert not CasePersonal.objects.filter(case=old).exists()
    assert CasePersonal.objects.filter(case=fresh).exists()
    assert old.items  # the facts stay for the statistics
    sign_in(client, clerk())
    assert client.get(reverse("counter:case-detail", args=[old.pk])).status_code == 404
    assert client.get(reverse("counter:case-detail", args=[fresh.pk])).status_code == 200
    Case.objects.filter(pk=fresh.pk).update(created_at=timezone.now() - timedelta(days=40))
    assert purge_expired_cases.apply().get() == 1  # the periodic task's body, run again: idempotent
    assert purge_expired_cases.apply().get() == 0
    assert not CasePersonal.objects.exists()


def test_the_purge_runs_periodically(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["purge-counter-cases"]
    assert entry["task"] == purge_expired_cases.name == "counter.purge_expired_cases"
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_removing_a_member_removes_their_details():
    from counter.services import case_update

    case = with_personal(family_case())
    case_update(
        actor=clerk(),
        case=case,
        life_events=case.life_events,
        event_date=case.event_date,
        answers=case.answers,
        members=case.members[:2],
    )
    assert set(CasePersonal.objects.get(case=case).people) == {"m1", "m2"}
