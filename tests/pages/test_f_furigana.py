"""ふりがな on the やさしい日本語 pages: catalogue texts that keep a kanji term get its reading in <ruby>."""

import re

import pytest
from django.utils import timezone

from navi.services import checklist_create

pytestmark = pytest.mark.django_db

HEAD_DIED = {
    "life_events": ["death"],
    "answers": {"deceased_was_head": True},
    "members": [
        {"relation": "deceased", "age": 80, "insurance": "late_elderly", "pension_type": "none"},
        {"relation": "self", "age": 52, "insurance": "employee", "pension_type": "category2"},
        {"relation": "spouse", "age": 50, "insurance": "employee", "pension_type": "category2"},
    ],
}
SETAINUSHI = "<ruby>世帯主<rt>せたいぬし</rt></ruby>"


def checklist(language):
    return checklist_create(event_date=timezone.localdate(), language=language, **HEAD_DIED)


def test_the_easy_checklist_has_ruby_over_kanji_terms(client):
    html = client.get(f"/c/{checklist('easy').token}/").content.decode()
    assert f"{SETAINUSHI}を かえる とどけ" in html  # the procedure's name, with the author's reading
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "<ruby>" not in title


@pytest.mark.parametrize("language", ["ja", "en"])
def test_other_languages_have_no_ruby(client, language):
    html = client.get(f"/c/{checklist(language).token}/").content.decode()
    assert "<ruby>" not in html


def test_the_easy_question_page_has_ruby_in_the_question(client):
    client.cookies["django_language"] = "ja-easy"
    client.post("/", {"life_events": ["death"], "event_date": timezone.localdate().isoformat()})
    client.post("/household/", {"action": "add", "relation": "deceased", "age": "80"})
    client.post("/household/", {"action": "add", "relation": "self", "age": "52"})
    html = client.get("/questions/deceased_was_head/").content.decode()
    assert f"なくなった ひとは <ruby>住民票<rt>じゅうみんひょう</rt></ruby>の {SETAINUSHI} でしたか" in html
    client.cookies["django_language"] = "ja"
    assert "<ruby>" not in client.get("/questions/deceased_was_head/").content.decode()
