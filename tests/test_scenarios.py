"""Every story in fixtures/scenarios/ builds exactly the checklist it expects."""

import pytest
from django.conf import settings

from procedures.content import read_tree
from procedures.scenarios import run_scenario, scenario_files
from procedures.services import catalogue_check

SCENARIOS = settings.BASE_DIR / "fixtures" / "scenarios"


@pytest.fixture(scope="module")
def catalogue():
    return catalogue_check(source=read_tree(settings.CATALOGUE_DIR))


def test_there_are_stories():
    assert scenario_files(SCENARIOS)


@pytest.mark.parametrize("path", scenario_files(SCENARIOS), ids=lambda p: p.stem)
def test_scenario(catalogue, path):
    outcome = run_scenario(catalogue, path)
    if outcome.problems:
        pytest.fail(outcome.report(), pytrace=False)
