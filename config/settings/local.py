"""A developer's machine and the quick start: debug on, a throwaway key unless one is set."""

import os

os.environ.setdefault("SECRET_KEY", "local-only-not-secret-8c1f0e7a")
os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403
from .base import env

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
