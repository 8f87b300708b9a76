"""Pages go compressed to browsers that accept it: the checklist page stays far under 60 KB sent."""

import gzip
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from test_c_checklist_page import family

pytestmark = pytest.mark.django_db


def test_the_checklist_page_is_sent_gzipped_with_its_one_stylesheet_under_60_kb(client):
    token = family().token
    plain = client.get(f"/c/{token}/")
    packed = client.get(f"/c/{token}/", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content).decode().count('<li class="item') == plain.content.decode().count(
        '<li class="item'
    )
    (href,) = re.findall(r'<link rel="stylesheet" href="/static/([^"]+)">', plain.content.decode())
    css = gzip.compress(Path(finders.find(href)).read_bytes())
    assert len(packed.content) + len(css) <= 60 * 1024


def test_the_api_json_is_left_uncompressed(client):
    r = client.get("/api/v1/life-events/", HTTP_ACCEPT_ENCODING="gzip")
    assert r.status_code == 200 and "Content-Encoding" not in r and r.json()
