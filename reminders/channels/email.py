"""Email: plain text and HTML, a stable Message-ID, RFC 8058 one-click unsubscribe.

Each worker process keeps its SMTP connection open between messages (a connection, EHLO and
QUIT per message would cost more than the message); one the server has dropped is opened again.

With the SMTP backend the message is written here as bytes, the way Django's EmailMultiAlternatives
writes it (multipart/alternative, UTF-8 parts in 8bit declared with BODY=8BITMIME, quoted-printable
for a line too long for SMTP or a server without 8BITMIME, RFC 2047 headers): the email package's
generic header folding cost more than the rest of a send. Any other backend (the console of the
quick start) gets an EmailMultiAlternatives.
"""

from __future__ import annotations

import binascii
import contextlib
import functools
import re
import secrets
import smtplib
from email.header import Header
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address

from . import Permanent, Temporary

_connections: dict[tuple, object] = {}
LINE_LIMIT = 998  # RFC 5322, without the CRLF
LEADING_DOT = re.compile(rb"(?m)^\.")  # doubled in DATA (RFC 5321 4.5.2), as smtplib does


def _connection():
    key = (settings.EMAIL_BACKEND, getattr(settings, "EMAIL_HOST", None), getattr(settings, "EMAIL_PORT", None))
    connection = _connections.get(key)
    if connection is None:
        _connections.clear()
        connection = _connections[key] = get_connection(fail_silently=False)
    return connection


def headers_for(letter) -> dict[str, str]:
    headers = {"Message-ID": letter.message_id, "Auto-Submitted": "auto-generated"}
    if letter.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{letter.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def send(*, to: str, letter) -> None:
    try:
        _send(to, letter)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        _raise(min(codes) if codes else 550, "recipient refused")
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused, …
        _raise(exc.smtp_code, "server refused")
    except (smtplib.SMTPException, OSError) as exc:  # not reached, disconnected
        _forget()
        raise Temporary(f"SMTP {type(exc).__name__}") from exc


def _send(to: str, letter) -> None:
    connection = _connection()
    if not isinstance(connection, SmtpBackend):
        mail = EmailMultiAlternatives(
            letter.subject, letter.text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers_for(letter)
        )
        mail.attach_alternative(letter.html, "text/html")
        connection.send_messages([mail])
        return
    sender, recipient = _sender(settings.DEFAULT_FROM_EMAIL), sanitize_address(to, "utf-8")
    try:
        connection.open()  # kept open: a no-op while it is
        _deliver(connection.connection, sender, recipient, letter)
    except smtplib.SMTPServerDisconnected:  # dropped while idle: once more on a new connection
        _forget()
        connection = _connection()
        connection.open()
        _deliver(connection.connection, sender, recipient, letter)


def _deliver(smtp: smtplib.SMTP, sender: str, recipient: str, letter) -> None:
    """The message in 8bit where the server takes it (8BITMIME, RFC 6152), else quoted-printable."""
    smtp.ehlo_or_helo_if_needed()
    eight_bit = smtp.has_extn("8bitmime")
    data = message_bytes(sender=sender, recipient=recipient, letter=letter, eight_bit=eight_bit)
    transaction(smtp, sender, recipient, data, eight_bit=eight_bit)


def transaction(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes, *, eight_bit: bool) -> None:
    """One mail transaction on a connection past EHLO, raising what smtplib's sendmail raises.

    To a server that offers PIPELINING (RFC 2920; Postfix and the relays do) MAIL, RCPT and DATA
    go out in one write and their replies are read after, then the message: two round trips
    instead of four. Otherwise one command at a time, as smtplib does. `eight_bit`: the message
    has 8bit parts, declared with BODY=8BITMIME.
    """
    body = ["BODY=8BITMIME"] if eight_bit else []
    if not smtp.has_extn("pipelining"):
        smtp.sendmail(sender, [recipient], data, mail_options=body)  # it adds SIZE itself
        return
    size = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
    mail_from = " ".join([f"MAIL FROM:{smtplib.quoteaddr(sender)}", *body, *size])
    smtp.send(f"{mail_from}\r\nRCPT TO:{smtplib.quoteaddr(recipient)}\r\nDATA\r\n")
    mail, rcpt, go = smtp.getreply(), smtp.getreply(), smtp.getreply()
    refused = None
    if mail[0] != 250:
        refused = smtplib.SMTPSenderRefused(mail[0], mail[1], sender)
    elif rcpt[0] not in (250, 251):
        refused = smtplib.SMTPRecipientsRefused({recipient: rcpt})
    elif go[0] != 354:
        refused = smtplib.SMTPDataError(*go)
    if refused is not None:
        if go[0] == 354:  # DATA let through after a refusal (RFC 2920 says it must not be): end it empty
            smtp.send(".\r\n")
            smtp.getreply()
        with contextlib.suppress(smtplib.SMTPServerDisconnected):
            smtp.rset()
        raise refused
    stuffed = LEADING_DOT.sub(b"..", data)
    smtp.send(stuffed + (b"" if stuffed.endswith(b"\r\n") else b"\r\n") + b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


def message_bytes(*, sender: str, recipient: str, letter, eight_bit: bool = True) -> bytes:
    """The whole message, CRLF line ends, ready for DATA (`transaction` doubles leading dots).

    `eight_bit`: UTF-8 parts go as they are (8bit), unless a line is too long for SMTP; without
    it (a server that does not offer 8BITMIME) every part is quoted-printable, 7-bit.
    """
    text, html = _part("plain", letter.text, eight_bit), _part("html", letter.html, eight_bit)
    boundary = "===============" + secrets.token_hex(12) + "=="
    while boundary.encode() in text or boundary.encode() in html:
        boundary = "===============" + secrets.token_hex(12) + "=="
    head = [
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "MIME-Version: 1.0",
        f"Subject: {_subject(letter.subject)}",
        f"From: {sender}",
        f"To: {recipient}",
        f"Date: {formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}",
        *(f"{name}: {_plain(value)}" for name, value in headers_for(letter).items()),
    ]
    b = f"--{boundary}".encode()
    return b"\r\n".join([*(line.encode() for line in head), b"", b, text, b, html, f"--{boundary}--".encode(), b""])


def _part(subtype: str, body: str, eight_bit: bool) -> bytes:
    data = body.replace("\r\n", "\n").encode("utf-8")
    if not (eight_bit or data.isascii()) or any(len(line) > LINE_LIMIT for line in data.split(b"\n")):
        encoding = "quoted-printable"
        data = binascii.b2a_qp(data, istext=True).replace(b"\n", b"\r\n")
    else:
        encoding = "8bit"
        data = data.replace(b"\n", b"\r\n")
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n'
    return head.encode() + data


@functools.lru_cache(maxsize=8)
def _sender(from_email: str) -> str:
    return sanitize_address(from_email, "utf-8")


@functools.lru_cache(maxsize=256)
def _subject(subject: str) -> str:
    """RFC 2047 words when not plain ASCII, folded; subjects repeat (per language and count)."""
    if subject.isascii():
        return _plain(subject)
    return Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")


def _plain(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("a header value with a line break")
    return value


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
