"""The test suite: PostgreSQL and Redis as in production (DATABASE_URL / REDIS_URL from the environment)."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret-2b9d4c61")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/navi")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = False
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
