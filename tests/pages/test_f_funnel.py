"""The journey funnel: what is recorded (and what never is), the supervisors' report, the purge."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from pages.test_q_journey import CHECK, HOUSEHOLD, START, answer, begin, q, walk

from navi import funnel
from navi.models import Checklist, JourneyEvent
from navi.tasks import purge_expired_checklists
from procedures.selectors import catalogue_version_in_force, compiled_catalogue

pytestmark = pytest.mark.django_db

ANSWERS = {"move_type": "in_from_other", "moved_in_on": "2026-09-08", "insurance": "national"}
REPORT = "/staff/journey/"


def sign_in(client, role):
    """A staff session of one role, past the second factor."""
    user = User.objects.create_user(username=f"{role}.user", password="correct horse battery staple")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def events():
    return list(JourneyEvent.objects.order_by("id").values_list("kind", "step", "journey"))


def journey_to_checklist(client):
    """As a browser goes: each page shown (GET), then its form posted."""
    client.get(START)
    r = client.post(START, {"life_events": ["moving"], "event_date": "2026-09-08"})
    client.get(r["Location"])
    client.post(HOUSEHOLD, {"action": "add", "relation": "self", "age": "47"})
    client.get(HOUSEHOLD)
    url = client.post(HOUSEHOLD, {"action": "continue"})["Location"]
    while url != CHECK:
        client.get(url)
        key = url.strip("/").split("/")[1]
        url = answer(client, url, ANSWERS.get(key), skip=key not in ANSWERS)["Location"]
    client.get(CHECK)
    return client.post(CHECK)["Location"].split("/")[2]


# --- recording -----------------------------------------------------------------------------------


def test_a_journey_records_its_steps_under_one_random_id(client):
    token = journey_to_checklist(client)
    recorded = events()
    journey_ids = {j for _k, _s, j in recorded if j}
    assert len(journey_ids) == 1
    (jid,) = journey_ids
    assert re.fullmatch(r"[0-9a-f]{16}", jid)
    kinds = [(k, s) for k, s, _j in recorded]
    assert kinds[0] == ("page", "start") and recorded[0][2] is None  # no journey before the start form
    assert ("answer", "start") in kinds and ("page", "household") in kinds and ("answer", "household") in kinds
    for key in ("move_type", "moved_in_on", "insurance"):
        assert ("page", key) in kinds and ("answer", key) in kinds
    assert ("skip", "wants_seal_registration") in kinds  # not named in ANSWERS: left for the counter
    assert kinds[-2:] == [("page", "check"), ("created", "")]
    assert all(j == jid for _k, _s, j in recorded[1:])
    # the id went with the answers: the session keeps nothing of the journey, and a new one has a new id
    assert "navi_journey" not in client.session
    client.post(START, {"life_events": ["birth"], "event_date": "2026-04-20"})
    assert client.session["navi_journey"]["id"] != jid
    assert Checklist.objects.filter(token=token).exists()


def test_no_content_is_stored_with_the_events(client):
    token = journey_to_checklist(client)
    client.post(f"/c/{token}/items/tennyu_todoke/", {"done": "1"}, REMOTE_ADDR="203.0.113.9")
    session_key = client.session.session_key
    assert {f.name for f in JourneyEvent._meta.get_fields()} == {"id", "day", "kind", "step", "journey"}
    questions = {q["key"] for q in compiled_catalogue(catalogue_version_in_force()).questions}
    long_secrets = [token, session_key, "127.0.0.1", "203.0.113.9"]
    answers = {"in_from_other", "2026-09-08", "national", "47", 47, "self", "moving", "tennyu_todoke"}
    for _id, day, kind, step, jid in JourneyEvent.objects.values_list("id", "day", "kind", "step", "journey"):
        assert isinstance(day, date)
        assert step in questions | {"start", "household", "check", ""}, step
        assert jid is None or re.fullmatch(r"[0-9a-f]{16}", jid), jid
        for value in (kind, step, jid):
            assert value not in answers, value
            assert not any(secret in str(value) for secret in long_secrets), value
    kinds = {k for k, _s, _j in events()}
    assert kinds == {"page", "answer", "skip", "created", "ticked"}
    assert (
        JourneyEvent.objects.get(kind="ticked").step == "" and JourneyEvent.objects.get(kind="ticked").journey is None
    )
    # only dates are kept, never a time of day
    assert set(JourneyEvent.objects.values_list("day", flat=True)) == {timezone.localdate()}
    assert JourneyEvent._meta.get_field("day").get_internal_type() == "DateField"


def test_an_untick_and_a_page_shown_again_with_an_error_are_not_counted_twice(client):
    begin(client)
    before = len(events())
    client.post(q("move_type"), {"action": "answer", "answer": "to_the_moon"})
    assert len(events()) == before
    client.get(q("move_type"))
    assert events()[-1][:2] == ("page", "move_type")


def test_revising_records_one_revised_event_and_no_journey_steps(client):
    token = journey_to_checklist(client)
    before = len(events())
    client.post(f"/c/{token}/revise/")
    client.get(CHECK)
    answer(client, q("move_type"), "within", suffix="?return=check")
    client.get(START)
    client.post(CHECK, {"action": "save"})
    assert events()[before:] == [("revised", "", None)]
    client.post(f"/c/{token}/items/tenkyo_todoke/", {"done": "0"})
    assert len(events()) == before + 1


def test_the_day_is_the_date_in_japan(monkeypatch):
    # 2026-04-30 15:30 UTC is 2026-05-01 00:30 in Japan
    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2026, 4, 30, 15, 30, tzinfo=UTC))
    funnel.funnel_record(kind="page", step="start")
    assert JourneyEvent.objects.get().day == date(2026, 5, 1)


def test_a_failing_insert_never_fails_the_residents_request(client, monkeypatch, caplog):
    monkeypatch.setattr(funnel, "_INSERT", "INSERT INTO no_such_table VALUES (%s, %s, %s, %s)")
    assert client.get(START).status_code == 200
    begin(client)
    assert client.get(q("move_type")).status_code == 200
    walk(client, q("move_type"), ANSWERS)
    r = client.post(CHECK)
    assert r.status_code == 302 and Checklist.objects.count() == 1  # the request's own writes went through
    assert JourneyEvent.objects.count() == 0
    assert "journey event not recorded" in caplog.text


def test_events_are_purged_after_the_retention_period():
    today = timezone.localdate()
    keep = today - timedelta(days=settings.CHECKLIST_RETENTION_DAYS)
    JourneyEvent.objects.create(day=keep - timedelta(days=1), kind="page", step="start")
    JourneyEvent.objects.create(day=keep, kind="page", step="start")
    JourneyEvent.objects.create(day=today, kind="ticked")
    purge_expired_checklists()
    assert sorted(JourneyEvent.objects.values_list("day", flat=True)) == [keep, today]


# --- the report ----------------------------------------------------------------------------------

D = date(2026, 5, 11)


def journey(jid, pages, *, day=D, answered=(), skipped=(), created=False):
    JourneyEvent.objects.create(day=day, kind="page", step="start")
    JourneyEvent.objects.create(day=day, kind="answer", step="start", journey=jid)
    for step in pages:
        JourneyEvent.objects.create(day=day, kind="page", step=step, journey=jid)
        if step in answered:
            JourneyEvent.objects.create(day=day, kind="answer", step=step, journey=jid)
        if step in skipped:
            JourneyEvent.objects.create(day=day, kind="skip", step=step, journey=jid)
    if created:
        JourneyEvent.objects.create(day=day + timedelta(days=1), kind="created", journey=jid)


@pytest.fixture
def known_events():
    steps = ["household", "move_type", "moved_in_on", "check"]
    journey("a" * 16, steps, answered=steps[:-1], created=True)  # made its checklist the next day
    journey("b" * 16, steps, answered={"household", "move_type"}, skipped={"moved_in_on"}, created=True)
    journey("c" * 16, ["household", "move_type"], answered={"household"})  # left at move_type
    # went back from moved_in_on to move_type and left there: its last page counts
    journey("d" * 16, ["household", "move_type", "moved_in_on", "move_type"], answered={"household", "move_type"})
    journey("e" * 16, steps, answered={"household", "move_type", "moved_in_on"})  # left at check
    journey("f" * 16, steps, day=D - timedelta(days=1), answered=steps[:-1], created=True)  # before the range
    JourneyEvent.objects.create(day=D, kind="ticked")
    JourneyEvent.objects.create(day=D, kind="ticked")
    JourneyEvent.objects.create(day=D + timedelta(days=1), kind="revised")
    JourneyEvent.objects.create(day=D + timedelta(days=5), kind="ticked")  # after the range


def test_report_numbers_from_known_events(known_events):
    report = funnel.funnel_report(
        date_from=D, date_to=D + timedelta(days=1), labels={"start": "S", "household": "H", "move_type": "M"}
    )
    assert (report.started, report.created, report.abandoned) == (5, 2, 3)
    assert report.completion == pytest.approx(0.4) and report.completion_text == "40.0 %"
    assert (report.visits, report.revised, report.ticked) == (5, 1, 2)
    rows = {r.step: r for r in report.steps}
    assert [r.step for r in report.steps] == ["start", "household", "move_type", "check", "moved_in_on"]
    assert rows["move_type"].label == "M" and rows["moved_in_on"].label == "moved_in_on"
    assert (rows["start"].reached, rows["start"].answered, rows["start"].left) == (5, 5, 0)
    assert (rows["household"].reached, rows["household"].answered, rows["household"].left) == (5, 5, 0)
    assert (rows["move_type"].reached, rows["move_type"].answered, rows["move_type"].left) == (5, 4, 2)
    assert rows["move_type"].drop_off_text == "40.0 %"
    assert (rows["moved_in_on"].reached, rows["moved_in_on"].answered, rows["moved_in_on"].skipped) == (4, 2, 1)
    assert rows["moved_in_on"].left == 0
    assert (rows["check"].reached, rows["check"].left) == (3, 1)
    assert rows["check"].drop_off == pytest.approx(1 / 3)


def test_report_on_a_range_without_journeys():
    report = funnel.funnel_report(date_from=D, date_to=D, labels={"start": "S"})
    assert (report.started, report.created, report.completion, report.completion_text) == (0, 0, None, "—")
    assert [(r.step, r.reached, r.drop_off) for r in report.steps] == [("start", 0, None)]


@pytest.fixture
def supervisor(client):
    return sign_in(client, "supervisor")


def test_the_supervisors_page_shows_the_numbers(supervisor, known_events):
    r = supervisor.get(REPORT, {"date_from": D.isoformat(), "date_to": (D + timedelta(days=1)).isoformat()})
    assert r.status_code == 200 and r["Cache-Control"].startswith("max-age=0")
    html = r.content.decode()
    assert re.search(r'<td id="started">5</td>', html) and re.search(r'<td id="created">2</td>', html)
    assert '<td id="completion">40.0 %</td>' in html and '<td id="abandoned">3</td>' in html
    row = re.search(r'<tr id="step-move_type">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"<td>(.*?)</td>", row) == ["5", "4", "0", "2", "40.0 %"]
    assert "引越しの種類" in row or "move_type" in row
    assert "2026-05-11〜2026-05-12" in html


def test_the_supervisors_page_defaults_to_the_last_30_days_in_japan(supervisor):
    today = timezone.localdate()
    html = supervisor.get(REPORT).content.decode()
    assert f'value="{(today - timedelta(days=29)).isoformat()}"' in html and f'value="{today.isoformat()}"' in html


def test_the_csv_has_the_same_numbers(supervisor, known_events):
    r = supervisor.get(
        reverse("staff:journey-funnel-export"),
        {"date_from": D.isoformat(), "date_to": (D + timedelta(days=1)).isoformat()},
    )
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert 'filename="journey-funnel-20260511-20260512.csv"' in r["Content-Disposition"]
    body = r.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    by_key = {row[1]: row for row in rows[1:] if len(row) == 7}
    assert by_key["move_type"][2:] == ["5", "4", "0", "2", "40.0"]
    assert by_key["check"][2:] == ["3", "0", "0", "1", "33.3"]
    totals = {row[0]: row[1] for row in rows if len(row) == 2}
    assert totals["始まった回答"] == "5" and totals["作られたチェックリスト"] == "2" and totals["完了率(%)"] == "40.0"


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-05-12", "date_to": "2026-05-11"},
        {"date_from": "2026-02-30", "date_to": "2026-05-11"},
        {"date_from": "2020-01-01", "date_to": "2026-05-11"},
        {"date_to": "2026-05-11"},
    ],
)
def test_a_bad_range_gets_an_error_summary_not_a_500(supervisor, params):
    r = supervisor.get(REPORT, params)
    assert r.status_code == 400 and 'class="error-summary"' in r.content.decode()
    assert supervisor.get(reverse("staff:journey-funnel-export"), params).status_code == 400


@pytest.mark.parametrize("role", ["clerk", "department", "catalogue_editor", "catalogue_approver"])
def test_other_roles_may_not_see_it(client, role):
    sign_in(client, role)
    assert client.get(REPORT).status_code == 403
    assert client.get(reverse("staff:journey-funnel-export")).status_code == 403


def test_anonymous_visitors_go_to_the_staff_login(client):
    r = client.get(REPORT)
    assert r.status_code == 302 and r["Location"].startswith(reverse("staff:login"))


def test_the_staff_home_links_to_it_for_supervisors(supervisor):
    assert f'href="{REPORT}"' in supervisor.get(reverse("staff:home")).content.decode()


def test_household_page_counts_once_per_view(client):
    begin(client)
    n = JourneyEvent.objects.filter(kind="page", step="household").count()
    client.get(HOUSEHOLD)
    assert JourneyEvent.objects.filter(kind="page", step="household").count() == n + 1
