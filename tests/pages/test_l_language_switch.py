"""The language switch on the checklist pages rebuilds the list in the chosen language."""

import json

import pytest
from django.urls import reverse
from django.utils.html import escape
from test_c_checklist_page import family, items, page, url

from navi.models import Checklist

pytestmark = pytest.mark.django_db


def test_the_language_switch_rebuilds_the_checklist_in_that_language_keeping_ticks(client):
    view = family(language="ja")
    first = items(view.token)[0]
    client.post(reverse("checklist_pages:item_done", args=[view.token, first.key]), {"done": "1"})
    html = page(client, view.token)
    switch = reverse("checklist_pages:language", args=[view.token])
    assert f'<form class="language" action="{switch}" method="post">' in html
    r = client.post(switch, {"language": "en", "next": url(view.token)})
    assert r.status_code == 302 and r["Location"] == url(view.token)
    assert r.cookies["django_language"].value == "en"
    assert Checklist.objects.get(token=view.token).language == "en"
    html = page(client, view.token)
    assert '<html lang="en">' in html and "Your procedure checklist" in html
    rebuilt = next(i for i in items(view.token) if i.key == first.key)
    assert rebuilt.done  # the tick is kept
    name = json.loads(rebuilt.content)["procedure"]["name"]
    assert name.isascii() and escape(name) in html
    r = client.post(switch, {"language": "ja-easy", "next": "https://elsewhere.example/"})
    assert r["Location"] == url(view.token)
    assert Checklist.objects.get(token=view.token).language == "easy"


def test_the_language_switch_refuses_bad_input(client):
    view = family()
    switch = reverse("checklist_pages:language", args=[view.token])
    assert client.post(switch, {"language": "fr"}).status_code == 400
    assert client.get(switch).status_code == 405
    assert Checklist.objects.get(token=view.token).language == "ja"
    r = client.post(reverse("checklist_pages:language", args=["unknown"]), {"language": "en"})
    assert r.status_code == 404 and '<html lang="en">' in r.content.decode()
