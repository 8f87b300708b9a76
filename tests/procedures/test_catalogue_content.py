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
