"""A fixed number of queries per request, whatever the number of items (the API stays fast as the catalogue grows)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

SMALL = {
    "life_events": ["birth"],
    "event_date": "2026-04-20",
    "members": [{"relation": "child", "age": 0}],
}
LARGE = {
    "life_events": ["moving", "death"],
    "event_date": "2026-04-20",
    "answers": {
        "move_type": "in_from_other",
        "moved_in_on": "2026-04-20",
        "wants_seal_registration": True,
        "deceased_was_head": True,
        "deceased_received_pension": True,
        "deceased_filed_tax_return": True,
        "considering_renunciation": True,
        "estate_may_exceed_exemption": True,
    },
    "members": [
        {"relation": "deceased", "age": 58, "insurance": "national", "pension_type": "category2"},
        {
            "relation": "self",
            "age": 55,
            "insurance": "national",
            "pension_type": "category3",
            "has_mynumber_card": True,
        },
        {
            "relation": "child",
            "age": 25,
            "insurance": "national",
            "pension_type": "category3",
            "has_mynumber_card": True,
        },
        {"relation": "child", "age": 10, "insurance": "national", "has_mynumber_card": True},
    ],
}


@pytest.fixture
def api():
    client = APIClient()
    # Warm the per-process cache of compiled rules, as a running server has it.
    client.post("/api/v1/checklists/", json.dumps(SMALL), content_type="application/json")
    return client


def count(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    return response, len(ctx.captured_queries)


@pytest.mark.parametrize("method", ["post", "get", "patch_item", "patch"])
def test_query_count_does_not_grow_with_the_items(api, method):
    def run(body):
        if method == "post":
            return api.post("/api/v1/checklists/", json.dumps(body), content_type="application/json")
        token = api.post("/api/v1/checklists/", json.dumps(body), content_type="application/json").json()["token"]
        first_key = api.get(f"/api/v1/checklists/{token}/").json()["items"][0]["key"]
        if method == "get":
            return lambda: api.get(f"/api/v1/checklists/{token}/")
        if method == "patch_item":
            return lambda: api.patch(f"/api/v1/checklists/{token}/items/{first_key}/", {"done": True}, format="json")
        return lambda: api.patch(f"/api/v1/checklists/{token}/", {"language": "en"}, format="json")

    def measure(body):
        if method == "post":
            return count(lambda: run(body))
        return count(run(body))

    small, small_queries = measure(SMALL)
    large, large_queries = measure(LARGE)
    assert small.status_code in (200, 201) and large.status_code in (200, 201)
    if method != "patch_item":
        assert len(large.json()["items"]) >= 3 * len(small.json()["items"])
    assert small_queries == large_queries, (small_queries, large_queries)


def test_post_and_get_query_budget(api, django_assert_num_queries):
    # POST: one statement writing the checklist and all its items, if the version this process
    # found in force today (the warm-up's) still is; the response is built from what was written.
    # GET: the checklist row, its items and ticks in it.
    with django_assert_num_queries(1):
        r = api.post("/api/v1/checklists/", json.dumps(LARGE), content_type="application/json")
    assert r.status_code == 201
    with django_assert_num_queries(1):
        assert api.get(f"/api/v1/checklists/{r.json()['token']}/").status_code == 200
