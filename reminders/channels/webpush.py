"""Web Push (RFC 8030/8291/8292) with pywebpush: VAPID from settings, a stable Topic per message."""

from __future__ import annotations

import json

import requests
from django.conf import settings
from pywebpush import WebPushException, webpush

from .. import vault
from . import Permanent, Temporary

TTL = 24 * 3600  # a reminder a day late is not worth showing


def send(*, subscription: dict, letter) -> None:
    try:
        webpush(
            subscription_info=subscription,
            data=json.dumps(letter.push, ensure_ascii=False),
            vapid_private_key=vault.vapid(),
            vapid_claims={"sub": settings.REMINDERS_VAPID_SUBJECT},
            ttl=TTL,
            headers={"Topic": letter.topic, "Urgency": "normal"},
            timeout=10,
        )
    except WebPushException as exc:
        code = exc.response.status_code if exc.response is not None else None
        if code in (404, 410):
            raise Permanent(f"push {code}: subscription gone", gone=True) from exc
        if code is not None and 400 <= code < 500 and code != 429:
            raise Permanent(f"push {code}") from exc
        raise Temporary(f"push {code}") from exc
    except requests.RequestException as exc:
        raise Temporary(f"push {type(exc).__name__}") from exc
