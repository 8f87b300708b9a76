"""Production settings, run as production runs them: in a fresh process from the environment alone."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent.parent

# A request through the proxy (X-Forwarded-Proto: https) and one that bypassed it, in production.
PROBE = """
import json
from django.test import Client
c = Client()
plain = c.get("/api/docs/")
health = c.get("/health/")
tls = c.get("/api/docs/", headers={"X-Forwarded-Proto": "https"})
login = c.get("/admin/login/", headers={"X-Forwarded-Proto": "https"})
cookie = login.cookies["__Host-navi_csrftoken"]
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "health": health.status_code,
    "tls": [tls.status_code, tls.get("Strict-Transport-Security")],
    "cookie": {"secure": cookie["secure"], "httponly": cookie["httponly"], "samesite": cookie["samesite"], "path": cookie["path"]},
}))
"""


def production_env(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": "postgres://navi@127.0.0.1:5432/navi",
            "ALLOWED_HOSTS": "navi.example.jp",
            "REMINDERS_FERNET_KEYS": Fernet.generate_key().decode(),
            "REMINDERS_VAPID_PRIVATE_KEY": "Jl5sz2ZV7gOEG-onK7YKUunH1dpFF1tBCQxm_axFqAA",
            "REMINDERS_VAPID_SUBJECT": "mailto:navi@example.jp",
        }
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_prints_no_warning():
    done = manage(production_env(), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNING" not in done.stderr and "WARNINGS" not in done.stdout


def test_a_missing_secret_key_refuses_to_start_with_a_clear_message():
    done = manage(production_env(SECRET_KEY=None), "check")
    assert done.returncode != 0
    assert "ImproperlyConfigured: Set the SECRET_KEY environment variable" in done.stderr


def test_https_only_behind_the_proxy_with_hsts_and_host_only_cookies():
    done = manage(production_env(ALLOWED_HOSTS="testserver"), "shell", "-c", PROBE)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://testserver/api/docs/"]
    assert seen["health"] == 200  # the platform's probe inside the network is not redirected
    assert seen["tls"] == [200, "max-age=31536000; includeSubDomains; preload"]
    assert seen["cookie"] == {"secure": True, "httponly": True, "samesite": "Lax", "path": "/"}
