def pytest_configure(config):
    config.addinivalue_line("markers", "browser: a real-browser test against live_server (runs last)")


def pytest_collection_modifyitems(session, config, items):
    """Browser tests use live_server, whose transactional_db empties the database afterwards,
    catalogue included (tests/conftest.py loads it once per session): so they run last."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
