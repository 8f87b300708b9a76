"""Bad input on the resident pages: tampered form values, unknown choices and steps, skipped
required steps, expired or unknown links, missing CSRF tokens. Always a clear message or a
friendly 404 (never a 500), and nothing stored is lost or changed."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from pages.test_q_journey import CHECK, HOUSEHOLD, START, answer, begin, error_summary, q, walk

from navi.models import Checklist, ChecklistItem

pytestmark = pytest.mark.django_db

MOVE_IN = {"move_type": "in_from_other", "moved_in_on": "2026-09-08", "insurance": "national"}


def made(client):
    begin(client)
    walk(client, q("move_type"), MOVE_IN)
    return re.fullmatch(r"/c/([A-Za-z0-9_-]+)/", client.post(CHECK)["Location"]).group(1)


def journey(client):
    return client.session["navi_journey"]


def all_items() -> list[ChecklistItem]:
    """Every checklist's items, checklist by checklist."""
    return [i for checklist in Checklist.objects.order_by("pk") for i in checklist.item_list]


# --- the start page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"life_events": ["moving"]},  # no date
        {"life_events": ["moving"], "event_date": ""},
        {"life_events": ["moving"], "event_date": "   "},
        {"life_events": ["moving"], "event_date": "0001-01-01"},
        {"life_events": ["moving"], "event_date": "9999-12-31"},
        {"life_events": ["moving"], "event_date": "2026-9-8"},
        {"life_events": ["moving"], "event_date": "20260908"},
        {"life_events": ["moving"], "event_date": "2026-09-08T00:00"},
        {"life_events": ["moving"], "event_date": "２０２６-０９-０８"},
        {"life_events": ["moving"], "event_date": "2026-09-08" * 100},
        {"life_events": [""], "event_date": "2026-09-08"},
        {"life_events": ["moving", "wedding"], "event_date": "2026-09-08"},
        {"life_events": ["<script>alert(1)</script>"], "event_date": "2026-09-08"},
        {"event_date": "2026-09-08"},  # no life event
    ],
)
def test_start_rejects_what_is_not_a_life_event_and_a_date(client, data):
    html = error_summary(client.post(START, data))
    assert "<script>alert(1)</script>" not in html
    assert "navi_journey" not in client.session


def test_a_life_event_given_twice_counts_once(client):
    r = client.post(START, {"life_events": ["moving", "moving"], "event_date": "2026-09-08"})
    assert r.status_code == 302
    assert journey(client)["life_events"] == ["moving"]


def test_a_failed_start_keeps_the_journey_under_way(client):
    begin(client)
    answer(client, q("move_type"), "within")
    error_summary(client.post(START, {"life_events": ["wedding"], "event_date": "2026-09-08"}))
    assert journey(client)["life_events"] == ["moving"] and journey(client)["answers"] == {"move_type": "within"}


# --- the household page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"action": "add", "relation": "self"},  # no age
        {"action": "add", "age": "40"},  # no relation
        {"action": "add", "relation": "", "age": "40"},
        {"action": "add", "relation": "self", "age": "4.5"},
        {"action": "add", "relation": "self", "age": "1e3"},
        {"action": "add", "relation": "self", "age": "99999999999999999999999"},
        {"action": "add", "relation": "self", "age": "NaN"},
        {"action": "add", "relation": "self", "age": "四十"},
    ],
)
def test_household_rejects_a_member_without_a_relation_and_an_age(client, data):
    begin(client)
    before = journey(client)["members"]
    error_summary(client.post(HOUSEHOLD, data))
    assert journey(client)["members"] == before


def test_household_refuses_more_members_than_allowed(client):
    client.post(START, {"life_events": ["birth"], "event_date": "2026-04-20"})
    for _ in range(settings.CHECKLIST_MAX_MEMBERS):
        assert client.post(HOUSEHOLD, {"action": "add", "relation": "child", "age": "3"}).status_code == 302
    html = error_summary(client.post(HOUSEHOLD, {"action": "add", "relation": "child", "age": "3"}))
    assert "これ以上は追加できません" in html
    assert len(journey(client)["members"]) == settings.CHECKLIST_MAX_MEMBERS


@pytest.mark.parametrize("member", ["m9", "", "../m1", None])
def test_removing_an_unknown_member_changes_nothing(client, member):
    begin(client)
    data = {"action": "remove"} if member is None else {"action": "remove", "member": member}
    assert client.post(HOUSEHOLD, data).status_code == 302
    assert [m["key"] for m in journey(client)["members"]] == ["m1"]


@pytest.mark.parametrize("action", [None, "", "delete-everything"])
def test_an_unknown_household_action_is_continue(client, action):
    client.post(START, {"life_events": ["moving"], "event_date": "2026-09-08"})
    data = {} if action is None else {"action": action}
    html = error_summary(client.post(HOUSEHOLD, data))  # nobody added yet: say so
    assert "1 人以上" in html
    client.post(HOUSEHOLD, {"action": "add", "relation": "self", "age": "40"})
    assert client.post(HOUSEHOLD, data)["Location"] == q("move_type")


def test_changing_the_events_drops_a_deceased_member_no_longer_possible(client):
    client.post(START, {"life_events": ["death", "moving"], "event_date": "2026-01-01"})
    client.post(HOUSEHOLD, {"action": "add", "relation": "deceased", "age": "80"})
    client.post(HOUSEHOLD, {"action": "add", "relation": "self", "age": "50"})
    client.post(START + "?return=check", {"life_events": ["moving"], "event_date": "2026-01-01"})
    assert [m["relation"] for m in journey(client)["members"]] == ["self"]


# --- question pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/questions/no_such_question/",
        "/questions/insurance/m9/",  # no such member
        "/questions/move_type/m1/",  # a case question asked as a member's
        "/questions/insurance/",  # a member's question asked as the case's
        "/questions/shussei_todoke_place/",  # a question of another life event
        "/questions/age/m1/",  # asked on the household page, not one by one
    ],
)
def test_a_question_that_is_not_a_step_of_this_journey_is_not_found(client, path):
    begin(client)
    assert client.get(path).status_code == 404
    assert client.post(path, {"action": "answer", "answer": "yes"}).status_code == 404
    assert journey(client)["answers"] == {}


@pytest.mark.parametrize(
    "key,value",
    [
        ("move_type", "IN_FROM_OTHER"),  # choices are exact
        ("move_type", " "),
        ("move_type", "in_from_other\x00"),
        ("has_dog", "true"),  # yes/no is "yes" or "no"
        ("has_dog", "1"),
        ("moved_in_on", "1899-12-31"),
        ("moved_in_on", "2201-01-01"),
        ("moved_in_on", "2026-09-08" + "x" * 5000),
    ],
)
def test_tampered_answers_are_refused_and_the_stored_answer_kept(client, key, value):
    begin(client)
    answer(client, q("move_type"), "in_from_other")
    error_summary(answer(client, q(key), value))
    assert journey(client)["answers"] == {"move_type": "in_from_other"}


def test_an_error_keeps_the_page_and_links_the_summary_to_the_field(client):
    begin(client)
    html = error_summary(client.post(q("move_type"), {"action": "answer"}))
    assert 'href="#answer"' in html and 'id="answer"' in html and "<title>エラー: " in html
    assert 'aria-describedby="' in html and 'id="answer-error"' in html


def test_an_unknown_action_is_an_answer_not_a_skip(client):
    begin(client)
    r = client.post(q("move_type"), {"action": "remove", "answer": "within"})
    assert r.status_code == 302 and journey(client)["answers"] == {"move_type": "within"}


def test_skipping_forgets_an_earlier_answer(client):
    begin(client)
    answer(client, q("move_type"), "within")
    answer(client, q("move_type"), skip=True)
    assert journey(client)["answers"] == {}


# --- required steps skipped ------------------------------------------------------------------------


def test_without_household_members_questions_and_check_go_to_the_household_page(client):
    client.post(START, {"life_events": ["moving"], "event_date": "2026-09-08"})
    for path in (q("move_type"), CHECK):
        assert client.get(path)["Location"] == HOUSEHOLD
    r = client.post(CHECK)
    assert r["Location"] == HOUSEHOLD and Checklist.objects.count() == 0


def test_without_a_journey_nothing_is_made(client):
    for path in (CHECK, HOUSEHOLD, q("move_type")):
        r = client.post(path, {"action": "answer", "answer": "within"})
        assert r.status_code == 302 and r["Location"] == START
    assert Checklist.objects.count() == 0


def test_jumping_to_check_with_questions_unanswered_makes_check_items(client):
    begin(client)  # straight to the check page: every question left open
    html = client.get(CHECK).content.decode()
    assert html.count("わからない（窓口で確認）") >= 1
    token = client.post(CHECK)["Location"].split("/")[2]
    checklist = Checklist.objects.get(token=token)
    assert checklist.answers == {} and checklist.unanswered
    assert {i.status for i in checklist.item_list} >= {"check"}


def test_a_question_hidden_by_a_later_change_is_not_kept_in_the_checklist(client):
    begin(client)
    walk(client, q("move_type"), MOVE_IN)
    answer(client, q("move_type"), "out_to_other", suffix="?return=check")
    assert client.get(q("moved_in_on")).status_code == 404
    token = client.post(CHECK)["Location"].split("/")[2]
    assert "moved_in_on" not in Checklist.objects.get(token=token).answers


def test_a_journey_garbled_in_the_session_starts_again(client):
    session = client.session
    session["navi_journey"] = ["not", "a", "journey"]
    session.save()
    for path in (HOUSEHOLD, CHECK, q("move_type")):
        assert client.get(path)["Location"] == START
    assert client.get(START).status_code == 200


# --- links: unknown, malformed, expired ------------------------------------------------------------


def _expire(token):
    Checklist.objects.filter(token=token).update(expires_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.parametrize("kind", ["unknown", "malformed", "expired"])
def test_every_post_on_a_dead_link_is_a_friendly_404_and_changes_nothing(client, kind):
    token = made(client)
    items = [(i.key, i.done) for i in all_items()]
    target = {"unknown": "A" * 43, "malformed": "x" * 300, "expired": token}[kind]
    if kind == "expired":
        _expire(token)
    for path, data in (
        (f"/c/{target}/items/tennyu_todoke/", {"done": "1"}),
        (f"/c/{target}/revise/", {}),
        (f"/c/{target}/delete/", {}),
    ):
        r = client.post(path, data)
        assert r.status_code == 404, path
        assert "ページが見つかりません" in r.content.decode() and r["Cache-Control"] == "private, no-store"
    assert [(i.key, i.done) for i in all_items()] == items
    assert Checklist.objects.filter(token=token).exists()


@pytest.mark.parametrize("key", ["no_such_item", "tennyu_todoke.m9", "..", "%00", "tennyu_todoke%00", "x" * 500])
def test_ticking_an_unknown_item_is_a_404(client, key):
    token = made(client)
    assert client.post(f"/c/{token}/items/{key}/", {"done": "1"}).status_code == 404
    assert (
        client.patch(
            f"/api/v1/checklists/{token}/items/{key}/", {"done": True}, content_type="application/json"
        ).status_code
        == 404
    )
    assert not any(i.done for i in all_items())


@pytest.mark.parametrize("value", ["yes", "true", "", "2", None])
def test_a_tampered_tick_value_unticks(client, value):
    token = made(client)
    client.post(f"/c/{token}/items/tennyu_todoke/", {"done": "1"})
    data = {} if value is None else {"done": value}
    r = client.post(f"/c/{token}/items/tennyu_todoke/", data)
    assert r.status_code == 302 and r["Location"].endswith("#item-tennyu_todoke")
    (item,) = [i for i in all_items() if i.key == "tennyu_todoke"]
    assert item.done is False


def test_ticking_needs_a_post(client):
    token = made(client)
    assert client.get(f"/c/{token}/items/tennyu_todoke/").status_code == 405


def test_a_ticked_item_is_one_of_this_checklist_only(client):
    mine = made(client)
    other = Client()
    theirs = made(other)
    client.post(f"/c/{mine}/items/tennyu_todoke/", {"done": "1"})
    assert next(i for i in Checklist.objects.get(token=theirs).item_list if i.key == "tennyu_todoke").done is False


# --- cross-site posts ------------------------------------------------------------------------------


def test_posts_without_the_csrf_token_are_refused(client):
    token = made(client)
    strict = Client(enforce_csrf_checks=True)
    strict.get(START)
    assert strict.post(START, {"life_events": ["moving"], "event_date": "2026-09-08"}).status_code == 403
    for path in (f"/c/{token}/items/tennyu_todoke/", f"/c/{token}/revise/", f"/c/{token}/delete/"):
        assert strict.post(path, {"done": "1"}).status_code == 403
    assert Checklist.objects.filter(token=token).exists()
    assert not any(i.done for i in all_items())
