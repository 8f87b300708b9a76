"""The shipped catalogue as a whole: traceable to the law, complete, and proven by stories."""

import json
import re

import pytest
from django.conf import settings
from django.core.management import call_command

from procedures.content import read_tree
from procedures.scenarios import coverage, load_scenario, scenario_files
from procedures.services import catalogue_check

ARTICLE = re.compile(r"^(附則)?第[0-9０-９]+条")
SCENARIOS = settings.BASE_DIR / "fixtures" / "scenarios"


@pytest.fixture(scope="module")
def source():
    return read_tree(settings.CATALOGUE_DIR)


@pytest.fixture(scope="module")
def catalogue(source):
    return catalogue_check(source=source)


def test_every_citation_resolves_to_a_law_with_its_number(source):
    laws = {law["key"]: law for law in source.laws}
    for p in source.procedures:
        assert p["legal_basis"], p["code"]
        for cite in p["legal_basis"]:
            law = laws[cite["law"]]
            assert law["number"] and ARTICLE.match(cite["article"]), (p["code"], cite)
    assert all(isinstance(law["verified"], bool) for law in source.laws)


def test_every_procedure_says_its_rule_in_a_line(source):
    assert all(p["rationale"].strip() for p in source.procedures)


def test_the_catalogue_is_the_size_of_a_city_halls_list(catalogue):
    assert len(catalogue.procedures) >= 60
    assert len(catalogue.questions) >= 25
    assert len(scenario_files(SCENARIOS)) >= 25


def test_every_procedure_is_required_in_some_story_and_checks_are_shown(catalogue):
    covered = coverage(catalogue, SCENARIOS)
    codes = {p.code for p in catalogue.procedures}
    assert codes - covered["required"] == set()
    assert covered["check"], "some story shows an unanswered question's check path"


def test_every_life_event_has_stories():
    events = {e for path in scenario_files(SCENARIOS) for e in load_scenario(path).life_events}
    assert events == {"moving", "birth", "death"}


def test_catalogue_stats_prints_the_counts(capsys):
    call_command("catalogue_stats")
    stats = json.loads(capsys.readouterr().out)
    assert stats["procedures"] >= 60 and stats["scenarios"] >= 25
    assert stats["procedures_not_required_in_any_scenario"] == []
    assert stats["citations"] >= stats["procedures"]


def _texts(node, path=""):
    """Every {ja, en, easy} text in a part of the catalogue, with where it is."""
    if isinstance(node, dict):
        if set(node) == {"ja", "en", "easy"}:
            yield path, node
            return
        for key, value in node.items():
            if not str(key).startswith("_"):
                yield from _texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{path}.{i}")


def catalogue_texts(source):
    for part in ("laws", "life_events", "offices", "questions", "procedures", "municipalities"):
        yield from _texts(getattr(source, part), part)


def test_every_text_is_translated_not_copied(source):
    """English and やさしい日本語 are there (the loader requires them) and are not the Japanese copied over."""
    texts = list(catalogue_texts(source))
    assert len(texts) > 500
    kanji = re.compile(r"[\u3400-\u9fff]")
    copied = [
        (where, t["ja"]) for where, t in texts if t["en"] == t["ja"] or (t["easy"] == t["ja"] and kanji.search(t["ja"]))
    ]
    assert not copied, copied


def test_every_kanji_in_easy_texts_gets_a_reading(source):
    """A term kept in kanji in やさしい日本語 is one the analyser (or fixtures/readings.yaml) can read."""
    from navi.furigana import ruby_html

    unread = []
    for where, t in catalogue_texts(source):
        outside_ruby = re.sub(r"<ruby>.*?</ruby>", "", ruby_html(t["easy"]))
        if re.search(r"[\u3400-\u9fff々]", outside_ruby):
            unread.append((where, t["easy"]))
    assert not unread, f"add a reading to fixtures/readings.yaml: {unread}"
