"""The API's renderer writes the bytes DRF's JSONRenderer would, faster; Fragments go through as they are."""

from datetime import UTC, date, datetime

import orjson
import pytest
from rest_framework.renderers import JSONRenderer

from navi.renderers import ORJSONRenderer

CASES = [
    {"ascii": "plain", "n": 1, "ok": True, "none": None},
    {"ja": "転入届（みらい市）", "en": "You have not answered “age”…"},  # U+201C, U+2026: \xe2\x80, no separator
    {"text": "one\u2028two\u2029three", "list": ["\u2028"]},
    {"day": date(2026, 9, 24), "at": datetime(2026, 9, 8, 1, 2, 3, tzinfo=UTC)},
]


@pytest.mark.parametrize("data", CASES)
def test_the_bytes_are_those_drf_writes(data):
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)


def test_line_separators_in_stored_json_are_escaped_too():
    stored = orjson.dumps({"reason": "a\u2028b"}).decode()
    out = ORJSONRenderer().render({"items": [orjson.Fragment(stored)]})
    assert out == b'{"items":[{"reason":"a\\u2028b"}]}'
    assert orjson.loads(out) == {"items": [{"reason": "a\u2028b"}]}
