"""Benchmarks (python -m bench.checklist_api): production-like, quiet, plus a bare reference view.

DATABASE_URL comes from the environment as everywhere else; the benchmark sets it to a throwaway
database of its own.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-5e0a9d27")

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"

# Quiet: only warnings and errors, so log output costs the measured requests nothing.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
