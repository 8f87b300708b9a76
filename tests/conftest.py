import os

import pytest


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test counts as a failure: nothing the issues ask for may quietly not run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line("CI: skipped tests are not allowed", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The shipped catalogue, loaded once into the test database for every test."""
    from django.conf import settings

    from procedures.services import catalogue_load

    with django_db_blocker.unblock():
        catalogue_load(path=settings.CATALOGUE_DIR)


@pytest.fixture
def catalogue_dir(tmp_path):
    """A writable copy of the shipped catalogue, to break on purpose."""
    import shutil

    from django.conf import settings

    target = tmp_path / "catalogue"
    shutil.copytree(settings.CATALOGUE_DIR, target)
    return target


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: a real-browser test against live_server (runs last)")


def pytest_collection_modifyitems(session, config, items):
    """Browser tests use live_server, whose transactional_db empties the database afterwards,
    catalogue included (django_db_setup above loads it once per session): so they run last."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
