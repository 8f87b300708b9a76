"""Every scenario story, answered through the resident pages, builds the checklist the API builds.

The story's answers go in page by page with Django's test client, as a resident would give them:
life events and date on the start page, each member (relation and age) on the household page,
then each question the questionnaire asks, answered from the story or skipped (「わからない」)
where the story leaves it open. The checklist made at the end must have the same items (keys,
statuses, deadlines, in order) and the same unanswered questions as POST /api/v1/checklists/
with the same story.

A story whose shape the pages cannot express is listed in NOT_THROUGH_THE_PAGES with the reason;
the test checks that the reason still holds (so the list cannot go stale) instead of skipping it.
"""

import json
import re

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from navi.models import Checklist
from procedures.scenarios import load_scenario, scenario_files

pytestmark = pytest.mark.django_db

SCENARIOS = settings.BASE_DIR / "fixtures" / "scenarios"
START, HOUSEHOLD, CHECK = "/", "/household/", "/check/"

# story file stem → the facts it gives that no page can take (and why). A member without an age
# (the API takes one; the household page asks every member's age, as the questionnaire needs it)
# or an answer to a question that show_if hides for the story's other answers belongs here.
NOT_THROUGH_THE_PAGES: dict[str, dict[str, str]] = {
    "moving_out_family_partly_answered": {"members.m2": "no age: the household page asks every member's age"},
}


def _form_value(value) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def through_the_pages(client, story) -> tuple[str | None, dict[str, str]]:
    """(token of the checklist made, facts the pages never asked for: {fact: why})."""
    unasked: dict[str, str] = {}
    r = client.post(START, {"life_events": story.life_events, "event_date": story.event_date})
    assert r.status_code == 302, r.content.decode()[:2000]
    members = {}
    for i, member in enumerate(story.members, 1):
        key = member.get("key", f"m{i}")
        members[key] = member
        if member.get("age") is None:
            unasked[f"members.{key}"] = "no age: the household page asks every member's age"
            continue
        r = client.post(HOUSEHOLD, {"action": "add", "relation": member["relation"], "age": str(member["age"])})
        assert r.status_code == 302, r.content.decode()[:2000]
    if unasked:
        return None, unasked
    url = client.post(HOUSEHOLD, {"action": "continue"})["Location"]
    asked: set[tuple[str, str | None]] = set()
    while url != CHECK:
        parts = url.strip("/").split("/")
        key, member = parts[1], parts[2] if len(parts) > 2 else None
        asked.add((key, member))
        given = members[member] if member else story.answers
        data = {"action": "answer", "answer": _form_value(given[key])} if key in given else {"action": "skip"}
        r = client.post(url, data)
        assert r.status_code == 302, (url, data, r.content.decode()[:3000])
        url = r["Location"]
        assert len(asked) < 200
    for key in story.answers:
        if (key, None) not in asked:
            unasked[f"answers.{key}"] = "not asked: show_if hides it for the story's other answers"
    for member_key, member in members.items():
        for key in member:
            if key not in {"key", "relation", "age"} and (key, member_key) not in asked:
                unasked[f"members.{member_key}.{key}"] = "not asked: show_if hides it for this member"
    r = client.post(CHECK)
    assert r.status_code == 302, r.content.decode()[:3000]
    return re.fullmatch(r"/c/([A-Za-z0-9_-]+)/", r["Location"]).group(1), unasked


def through_the_api(story) -> dict:
    body = {
        "life_events": story.life_events,
        "event_date": story.event_date,
        "answers": story.answers,
        "members": story.members,
        "language": "ja",
    }
    r = APIClient().post("/api/v1/checklists/", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    return r.json()


def test_there_are_stories():
    assert len(scenario_files(SCENARIOS)) >= 10


def test_the_list_of_stories_not_through_the_pages_names_real_stories():
    stems = {p.stem for p in scenario_files(SCENARIOS)}
    assert set(NOT_THROUGH_THE_PAGES) <= stems


@pytest.mark.parametrize("path", scenario_files(SCENARIOS), ids=lambda p: p.stem)
def test_story_through_the_pages_gives_the_apis_checklist(client, path):
    story = load_scenario(path)
    token, unasked = through_the_pages(client, story)
    expected_gaps = NOT_THROUGH_THE_PAGES.get(path.stem, {})
    assert unasked == expected_gaps, f"{path.name}: facts the pages do not ask for: {unasked} (listed: {expected_gaps})"
    if unasked:
        return  # said above, by name, which facts and why; nothing to compare
    api = through_the_api(story)
    checklist = Checklist.objects.get(token=token)
    pages = [(i.key, i.status, i.deadline.isoformat() if i.deadline else None) for i in checklist.item_list]
    wanted = [(i["key"], i["status"], i["deadline"]) for i in api["items"]]
    assert pages == wanted
    assert checklist.unanswered == api["unanswered"]
    assert checklist.answers == api["answers"]
    # and the story's own expectations hold for the checklist made through the pages
    built = {k: (s, d) for k, s, d in pages}
    for key, want in story.expect.items():
        assert built.get(key) == (want.status, want.deadline), key


def test_a_fact_the_pages_never_ask_is_named(client):
    """The check above would notice: an answer that show_if hides is reported, not dropped silently."""
    from procedures.scenarios import Scenario

    story = Scenario.model_validate(
        {
            "title": "move-in with a move-out date",
            "life_events": ["moving"],
            "event_date": "2026-09-08",
            "answers": {"move_type": "in_from_other", "moved_out_on": "2026-09-01"},
            "members": [{"relation": "self", "age": 40}],
            "expect": {},
        }
    )
    token, unasked = through_the_pages(client, story)
    assert unasked == {"answers.moved_out_on": "not asked: show_if hides it for the story's other answers"}
    assert "moved_out_on" not in Checklist.objects.get(token=token).answers
