"""New keys for production: `python -m reminders.keys fernet` or `python -m reminders.keys vapid`.

fernet: a key for REMINDERS_FERNET_KEYS (put the new one first to rotate; keep the old ones after
it until every contact has been rewritten or has gone). vapid: a P-256 private key for
REMINDERS_VAPID_PRIVATE_KEY (raw, base64url); changing it ends every browser's subscription.
"""

import base64
import sys

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import ec


def fernet_key() -> str:
    return Fernet.generate_key().decode()


def vapid_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return base64.urlsafe_b64encode(key.private_numbers().private_value.to_bytes(32, "big")).rstrip(b"=").decode()


if __name__ == "__main__":
    kinds = {"fernet": fernet_key, "vapid": vapid_key}
    if len(sys.argv) != 2 or sys.argv[1] not in kinds:
        sys.exit("usage: python -m reminders.keys fernet|vapid")
    print(kinds[sys.argv[1]]())
