"""Email: plain text and HTML, a stable Message-ID, RFC 8058 one-click unsubscribe."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from . import Permanent, Temporary


def send(*, to: str, letter) -> None:
    headers = {"Message-ID": letter.message_id, "Auto-Submitted": "auto-generated"}
    if letter.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{letter.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail = EmailMultiAlternatives(letter.subject, letter.text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers)
    mail.attach_alternative(letter.html, "text/html")
    try:
        mail.send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        _raise(min(codes) if codes else 550, "recipient refused")
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused, …
        _raise(exc.smtp_code, "server refused")
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:  # not reached, disconnected
        raise Temporary(f"SMTP {type(exc).__name__}") from exc


def _raise(code: int, what: str):
    # The server's text may quote the address: only the code is kept.
    if 500 <= code < 600:
        raise Permanent(f"SMTP {code} {what}")
    raise Temporary(f"SMTP {code} {what}")
