"""What a checklist item stores and sends, and what the resident page adds to it from the catalogue.

The API's item names its procedure as the contract does; the page shows the procedure's
description, place, hours, fee and full legal basis from the catalogue version the checklist was
built on. Texts that read the same in every checklist are rendered once per catalogue version;
which rules hold, and for whom, is evaluated for every case.
"""

import json
from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from navi.models import Checklist
from navi.services import checklist_render
from procedures.content import read_tree
from procedures.engine.answers import check_case
from procedures.engine.catalogue import Case, CompiledCatalogue
from procedures.scenarios import load_scenario, scenario_files
from procedures.selectors import compiled_catalogue
from procedures.services import catalogue_check

MOVING_IN = {
    "life_events": ["moving"],
    "event_date": "2026-09-08",
    "answers": {"move_type": "in_from_other", "moved_in_on": "2026-09-08", "wants_seal_registration": True},
    "members": [
        {"relation": "self", "age": 41, "insurance": "national", "has_mynumber_card": True},
        {"relation": "child", "age": 4, "insurance": "national"},
    ],
}
CONTRACT_PROCEDURE = {"code", "name", "department", "counter", "office", "online_url"}
SCENARIOS = settings.BASE_DIR / "fixtures" / "scenarios"


def create(body=MOVING_IN) -> dict:
    r = APIClient().post("/api/v1/checklists/", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    return r.json()


@pytest.mark.django_db
def test_the_api_item_names_its_procedure_and_the_page_shows_the_rest_from_the_catalogue(client):
    data = create()
    checklist = Checklist.objects.get(token=data["token"])
    catalogue = compiled_catalogue(checklist.catalogue_version)
    html = client.get(reverse("checklist_pages:detail", args=[data["token"]])).content.decode()
    for item in data["items"]:
        assert set(item["procedure"]) == CONTRACT_PROCEDURE
        assert "legal_basis" not in item
        full = APIClient().get(f"/api/v1/procedures/{item['procedure']['code']}/").json()
        assert {k: full[k] for k in CONTRACT_PROCEDURE} == item["procedure"]
        assert full["description"] in html
        if full["location"]:
            assert full["location"] in html
        for law in full["legal_basis"]:
            assert law["name"] in html and law["article"] in html
            if law["url"]:
                assert f'href="{law["url"]}"' in html
    inkan = next(i for i in data["items"] if i["key"] == "inkan_toroku")
    fee = catalogue.procedure_by_code["inkan_toroku"].data["fee"]
    assert inkan and f"{fee['yen']}円" in html and fee["note"]["ja"] in html


def case_of(catalogue, path) -> Case:
    story = load_scenario(path)
    errors, members = check_case(catalogue, life_events=story.life_events, answers=story.answers, members=story.members)
    assert not errors, errors
    return Case(
        life_events=tuple(story.life_events),
        event_date=date.fromisoformat(story.event_date),
        answers=story.answers,
        members=members,
    )


def test_texts_rendered_once_per_catalogue_read_as_rendered_afresh_for_every_case():
    """One catalogue renders every story in turn (its texts cached by then); each story on a
    catalogue compiled just for it gives the same items, reasons (for whom included) and documents."""
    shared = catalogue_check(source=read_tree(settings.CATALOGUE_DIR))
    paths = scenario_files(SCENARIOS)
    assert len(paths) > 10
    whom = 0
    for path in paths + paths[::-1]:  # and again in the other order, every text cached
        fresh = CompiledCatalogue(shared.doc)
        case = case_of(shared, path)
        for lang in ("ja", "en", "easy"):
            got = checklist_render(catalogue=shared, case=case, language=lang)
            want = checklist_render(catalogue=fresh, case=case, language=lang)
            assert got == want, (path.stem, lang)
            whom += sum(
                r["text"].endswith(("）", ")")) for i in got["items"] for r in json.loads(i["content"])["reasons"]
            )
    assert whom, "some reasons say for whom a household condition held"


@pytest.mark.django_db
def test_a_read_gives_the_items_in_order_with_their_ticks():
    data = create()
    api = APIClient()
    keys = [i["key"] for i in data["items"]]
    ticked = {keys[0], keys[-1]}
    for key in ticked:
        r = api.patch(f"/api/v1/checklists/{data['token']}/items/{key}/", {"done": True}, format="json")
        assert r.status_code == 200 and r.json() == {**next(i for i in data["items"] if i["key"] == key), "done": True}
    got = api.get(f"/api/v1/checklists/{data['token']}/").json()["items"]
    assert [i["key"] for i in got] == keys
    assert {i["key"] for i in got if i["done"]} == ticked
    assert [{**i, "done": False} for i in got] == data["items"]


@pytest.mark.django_db
def test_a_checklist_without_items_reads_as_an_empty_list():
    data = create()
    Checklist.objects.filter(token=data["token"]).update(items="")
    r = APIClient().get(f"/api/v1/checklists/{data['token']}/")
    assert r.status_code == 200 and r.json()["items"] == []
