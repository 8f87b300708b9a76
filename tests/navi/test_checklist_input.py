"""POST's plain-body path (navi.api.checklist_input_plain) gives what ChecklistInput gives, or defers to it."""

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from navi.api import ChecklistInput, checklist_input_plain

PLAIN = {
    "life_events": ["moving"],
    "event_date": "2026-12-04",
    "answers": {"move_type": "in_from_other", "moved_in_on": "2026-12-04", "wants_seal_registration": True},
    "members": [{"relation": "self", "age": 41}, {"relation": "child", "age": 4}],
    "language": "ja",
}


def serializer_data(body):
    """ChecklistInput's verdict: its validated data as a plain dict, or None if it refuses the body."""
    data = ChecklistInput(data=body)
    return dict(data.validated_data) if data.is_valid() else None


def test_a_plain_body_takes_the_plain_path_with_the_serializers_data():
    got = checklist_input_plain(json.loads(json.dumps(PLAIN)))
    assert got is not None
    assert got == serializer_data(PLAIN)
    assert str(got["event_date"]) == "2026-12-04"


def test_defaults_are_the_serializers():
    body = {"life_events": ["birth", "moving"], "event_date": "2026-04-20"}
    got = checklist_input_plain(body)
    assert got == {"life_events": ["birth", "moving"], "event_date": date(2026, 4, 20), "answers": {}, "members": [],
                   "language": "ja"}  # fmt: skip
    assert got == serializer_data(body)


def test_what_is_out_of_the_plain_way_goes_to_the_serializer():
    for body in (
        [],
        {**PLAIN, "extra": 1},
        {**PLAIN, "life_events": []},
        {**PLAIN, "life_events": ["moving", "moving"]},
        {**PLAIN, "life_events": [" moving"]},
        {**PLAIN, "life_events": [7]},
        {**PLAIN, "event_date": "2026-02-30"},
        {**PLAIN, "event_date": "20261204"},
        {**PLAIN, "event_date": "1899-12-31"},
        {**PLAIN, "answers": []},
        {**PLAIN, "members": [None]},
        {**PLAIN, "members": [{}] * 51},
        {**PLAIN, "language": "fr"},
        {k: v for k, v in PLAIN.items() if k != "event_date"},
    ):
        assert checklist_input_plain(body) is None, body


codes = st.one_of(
    st.sampled_from(["moving", "birth", "death", "Moving-2", "a" * 64, "a" * 65, "", " moving", "moving ", "転入"]),
    st.text(max_size=8),
    st.integers(),
    st.none(),
    st.booleans(),
)
dates = st.one_of(
    st.dates(min_value=date(1800, 1, 1)).map(str),
    st.sampled_from(["2026-02-29", "2028-02-29", "2026-13-01", "20261204", "2026-W49-5", "2026-1-5", "", " 2026-12-04"]),
    st.text(max_size=12),
    st.integers(),
    st.none(),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
plain_codes = st.sampled_from(["moving", "birth", "death", "Moving-2", "a_b", "a" * 64])
plain_values = {
    "life_events": st.lists(plain_codes, min_size=1, max_size=3, unique=True),
    "event_date": st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)).map(str),
    "answers": st.dictionaries(st.text(max_size=6), json_values, max_size=4),
    "members": st.lists(st.dictionaries(st.text(max_size=6), json_values, max_size=3), max_size=4),
    "language": st.sampled_from(["ja", "en", "easy"]),
}
odd_values = {
    "life_events": st.one_of(st.lists(codes, max_size=4), codes, st.dictionaries(st.text(max_size=3), codes)),
    "event_date": dates,
    "answers": json_values,
    "members": st.one_of(
        st.lists(st.one_of(st.dictionaries(st.text(max_size=6), json_values, max_size=3), json_values), max_size=4),
        st.lists(st.just({"relation": "self"}), min_size=49, max_size=52),
        json_values,
    ),
    "language": st.one_of(st.sampled_from(["fr", "", "JA", " ja"]), json_values),
}


@st.composite
def bodies(draw):
    """Mostly plain bodies, each field now and then left out or written some other way."""
    body = {}
    for name in plain_values:
        way = draw(st.sampled_from(["plain"] * 6 + ["odd", "absent"]))
        if way != "absent":
            body[name] = draw(plain_values[name] if way == "plain" else odd_values[name])
    if draw(st.integers(0, 9)) == 0:
        body["extra"] = draw(json_values)
    return body


@settings(max_examples=3000, derandomize=True, deadline=None)
@given(bodies())
def test_the_plain_path_agrees_with_the_serializer(body):
    body = json.loads(json.dumps(body))  # as a parsed request body
    plain = checklist_input_plain(body)
    if plain is not None:
        assert plain == serializer_data(body)
