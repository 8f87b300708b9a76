"""The checklist API as the contract gives it: build, read, rebuild, tick, forget; and bad input."""

import json

import pytest
from rest_framework.test import APIClient

from navi.models import Checklist

pytestmark = pytest.mark.django_db

URL = "/api/v1/checklists/"


@pytest.fixture
def api():
    return APIClient()


def post(api, body, **extra):
    return api.post(URL, json.dumps(body), content_type="application/json", **extra)


def items(data):
    return {i["key"]: i for i in data["items"]}


DEATH = {
    "life_events": ["death"],
    "event_date": "2026-01-01",
    "answers": {
        "deceased_was_head": True,
        "deceased_received_pension": True,
        "deceased_filed_tax_return": True,
        "considering_renunciation": False,
        "estate_may_exceed_exemption": False,
    },
    "members": [
        {"relation": "deceased", "age": 80, "insurance": "late_elderly", "pension_type": "none"},
        {"relation": "self", "age": 52, "insurance": "employee", "pension_type": "category2"},
        {"relation": "spouse", "age": 50, "insurance": "employee", "pension_type": "category3"},
    ],
}


# --- the contract's deadline examples, through the API ------------------------------------------


def test_death_on_new_years_day_gives_the_death_notification_by_7_january(api):
    r = post(api, DEATH)
    assert r.status_code == 201, r.content
    shibou = items(r.json())["shibou_todoke"]
    assert shibou["deadline"] == "2026-01-07"
    assert shibou["status"] == "required"
    assert shibou["reasons"][0]["legal_basis"][0].startswith("戸籍法 第")
    # the full citation (law, number, e-Gov link) is the procedure's, at /procedures/{code}/
    procedure = api.get(f"/api/v1/procedures/{shibou['procedure']['code']}/").json()
    assert procedure["legal_basis"][0]["name"] == "戸籍法"
    assert procedure["legal_basis"][0]["url"] == "https://laws.e-gov.go.jp/law/322AC0000000224"


def test_birth_on_20_april_gives_the_birth_notification_by_7_may(api):
    r = post(api, {"life_events": ["birth"], "event_date": "2026-04-20", "members": [{"relation": "child", "age": 0}]})
    assert items(r.json())["shussei_todoke"]["deadline"] == "2026-05-07"


def test_moving_in_on_8_september_gives_the_move_in_notification_by_24_september(api):
    body = {
        "life_events": ["moving"],
        "event_date": "2026-09-08",
        "answers": {"move_type": "in_from_other", "moved_in_on": "2026-09-08"},
        "members": [{"relation": "self", "age": 40}],
    }
    assert items(post(api, body).json())["tennyu_todoke"]["deadline"] == "2026-09-24"


def test_death_on_31_january_gives_the_final_tax_return_by_1_june(api):
    r = post(api, {**DEATH, "event_date": "2026-01-31"})
    junkakutei = items(r.json())["junkakutei_shinkoku"]
    assert junkakutei["deadline"] == "2026-06-01"
    assert junkakutei["procedure"]["office"] == "税務署"


# --- the checklist's content ----------------------------------------------------------------------


def test_a_checklist_is_explained_and_shaped_as_the_contract_says(api):
    data = post(api, DEATH).json()
    assert set(data) >= {
        "token", "url", "life_events", "event_date", "language", "catalogue_version",
        "answers", "members", "items", "documents", "unanswered",
    }  # fmt: skip
    assert data["url"] == f"/c/{data['token']}/"
    assert len(data["token"]) >= 22  # ≥ 128 bits in URL-safe base64
    assert [m["key"] for m in data["members"]] == ["m1", "m2", "m3"]
    item = items(data)["setainushi_henko"]
    assert set(item) == {
        "key", "procedure", "member", "status", "deadline", "deadline_text", "reasons", "documents", "done",
    }  # fmt: skip
    # the contract's fields, plus the outside office for procedures not at a counter; the rest
    # (description, place, hours, fee, full legal basis) is at /procedures/{code}/
    assert set(item["procedure"]) == {"code", "name", "department", "counter", "office", "online_url"}
    assert item["deadline_text"]
    assert any("世帯主" in r["text"] for r in item["reasons"])
    assert data["documents"], "one merged list of what to bring"
    names = [d["name"] for d in data["documents"]]
    assert len(names) == len(set(names)), "documents are merged without duplicates"


def test_per_member_items_are_keyed_by_procedure_and_member(api):
    # An employee dies at 58; his wife (55) and son (25) were his dependants under 国民年金 第3号.
    members = [
        {"relation": "deceased", "age": 58, "insurance": "employee", "pension_type": "category2"},
        {"relation": "spouse", "age": 55, "insurance": "employee", "pension_type": "category3"},
        {"relation": "child", "age": 25, "insurance": "employee", "pension_type": "category3"},
        {"relation": "child", "age": 19, "insurance": "employee", "pension_type": "none"},
    ]
    data = post(api, {**DEATH, "members": members}).json()
    keyed = items(data)
    pension = sorted(k for k in keyed if k.startswith("nenkin_shubetsu_henko"))
    assert pension == ["nenkin_shubetsu_henko.m2", "nenkin_shubetsu_henko.m3"]
    assert keyed["nenkin_shubetsu_henko.m2"]["member"] == "m2"
    assert keyed["nenkin_shubetsu_henko.m2"]["deadline"] == "2026-01-15"


def test_items_are_ordered_by_deadline_then_counter(api):
    data = post(api, DEATH).json()
    deadlines = [i["deadline"] for i in data["items"]]
    dated = [d for d in deadlines if d is not None]
    assert dated == sorted(dated)
    assert deadlines[: len(dated)] == dated, "items without a deadline come last"


def test_an_unanswered_question_makes_an_item_check_not_missing(api):
    body = {**DEATH, "answers": {k: v for k, v in DEATH["answers"].items() if k != "deceased_filed_tax_return"}}
    data = post(api, body).json()
    item = items(data)["junkakutei_shinkoku"]
    assert item["status"] == "check"
    assert "deceased_filed_tax_return" in data["unanswered"]
    assert "窓口で確認" in item["reasons"][0]["text"]


def test_english_and_easy_japanese(api):
    en = post(api, {**DEATH, "language": "en"}).json()
    assert items(en)["shibou_todoke"]["procedure"]["name"] == "Death registration"
    easy = post(api, {**DEATH, "language": "easy"}).json()
    assert easy["language"] == "easy"
    assert items(easy)["shibou_todoke"]["procedure"]["name"] != items(en)["shibou_todoke"]["procedure"]["name"]


def test_get_returns_the_same_checklist(api):
    created = post(api, DEATH).json()
    r = api.get(f"{URL}{created['token']}/")
    assert r.status_code == 200
    assert r.json() == created


def test_tick_then_rebuild_keeps_ticks_of_items_that_remain(api):
    created = post(api, DEATH).json()
    token = created["token"]
    r = api.patch(f"{URL}{token}/items/shibou_todoke/", {"done": True}, format="json")
    assert r.status_code == 200 and r.json()["done"] is True
    r = api.patch(f"{URL}{token}/items/mishikyu_nenkin/", {"done": True}, format="json")
    assert r.status_code == 200
    answers = {**DEATH["answers"], "deceased_received_pension": False}
    r = api.patch(f"{URL}{token}/", {"answers": answers}, format="json")
    assert r.status_code == 200, r.content
    rebuilt = items(r.json())
    assert rebuilt["shibou_todoke"]["done"] is True
    assert "mishikyu_nenkin" not in rebuilt
    assert all(not i["done"] for k, i in rebuilt.items() if k != "shibou_todoke")
    assert r.json()["token"] == token


def test_untick(api):
    token = post(api, DEATH).json()["token"]
    api.patch(f"{URL}{token}/items/shibou_todoke/", {"done": True}, format="json")
    r = api.patch(f"{URL}{token}/items/shibou_todoke/", {"done": False}, format="json")
    assert r.json()["done"] is False


def test_delete_forgets_at_once(api):
    token = post(api, DEATH).json()["token"]
    assert api.delete(f"{URL}{token}/").status_code == 204
    assert api.get(f"{URL}{token}/").status_code == 404
    assert not Checklist.objects.filter(token=token).exists()


def test_stored_checklists_hold_no_personal_identifiers(api):
    token = post(api, DEATH).json()["token"]
    stored = Checklist.objects.get(token=token)
    assert set(stored.members[0]) <= {"key", "relation", "age", "insurance", "pension_type"}


# --- bad input: 400 naming the field, 404 for tokens, never a 500 --------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**DEATH, "event_date": "2026-02-30"}, "event_date"),
        ({**DEATH, "event_date": 20260101}, "event_date"),
        ({**DEATH, "life_events": ["wedding"]}, "life_events.0"),
        ({**DEATH, "life_events": []}, "life_events"),
        ({**DEATH, "life_events": "death"}, "life_events"),
        ({**DEATH, "language": "fr"}, "language"),
        ({**DEATH, "favourite_colour": "blue"}, "favourite_colour"),
        ({**DEATH, "answers": {"deceased_was_head": "yes"}}, "answers.deceased_was_head"),
        ({**DEATH, "answers": {"shoe_size": 27}}, "answers.shoe_size"),
        ({**DEATH, "answers": {"age": 30}}, "answers.age"),
        ({**DEATH, "answers": []}, "answers"),
        ({**DEATH, "members": [{"relation": "cousin"}]}, "members.0.relation"),
        ({**DEATH, "members": [{"relation": "self", "age": "old"}]}, "members.0.age"),
        ({**DEATH, "members": [{"relation": "self", "age": -3}]}, "members.0.age"),
        ({**DEATH, "members": [{"relation": "self", "age": True}]}, "members.0.age"),
        ({**DEATH, "members": [{"relation": "self", "insurance": "private"}]}, "members.0.insurance"),
        ({**DEATH, "members": [{"relation": "self", "deceased_was_head": True}]}, "members.0.deceased_was_head"),
        (
            {**DEATH, "members": [{"relation": "self", "key": "m1"}, {"relation": "spouse", "key": "m1"}]},
            "members.0.key",
        ),
        ({**DEATH, "members": ["m1"]}, "members.0"),
        ({**DEATH, "members": [{"relation": "self"}] * 21}, "members"),
        ({"event_date": "2026-01-01"}, "life_events"),
        (["death"], "body"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, body, field):
    before = Checklist.objects.count()
    r = post(api, body)
    assert r.status_code == 400, r.content
    errors = r.json()["errors"]
    assert field in errors, errors
    assert all(isinstance(m, str) and m for m in errors[field])
    assert Checklist.objects.count() == before


def test_malformed_json_is_a_400(api):
    r = api.post(URL, '{"life_events": ["death"', content_type="application/json")
    assert r.status_code == 400
    assert "body" in r.json()["errors"]


def test_oversized_body_is_a_400(api):
    r = post(api, {**DEATH, "answers": {"x" * 100_000: 1}})
    assert r.status_code == 400
    assert "larger than" in r.json()["errors"]["body"][0]


def test_wrong_content_type_is_a_4xx(api):
    r = api.post(URL, "life_events=death", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415


@pytest.mark.parametrize("token", ["x" * 43, "short", "../../etc/passwd", "a" * 500, "%00"])
def test_unknown_or_malformed_token_is_a_404_without_hint(api, token):
    for response in (
        api.get(f"{URL}{token}/"),
        api.patch(f"{URL}{token}/", {"answers": {}}, format="json"),
        api.delete(f"{URL}{token}/"),
        api.patch(f"{URL}{token}/items/shibou_todoke/", {"done": True}, format="json"),
    ):
        assert response.status_code == 404
        assert response.json() == {
            "errors": {"detail": ["No checklist at this link: it may be mistyped, expired or deleted."]}
        }


def test_unknown_item_is_a_404(api):
    token = post(api, DEATH).json()["token"]
    assert api.patch(f"{URL}{token}/items/nothing_here/", {"done": True}, format="json").status_code == 404


def test_tick_needs_a_boolean(api):
    token = post(api, DEATH).json()["token"]
    r = api.patch(f"{URL}{token}/items/shibou_todoke/", {"done": "yes"}, format="json")
    assert r.status_code == 400 and "done" in r.json()["errors"]


def test_bad_rebuild_changes_nothing(api):
    created = post(api, DEATH).json()
    token = created["token"]
    api.patch(f"{URL}{token}/items/shibou_todoke/", {"done": True}, format="json")
    r = api.patch(f"{URL}{token}/", {"answers": {"deceased_was_head": 3}}, format="json")
    assert r.status_code == 400 and "answers.deceased_was_head" in r.json()["errors"]
    after = api.get(f"{URL}{token}/").json()
    assert items(after)["shibou_todoke"]["done"] is True
    assert after["answers"] == created["answers"]


def test_an_expired_checklist_is_gone(api):
    from datetime import timedelta

    from django.utils import timezone

    from navi.services import checklists_purge_expired

    token = post(api, DEATH).json()["token"]
    Checklist.objects.filter(token=token).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.get(f"{URL}{token}/").status_code == 404
    assert checklists_purge_expired() == 1
    assert not Checklist.objects.filter(token=token).exists()


# --- the catalogue endpoints -----------------------------------------------------------------------


def test_life_events(api):
    data = api.get("/api/v1/life-events/").json()
    assert [e["code"] for e in data] == ["moving", "birth", "death"]
    assert all(e["name"] and e["description"] for e in data)


def test_questions_are_ordered_and_asked_once_for_combined_events(api):
    data = api.get("/api/v1/questions/", {"life_events": "moving,death", "lang": "en"}).json()
    keys = [q["key"] for q in data]
    assert len(keys) == len(set(keys))
    assert "move_type" in keys and "deceased_was_head" in keys
    age = next(q for q in data if q["key"] == "age")
    assert age["per_member"] is True and age["text"] == "Age"
    moved = next(q for q in data if q["key"] == "moved_in_on")
    assert moved["show_if"] == {"in": [{"var": "move_type"}, ["in_from_other", "within", "abroad_in"]]}


@pytest.mark.parametrize("query", [{"life_events": "wedding"}, {}, {"life_events": "birth", "lang": "fr"}])
def test_questions_bad_query(api, query):
    r = api.get("/api/v1/questions/", query)
    assert r.status_code == 400


def test_procedures_cite_their_law(api):
    data = api.get("/api/v1/procedures/").json()
    assert len(data) >= 15
    assert all(p["legal_basis"] for p in data)
    one = api.get("/api/v1/procedures/shibou_todoke/", {"lang": "en"}).json()
    assert one["legal_basis"][0]["law"] == "koseki_ho"
    assert one["deadline"] == {"days": 7, "from": "event_date", "count_first_day": True, "calendar": "municipality"}
    assert one["applies_if_text"]
    assert api.get("/api/v1/procedures/no_such_thing/").status_code == 404
