"""Revising a checklist's answers from its page: back to "check your answers", then the same checklist rebuilt."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from pages.test_q_journey import CHECK, answer, begin, q, walk

from navi.models import Checklist

pytestmark = pytest.mark.django_db

MOVE_IN = {"move_type": "in_from_other", "moved_in_on": "2026-09-08", "insurance": "national"}


def make_checklist(client, answers=MOVE_IN):
    begin(client)
    walk(client, q("move_type"), answers)
    r = client.post(CHECK)
    return re.fullmatch(r"/c/([A-Za-z0-9_-]+)/", r["Location"]).group(1)


def revise(client, token):
    r = client.post(f"/c/{token}/revise/")
    assert r.status_code == 302 and r["Location"] == CHECK
    return r


def tick(client, token, key):
    assert client.post(f"/c/{token}/items/{key}/", {"done": "1"}).status_code == 302


def test_the_checklist_page_offers_to_change_the_answers(client):
    token = make_checklist(client)
    html = client.get(f"/c/{token}/").content.decode()
    assert f'action="/c/{token}/revise/"' in html and "答えを変更する" in html
    # a GET does not change the session: the link is a form post
    assert client.get(f"/c/{token}/revise/").status_code == 405


def test_revising_loads_the_stored_answers_into_check_your_answers(client):
    token = make_checklist(client)
    revise(client, token)
    journey = client.session["navi_journey"]
    checklist = Checklist.objects.get(token=token)
    assert journey["revise"] == checklist.pk and "id" not in journey
    assert token not in str(dict(client.session.items()))  # the session never holds the private link
    assert journey["answers"] == checklist.answers and journey["members"] == checklist.members
    html = client.get(CHECK).content.decode()
    assert "ほかの市区町村から引っ越してきた" in html and "2026-09-08" in html
    assert "いまのチェックリストの答えを変えています" in html
    assert "手続きと期限は変わりません。" in html
    assert "答えを保存してチェックリストを作り直す" in html


def test_saving_rebuilds_the_same_checklist_and_keeps_the_ticks_of_items_that_remain(client):
    token = make_checklist(client)
    checklist = Checklist.objects.get(token=token)
    keys = {i.key for i in checklist.item_list}
    assert "kokuho_kanyu.m1" in keys and "tennyu_todoke" in keys
    tick(client, token, "tennyu_todoke")
    tick(client, token, "kokuho_kanyu.m1")
    revise(client, token)
    r = answer(client, q("insurance", "m1"), "employee", suffix="?return=check")
    assert r["Location"] == CHECK
    html = client.get(CHECK).content.decode()
    # the preview names what the rebuild changes, before anything is saved
    assert "チェックリストがこう変わります" in html and "なくなる" in html
    assert any(i.key == "kokuho_kanyu.m1" for i in Checklist.objects.get(pk=checklist.pk).item_list)
    r = client.post(CHECK, {"action": "save"})
    assert r.status_code == 302 and r["Location"] == f"/c/{token}/"
    assert Checklist.objects.count() == 1  # no new checklist
    checklist.refresh_from_db()
    assert checklist.members[0]["insurance"] == "employee"
    done = {i.key: i.done for i in checklist.item_list}
    assert "kokuho_kanyu.m1" not in done
    assert done["tennyu_todoke"] is True
    assert not any(v for k, v in done.items() if k != "tennyu_todoke")
    assert "navi_journey" not in client.session
    assert client.get(f"/c/{token}/").status_code == 200


def test_cancel_goes_back_to_the_checklist_unchanged(client):
    token = make_checklist(client)
    before = [(i.key, i.status, i.deadline) for i in Checklist.objects.get(token=token).item_list]
    revise(client, token)
    answer(client, q("move_type"), "within", suffix="?return=check")
    r = client.post(CHECK, {"action": "cancel"})
    assert r.status_code == 302 and r["Location"] == f"/c/{token}/"
    assert "navi_journey" not in client.session
    checklist = Checklist.objects.get(token=token)
    assert checklist.answers["move_type"] == "in_from_other"
    assert [(i.key, i.status, i.deadline) for i in checklist.item_list] == before


def test_revising_a_deleted_checklist_ends_on_the_not_found_page(client):
    token = make_checklist(client)
    revise(client, token)
    Checklist.objects.filter(token=token).delete()
    r = client.get(CHECK)
    assert r.status_code == 404 and "private" in r["Cache-Control"]
    assert "navi_journey" not in client.session
    assert Checklist.objects.count() == 0  # and nothing was made in its place


def test_revising_an_expired_checklist_is_not_found(client):
    token = make_checklist(client)
    revise(client, token)
    Checklist.objects.filter(token=token).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post(CHECK, {"action": "save"}).status_code == 404
    assert Checklist.objects.count() == 1
    assert client.post(f"/c/{token}/revise/").status_code == 404


@pytest.mark.parametrize("token", ["unknown", "A" * 43, "../../etc"])
def test_revise_with_an_unknown_token_is_not_found_and_leaves_the_session_alone(client, token):
    begin(client)
    answer(client, q("move_type"), "within")
    assert client.post(f"/c/{token}/revise/").status_code == 404
    assert client.session["navi_journey"]["answers"] == {"move_type": "within"}


def test_revising_continues_in_the_checklists_language(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    token = make_checklist(client)
    assert Checklist.objects.get(token=token).language == "en"
    client.post("/i18n/setlang/", {"language": "ja", "next": "/"})
    r = revise(client, token)
    assert r.cookies["django_language"].value == "en"
    html = client.get(CHECK).content.decode()
    assert '<html lang="en">' in html and "Save" in html


def test_revising_a_checklist_made_through_the_api(client):
    """Members without an age and answers the questionnaire would not ask still load and save."""
    from datetime import date

    from navi.services import checklist_create

    view = checklist_create(
        life_events=["moving"],
        event_date=date(2026, 9, 8),
        answers={"move_type": "in_from_other", "moved_out_on": "2026-09-01"},
        members=[{"relation": "self"}, {"relation": "child", "age": 3}],
        language="ja",
    )
    revise(client, view.token)
    html = client.get(CHECK).content.decode()
    assert "1人目（本人）" in html and "2人目（子・3歳）" in html
    r = client.post(CHECK, {"action": "save"})
    assert r["Location"] == f"/c/{view.token}/"
    checklist = Checklist.objects.get(token=view.token)
    # what the questionnaire does not ask (show_if hides moved_out_on for a move-in) is not kept
    assert checklist.answers == {"move_type": "in_from_other"}
    assert [m.get("age") for m in checklist.members] == [None, 3]


def test_a_member_added_while_revising_never_inherits_a_removed_members_ticks(client):
    from datetime import date

    from navi.services import checklist_create

    view = checklist_create(
        life_events=["moving"],
        event_date=date(2026, 9, 8),
        answers={"move_type": "in_from_other", "moved_in_on": "2026-09-08"},
        members=[
            {"relation": "self", "age": 40, "insurance": "national"},
            {"relation": "spouse", "age": 38, "insurance": "national"},
        ],
        language="ja",
    )
    tick(client, view.token, "kokuho_kanyu.m2")
    revise(client, view.token)
    client.post("/household/?return=check", {"action": "remove", "member": "m2"})
    client.post("/household/?return=check", {"action": "add", "relation": "spouse", "age": "38"})
    assert [m["key"] for m in client.session["navi_journey"]["members"]] == ["m1", "m3"]
    answer(client, q("insurance", "m3"), "national", suffix="?return=check")
    assert client.post(CHECK, {"action": "save"})["Location"] == f"/c/{view.token}/"
    done = {i.key: i.done for i in Checklist.objects.get(token=view.token).item_list}
    assert done["kokuho_kanyu.m3"] is False and "kokuho_kanyu.m2" not in done
