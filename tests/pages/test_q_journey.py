"""The resident questionnaire through Django's test client: start → household → questions → check."""

import re

import pytest
from django.urls import reverse

from navi.models import Checklist

pytestmark = pytest.mark.django_db

START = "/"
HOUSEHOLD = "/household/"
CHECK = "/check/"


def q(key, member=None):
    return f"/questions/{key}/{member}/" if member else f"/questions/{key}/"


def begin(client, events=("moving",), event_date="2026-09-08", members=(("self", 40),)):
    r = client.post(START, {"life_events": list(events), "event_date": event_date})
    assert r.status_code == 302 and r["Location"] == HOUSEHOLD
    for relation, age in members:
        r = client.post(HOUSEHOLD, {"action": "add", "relation": relation, "age": str(age)})
        assert r.status_code == 302
    return client.post(HOUSEHOLD, {"action": "continue"})


def answer(client, url, value=None, *, skip=False, suffix=""):
    data = {"action": "skip"} if skip else {"action": "answer", "answer": value}
    return client.post(url + suffix, data)


def walk(client, first, answers):
    """Answer page after page (skipping what answers does not name) until the check page."""
    url = first
    seen = []
    while url != CHECK:
        key = url.strip("/").split("/")[1]
        seen.append(url)
        value = answers.get(key)
        r = answer(client, url, value, skip=value is None)
        assert r.status_code == 302, (url, r.content[:500])
        url = r["Location"]
        assert len(seen) < 60
    return seen


def error_summary(r):
    assert r.status_code == 200
    assert b'class="error-summary"' in r.content
    return r.content.decode()


def test_start_page_lists_life_events_in_the_residents_language(client):
    r = client.get(START)
    assert r.status_code == 200
    html = r.content.decode()
    assert '<html lang="ja">' in html
    assert "引越し" in html and 'type="date"' in html and 'name="life_events"' in html
    assert reverse("questionnaire:start") == "/"


def test_start_errors_are_summarised(client):
    html = error_summary(client.post(START, {"event_date": "2026-02-30"}))
    assert 'href="#id_life_events_0"' in html and 'href="#id_event_date"' in html
    html = error_summary(client.post(START, {"life_events": ["wedding"], "event_date": "2026-01-01"}))


def test_a_move_in_makes_a_checklist_with_tennyu_todoke(client):
    r = begin(client)
    assert r["Location"] == q("move_type")
    r = client.get(q("move_type"))
    assert "質問 1 / " in r.content.decode()
    seen = walk(
        client, q("move_type"), {"move_type": "in_from_other", "moved_in_on": "2026-09-08", "insurance": "national"}
    )
    assert q("moved_in_on") in seen and q("moved_out_on") not in seen
    assert q("insurance", "m1") in seen
    r = client.get(CHECK)
    html = r.content.decode()
    assert "ほかの市区町村から引っ越してきた" in html and "?return=check" in html
    r = client.post(CHECK)
    assert r.status_code == 302
    token = re.fullmatch(r"/c/([A-Za-z0-9_-]+)/", r["Location"]).group(1)
    checklist = Checklist.objects.get(token=token)
    assert checklist.answers["move_type"] == "in_from_other"
    assert checklist.members[0]["relation"] == "self" and checklist.members[0]["age"] == 40
    codes = {i.procedure_code for i in checklist.item_list}
    assert "tennyu_todoke" in codes
    assert checklist.language == "ja"
    # the session's answers are cleared
    assert client.get(CHECK)["Location"] == START


def test_moved_in_on_is_not_asked_for_a_move_out(client):
    begin(client)
    seen = walk(client, q("move_type"), {"move_type": "out_to_other", "moved_out_on": "2026-09-08"})
    assert q("moved_in_on") not in seen and q("moved_out_on") in seen
    assert client.get(q("moved_in_on")).status_code == 404


def test_a_skipped_question_gives_a_check_item(client):
    begin(client)
    walk(client, q("move_type"), {"move_type": "in_from_other", "moved_in_on": "2026-09-08"})
    assert "わからない" in client.get(CHECK).content.decode()
    token = client.post(CHECK)["Location"].split("/")[2]
    checklist = Checklist.objects.get(token=token)
    assert "insurance" not in checklist.members[0]
    statuses = {i.procedure_code: i.status for i in checklist.item_list}
    assert "check" in statuses.values()


def test_members_are_added_and_removed(client):
    client.post(START, {"life_events": ["birth"], "event_date": "2026-04-20"})
    html = error_summary(client.post(HOUSEHOLD, {"action": "continue"}))
    assert "1 人以上" in html
    client.post(HOUSEHOLD, {"action": "add", "relation": "self", "age": "32"})
    client.post(HOUSEHOLD, {"action": "add", "relation": "child", "age": "0"})
    client.post(HOUSEHOLD, {"action": "add", "relation": "child", "age": "5"})
    html = client.get(HOUSEHOLD).content.decode()
    assert "3人目（子・5歳）" in html and html.count('value="remove"') == 3
    assert 'value="deceased"' not in html
    r = client.post(HOUSEHOLD, {"action": "remove", "member": "m2"})
    assert r.status_code == 302
    html = client.get(HOUSEHOLD).content.decode()
    assert "2人目（子・5歳）" in html and html.count('value="remove"') == 2
    # per-member questions name the member
    r = client.post(HOUSEHOLD, {"action": "continue"})
    assert r.status_code == 302
    assert "2人目（子・5歳）" in client.get(q("insurance", "m3")).content.decode()


def test_deceased_is_offered_only_for_a_death(client):
    client.post(START, {"life_events": ["death"], "event_date": "2026-01-01"})
    assert 'value="deceased"' in client.get(HOUSEHOLD).content.decode()
    r = client.post(HOUSEHOLD, {"action": "add", "relation": "deceased", "age": "80"})
    assert r.status_code == 302


def test_back_links_go_to_the_previous_page(client):
    begin(client)
    assert 'href="/household/"' in client.get(q("move_type")).content.decode()
    assert 'class="back-link" href="/"' in client.get(HOUSEHOLD).content.decode()
    answer(client, q("move_type"), "in_from_other")
    assert f'class="back-link" href="{q("move_type")}"' in client.get(q("moved_in_on")).content.decode()
    walk(client, q("moved_in_on"), {"moved_in_on": "2026-09-08"})
    html = client.get(CHECK).content.decode()
    assert 'class="back-link" href="/questions/' in html
    # the answer is shown again when going back
    assert 'value="in_from_other" id="answer" checked' in client.get(q("move_type")).content.decode()


def test_change_link_returns_to_check(client):
    begin(client)
    walk(client, q("move_type"), {"move_type": "in_from_other", "moved_in_on": "2026-09-08"})
    html = client.get(CHECK).content.decode()
    assert f'href="{q("moved_in_on")}?return=check"' in html
    r = client.get(q("moved_in_on") + "?return=check")
    assert 'class="back-link" href="/check/"' in r.content.decode()
    r = answer(client, q("moved_in_on"), "2026-09-10", suffix="?return=check")
    assert r["Location"] == CHECK
    assert "2026-09-10" in client.get(CHECK).content.decode()
    r = client.post(START + "?return=check", {"life_events": ["moving"], "event_date": "2026-09-09"})
    assert r["Location"] == CHECK
    r = client.post(HOUSEHOLD + "?return=check", {"action": "continue"})
    assert r["Location"] == CHECK


@pytest.mark.parametrize(
    "url,data",
    [
        (q("move_type"), {"action": "answer", "answer": "to_the_moon"}),
        (q("move_type"), {"action": "answer"}),
        (q("moved_in_on"), {"action": "answer", "answer": "2026-02-30"}),
        (q("moved_in_on"), {"action": "answer", "answer": "tomorrow"}),
        (q("has_dog"), {"action": "answer", "answer": "maybe"}),
        (q("insurance", "m1"), {"action": "answer", "answer": "<script>"}),
        (HOUSEHOLD, {"action": "add", "relation": "self", "age": "-1"}),
        (HOUSEHOLD, {"action": "add", "relation": "self", "age": "abc"}),
        (HOUSEHOLD, {"action": "add", "relation": "cousin", "age": "30"}),
        (HOUSEHOLD, {"action": "add", "relation": "deceased", "age": "30"}),
        (START, {"life_events": ["moving"], "event_date": "2026-13-01"}),
    ],
)
def test_tampered_values_give_the_page_again_with_an_error(client, url, data):
    begin(client)
    answer(client, q("move_type"), "in_from_other")
    error_summary(client.post(url, data))
    assert client.session["navi_journey"]["answers"].get("move_type") == "in_from_other"


def test_age_out_of_range_on_a_number_question(client):
    # the household's age field is the catalogue's number question (min 0, max 130)
    begin(client)
    html = error_summary(client.post(HOUSEHOLD, {"action": "add", "relation": "child", "age": "131"}))
    assert "130" in html


def test_pages_without_a_journey_go_back_to_the_start(client):
    for url in (HOUSEHOLD, CHECK, q("move_type")):
        assert client.get(url)["Location"] == START


@pytest.mark.parametrize(
    "code,lang,text", [("ja", "ja", "必要な手続き"), ("en", "en", "Moving house"), ("ja-easy", "ja", "ひっこし")]
)
def test_html_lang_follows_the_language_switch(client, code, lang, text):
    r = client.post("/i18n/setlang/", {"language": code, "next": "/"})
    assert r.status_code == 302
    html = client.get(START).content.decode()
    assert f'<html lang="{lang}">' in html
    assert text in html
    begin(client)
    html = client.get(q("move_type")).content.decode()
    assert f'<html lang="{lang}">' in html
    for url in (HOUSEHOLD, CHECK):
        assert f'<html lang="{lang}">' in client.get(url).content.decode()
    if code == "ja-easy":
        assert "しつもん 1 /" in html
    if code == "en":
        assert "Question 1 of" in html and "Continue" in html and "What kind of move is it?" in html
