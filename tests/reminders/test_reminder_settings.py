"""Production refuses to start without its own reminder keys; development and tests have safe defaults."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "deploy"))
from test_deploy_check import manage, production_env  # noqa: E402


@pytest.mark.parametrize("name", ["REMINDERS_FERNET_KEYS", "REMINDERS_VAPID_PRIVATE_KEY", "REMINDERS_VAPID_SUBJECT"])
def test_production_requires_the_reminder_keys(name):
    done = manage(production_env(**{name: None}), "check")
    assert done.returncode != 0
    assert f"ImproperlyConfigured: Set the {name} environment variable" in done.stderr


def test_the_key_helper_makes_keys_that_work():
    from cryptography.fernet import Fernet
    from py_vapid import Vapid

    out = {
        kind: subprocess.run(
            [sys.executable, "-m", "reminders.keys", kind], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        for kind in ("fernet", "vapid")
    }
    assert Fernet(out["fernet"]).decrypt(Fernet(out["fernet"]).encrypt(b"x")) == b"x"
    assert Vapid.from_string(private_key=out["vapid"]).public_key is not None
