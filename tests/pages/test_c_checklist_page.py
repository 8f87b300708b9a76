"""The resident's checklist page /c/<token>/: groups by where to go, deadlines in words, ticks, delete."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from navi.models import Checklist, ChecklistItem
from navi.services import checklist_create

pytestmark = pytest.mark.django_db

FAMILY = {
    "life_events": ["moving"],
    "answers": {
        "move_type": "in_from_other",
        "wants_seal_registration": False,
        "has_dog": False,
        "has_vehicle": False,
        "disability_support": False,
    },
    "members": [
        {"relation": "self", "age": 40, "insurance": "employee", "foreign_resident": False, "has_mynumber_card": True,
         "has_driving_licence": True, "care_certified": False, "into_care_facility": False},
        {"relation": "spouse", "age": 38, "insurance": "employee", "foreign_resident": False,
         "has_mynumber_card": True, "has_driving_licence": False},
        {"relation": "child", "age": 9, "insurance": "employee", "foreign_resident": False, "has_mynumber_card": True,
         "public_school": True},
        {"relation": "child", "age": 3, "insurance": "employee", "foreign_resident": False,
         "has_mynumber_card": False, "wants_nursery_place": True},
    ],
}  # fmt: skip

DEATH_UNANSWERED = {
    "life_events": ["death"],
    "answers": {"deceased_was_head": True},
    "members": [
        {"relation": "deceased", "age": 80, "insurance": "late_elderly", "pension_type": "none"},
        {"relation": "self", "age": 52, "insurance": "employee", "pension_type": "category2"},
    ],
}


def family(event_date=None, language="ja"):
    on = event_date or timezone.localdate()
    answers = {**FAMILY["answers"], "moved_in_on": on.isoformat()}
    return checklist_create(
        life_events=FAMILY["life_events"], event_date=on, answers=answers, members=FAMILY["members"], language=language
    )


def death(event_date=None):
    return checklist_create(event_date=event_date or timezone.localdate(), **DEATH_UNANSWERED)


def url(token):
    return reverse("checklist_pages:detail", args=[token])


def page(client, token):
    r = client.get(url(token))
    assert r.status_code == 200, r.content
    return r.content.decode()


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def items(token) -> list[ChecklistItem]:
    return Checklist.objects.get(token=token).item_list


# --- reading -------------------------------------------------------------------------------------


def test_the_groups_come_online_first_then_counters_in_visiting_order_then_other_offices(client):
    view = family()
    html = page(client, view.token)
    headings = re.findall(r'<h2 id="group-\d+">(.*?)</h2>', html)
    assert headings[0] == "オンラインでできる手続き"
    checklist = Checklist.objects.get(token=view.token)
    from procedures.selectors import compiled_catalogue

    catalogue = compiled_catalogue(checklist.catalogue_version)
    by_name = {c["name"]["ja"]: c["visit_order"] for c in catalogue.counters.values()}
    counters = [h.split(". ", 1)[1] for h in headings[1:]]
    assert [h.split(". ", 1)[0] for h in headings[1:]] == [str(n) for n in range(1, len(headings))]
    in_municipality = [c for c in counters if c in by_name]
    assert in_municipality, headings
    assert [by_name[c] for c in in_municipality] == sorted(by_name[c] for c in in_municipality)
    # the municipality's counters come before any other office (police, pension office …)
    others = [i for i, c in enumerate(counters) if c not in by_name]
    assert all(i > max(counters.index(c) for c in in_municipality) for i in others)
    # every item with an online link sits in the online group
    online = html.split('<h2 id="group-1">')[1].split('<h2 id="group-2">')[0]
    for item in items(view.token):
        content = json.loads(item.content)
        if content["procedure"]["online_url"]:
            assert f'id="item-{item.key}"' in online
        else:
            assert f'id="item-{item.key}"' not in online


def test_each_group_says_where_and_when(client):
    html = page(client, family().token)
    assert "受付時間" in html and "場所" in html


def test_items_say_for_whom_the_deadline_and_days_left_in_words(client):
    view = family()
    html = text(page(client, view.token))
    today = timezone.localdate()
    tennyu = next(i for i in items(view.token) if i.key == "tennyu_todoke")
    days = (tennyu.deadline - today).days
    assert days > 0
    assert f"あと{days}日" in html
    assert "対象：子（3歳）" in html and "対象：本人（40歳）" in html


def test_overdue_is_said_in_words(client):
    view = family(event_date=timezone.localdate() - timedelta(days=60))
    html = text(page(client, view.token))
    tennyu = next(i for i in items(view.token) if i.key == "tennyu_todoke")
    over = (timezone.localdate() - tennyu.deadline).days
    assert over > 0
    assert f"期限を{over}日過ぎています" in html


def test_items_without_a_date_show_the_deadline_text(client):
    view = family()
    html = text(page(client, view.token))
    undated = [json.loads(i.content) for i in items(view.token) if i.deadline is None]
    assert undated
    for content in undated:
        if content["deadline_text"]:
            assert content["deadline_text"] in html


def test_check_items_are_explained_from_their_reasons(client):
    view = death()
    checked = [json.loads(i.content) for i in items(view.token) if i.status == "check"]
    assert checked
    html = text(page(client, view.token))
    assert "窓口で確認してください" in html
    for content in checked:
        for reason in content["reasons"]:
            assert text(reason["text"]).strip() in html.replace("&quot;", '"')


def test_why_it_applies_is_in_details_with_the_legal_basis(client):
    view = death()
    html = page(client, view.token)
    assert "<details" in html and "この手続きが必要な理由" in html
    assert "戸籍法" in html
    assert "https://laws.e-gov.go.jp/law/322AC0000000224" in html


def test_the_merged_list_of_what_to_bring_is_on_the_page(client):
    view = family()
    checklist = Checklist.objects.get(token=view.token)
    assert checklist.documents
    html = page(client, view.token)
    section = html.split('id="documents"')[1]
    for doc in checklist.documents:
        assert doc["name"] in section


def test_the_page_is_private_and_in_the_checklists_language(client):
    r = client.get(url(family().token))
    assert r["Cache-Control"] == "private, no-store"
    assert '<html lang="ja">' in r.content.decode()
    r = client.get(url(family(language="en").token))
    html = r.content.decode()
    assert '<html lang="en">' in html


def test_easy_japanese_pages_say_lang_ja(client):
    r = client.get(url(family(language="easy").token))
    assert '<html lang="ja">' in r.content.decode()


# --- ticking -------------------------------------------------------------------------------------


def test_a_tick_is_saved_by_a_plain_post_and_redirects_to_the_item(client):
    view = family()
    key = "tennyu_todoke"
    action = reverse("checklist_pages:item_done", args=[view.token, key])
    html = page(client, view.token)
    assert f'action="{action}"' in html
    r = client.post(action, {"done": "1"})
    assert r.status_code == 302
    assert r["Location"] == url(view.token) + f"#item-{key}"
    assert r["Cache-Control"] == "private, no-store"
    item = next(i for i in items(view.token) if i.key == key)
    assert item.done and item.done_at is not None
    html = page(client, view.token)
    assert "未了に戻す" in html and "1件が済み" in html
    client.post(action, {"done": "0"})
    item = next(i for i in items(view.token) if i.key == key)
    assert not item.done and item.done_at is None


def test_ticking_an_unknown_item_or_by_get_does_nothing(client):
    view = family()
    r = client.post(reverse("checklist_pages:item_done", args=[view.token, "nope"]), {"done": "1"})
    assert r.status_code == 404
    r = client.get(reverse("checklist_pages:item_done", args=[view.token, "tennyu_todoke"]))
    assert r.status_code == 405
    assert not any(i.done for i in items(view.token))


def test_forms_are_csrf_protected():
    view = family()
    strict = Client(enforce_csrf_checks=True)
    html = strict.get(url(view.token)).content.decode()
    assert html.count("csrfmiddlewaretoken") >= len(items(view.token))
    r = strict.post(reverse("checklist_pages:item_done", args=[view.token, "tennyu_todoke"]), {"done": "1"})
    assert r.status_code == 403
    r = strict.post(reverse("checklist_pages:delete", args=[view.token]))
    assert r.status_code == 403
    assert Checklist.objects.filter(token=view.token).exists()
    assert not any(i.done for i in items(view.token))


# --- deleting ------------------------------------------------------------------------------------


def test_delete_asks_first_then_forgets_at_once(client):
    view = family()
    confirm = reverse("checklist_pages:delete", args=[view.token])
    assert f'href="{confirm}"' in page(client, view.token)
    r = client.get(confirm)
    assert r.status_code == 200 and "チェックリストを削除しますか" in r.content.decode()
    assert Checklist.objects.filter(token=view.token).exists()
    r = client.post(confirm)
    assert r.status_code == 302
    assert not Checklist.objects.filter(token=view.token).exists()  # and its items and ticks, kept in its row
    r = client.get(r["Location"])
    assert r.status_code == 200 and "チェックリストを削除しました" in r.content.decode()
    assert client.get(url(view.token)).status_code == 404


# --- not found -----------------------------------------------------------------------------------


def _expired():
    view = family()
    Checklist.objects.filter(token=view.token).update(expires_at=timezone.now() - timedelta(seconds=1))
    return view.token


@pytest.mark.parametrize("token", ["unknown", "malformed", "expired"], ids=["unknown", "malformed", "expired"])
def test_unknown_malformed_and_expired_tokens_get_the_same_friendly_404(client, token):
    token = {"unknown": "A" * 43, "malformed": "not-a-token!", "expired": None}[token] or _expired()
    for path in (url(token), reverse("checklist_pages:delete", args=[token])):
        r = client.get(path)
        assert r.status_code == 404
        html = r.content.decode()
        assert "ページが見つかりません" in html and "<html lang=" in html
        assert r["Cache-Control"] == "private, no-store"
    r = client.post(reverse("checklist_pages:delete", args=[token]))
    assert r.status_code == 404


def test_the_404_is_in_the_residents_language(client):
    client.cookies["django_language"] = "en"
    r = client.get(url("B" * 43))
    assert r.status_code == 404
    assert '<html lang="en">' in r.content.decode()


def test_other_unknown_pages_get_a_friendly_404_and_the_api_keeps_json(client):
    r = client.get(url(family().token) + "nothing-here/")
    assert r.status_code == 404
    html = r.content.decode()
    assert "ページが見つかりません" in html and '<html lang="ja">' in html
    r = client.get("/api/v1/checklists/" + "A" * 43 + "/")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/json")
