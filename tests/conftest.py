import os

import pytest


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test counts as a failure: nothing the issues ask for may quietly not run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line("CI: skipped tests are not allowed", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
