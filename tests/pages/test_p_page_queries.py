"""A fixed, small number of queries per resident page, whatever the number of items or members."""

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pages.test_q_journey import CHECK, begin, q, walk

from navi.services import checklist_create

pytestmark = pytest.mark.django_db

SMALL = {
    "life_events": ["birth"],
    "event_date": date(2026, 4, 20),
    "answers": {},
    "members": [{"relation": "child", "age": 0}],
}
LARGE = {
    "life_events": ["moving", "death"],
    "event_date": date(2026, 4, 20),
    "answers": {"move_type": "in_from_other", "moved_in_on": "2026-04-20", "deceased_was_head": True},
    "members": [
        {"relation": "deceased", "age": 58, "insurance": "national", "pension_type": "category2"},
        {"relation": "self", "age": 55, "insurance": "national", "has_mynumber_card": True},
        {"relation": "child", "age": 25, "insurance": "national", "has_mynumber_card": True},
        {"relation": "child", "age": 10, "insurance": "national", "has_mynumber_card": True},
    ],
}


def queries(fn):
    """The statements a request runs. The funnel's insert runs in a savepoint when the request is
    inside a transaction, as every test is (pytest-django); on a server (no ATOMIC_REQUESTS) it is
    the insert alone, so savepoints are left out here."""
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code in (200, 302), response.status_code
    return [c["sql"] for c in ctx.captured_queries if "SAVEPOINT" not in c["sql"]]


@pytest.fixture
def warm(client):
    """The per-process caches (version in force, compiled rules) warm, as on a running server."""
    token = checklist_create(**SMALL).token
    client.get(f"/c/{token}/")
    return client


def test_the_checklist_page_reads_the_checklist_and_its_version(warm, django_assert_num_queries):
    small = checklist_create(**SMALL)
    large = checklist_create(**LARGE)
    assert len(json.loads(large.items)) >= 3 * len(json.loads(small.items))
    with django_assert_num_queries(2):  # the checklist row (its items and ticks in it), its catalogue version
        html = warm.get(f"/c/{large.token}/").content.decode()
    assert html.count('class="item-tick"') == len(json.loads(large.items))
    assert len(queries(lambda: warm.get(f"/c/{small.token}/"))) == 2


def test_ticking_is_a_fixed_number_of_queries(warm):
    small = checklist_create(**SMALL)
    large = checklist_create(**LARGE)
    key_small, key_large = json.loads(small.items)[0]["key"], json.loads(large.items)[0]["key"]

    def tick(view, key):
        return lambda: warm.post(f"/c/{view.token}/items/{key}/", {"done": "1"})

    s = queries(tick(small, key_small))
    big = queries(tick(large, key_large))
    # the checklist, its items and ticks locked for the tick, the ticks' update, the funnel event
    assert len(s) == len(big) == 4, big
    assert big[-1].startswith("INSERT INTO navi_journeyevent")


def test_a_question_page_does_not_grow_with_the_household(client, warm):
    begin(client, members=(("self", 40),))
    one = len(queries(lambda: client.get(q("move_type"))))
    other = type(client)()
    begin(other, members=(("self", 40), ("spouse", 38), ("child", 9), ("child", 3)))
    four = len(queries(lambda: other.get(q("move_type"))))
    assert one == four == 3  # the session, the catalogue in force, the funnel event
    walk(client, q("move_type"), {"move_type": "within"})
    assert len(queries(lambda: client.get(CHECK))) == 3


def test_the_revising_check_page_does_not_grow_with_the_items(warm):
    small = checklist_create(**SMALL)
    large = checklist_create(**LARGE)

    def check_page(view):
        client = type(warm)()
        client.post(f"/c/{view.token}/revise/")
        return len(queries(lambda: client.get(CHECK)))

    # the session, the checklist (its items in its row), the catalogue in force (for the page, then
    # for the rebuild's preview); no funnel event while revising
    assert check_page(small) == check_page(large) == 4
