"""Email: plain text and HTML, a stable Message-ID, RFC 8058 one-click unsubscribe.

Each worker process keeps its SMTP connection open between messages (a connection, EHLO and
QUIT per message would cost more than the message); one the server has dropped is opened again.
"""

from __future__ import annotations

import contextlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from . import Permanent, Temporary

_connections: dict[tuple, object] = {}


def _connection():
    key = (settings.EMAIL_BACKEND, getattr(settings, "EMAIL_HOST", None), getattr(settings, "EMAIL_PORT", None))
    connection = _connections.get(key)
    if connection is None:
        _connections.clear()
        connection = _connections[key] = get_connection(fail_silently=False)
    return connection


def send(*, to: str, letter) -> None:
    headers = {"Message-ID": letter.message_id, "Auto-Submitted": "auto-generated"}
    if letter.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{letter.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail = EmailMultiAlternatives(letter.subject, letter.text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers)
    mail.attach_alternative(letter.html, "text/html")
    try:
        _send(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        _raise(min(codes) if codes else 550, "recipient refused")
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused, …
        _raise(exc.smtp_code, "server refused")
    except (smtplib.SMTPException, OSError) as exc:  # not reached, disconnected
        _forget()
        raise Temporary(f"SMTP {type(exc).__name__}") from exc


def _send(mail) -> None:
    connection = _connection()
    try:
        connection.open()  # kept open: send_messages closes only a connection it opened itself
        connection.send_messages([mail])
    except smtplib.SMTPServerDisconnected:  # dropped while idle: once more on a new connection
        _forget()
        connection = _connection()
        connection.open()
        connection.send_messages([mail])


def _forget() -> None:
    for connection in _connections.values():
        with contextlib.suppress(Exception):  # a broken connection may fail to close: dropped anyway
            connection.close()
    _connections.clear()


def _raise(code: int, what: str):
    # The server's text may quote the address: only the code is kept.
    if 500 <= code < 600:
        raise Permanent(f"SMTP {code} {what}")
    raise Temporary(f"SMTP {code} {what}")
