"""Contacts encrypted at rest: Fernet with the keys from settings (the first encrypts; all decrypt)."""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(plain: str) -> bytes:
    return _fernet(tuple(settings.REMINDERS_FERNET_KEYS)).encrypt(plain.encode())


def decrypt(token: bytes | memoryview) -> str:
    return _fernet(tuple(settings.REMINDERS_FERNET_KEYS)).decrypt(bytes(token)).decode()


def email_hint(address: str) -> str:
    """What a page may show of an address: its first letter and its domain."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"[:40]


@functools.cache
def _vapid(private_key: str) -> Vapid:
    return Vapid.from_string(private_key=private_key)


def vapid() -> Vapid:
    return _vapid(settings.REMINDERS_VAPID_PRIVATE_KEY)


def vapid_public_key() -> str:
    """The applicationServerKey a browser subscribes with: the uncompressed point, base64url."""
    raw = vapid().public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
