"""Helpers for the reminders tests: checklists with deadlines ahead, contacts, a real SMTP server."""

from __future__ import annotations

import contextlib
import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from navi.selectors import checklist_by_token
from navi.services import checklist_create
from reminders import services


def move_case(moved_in_on: date) -> dict:
    return {
        "life_events": ["moving"],
        "event_date": moved_in_on,
        "answers": {"move_type": "in_from_other", "moved_in_on": moved_in_on.isoformat(), "has_dog": True},
        "members": [{"relation": "self", "age": 40, "insurance": "national", "has_mynumber_card": True}],
    }


def new_checklist(moved_in_on: date | None = None, language: str = "ja"):
    moved_in_on = moved_in_on or date.today() - timedelta(days=1)
    view = checklist_create(**move_case(moved_in_on), language=language)
    return checklist_by_token(view.token)


def active_email(checklist, address: str = "taro@example.jp", now=None):
    contact = services.contact_email_add(checklist=checklist, email=address, now=now)
    return services.contact_confirm(contact=contact, now=now)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Sink:
    """What the SMTP server received, and how it answers: a list of replies to give first, then 250.

    It offers PIPELINING (RFC 2920), as the relays a municipality sends through do (aiosmtpd reads
    one command line at a time, so it serves pipelined commands; it only does not say so).
    """

    messages: list = field(default_factory=list)
    refusals: list = field(default_factory=list)  # e.g. ["451 4.3.0 try later"]: one per DATA
    rcpt_refusals: list = field(default_factory=list)  # the same, one per RCPT
    mail_refusals: list = field(default_factory=list)  # the same, one per MAIL
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    pipelining: bool = True
    eight_bit: bool = True  # offers 8BITMIME (RFC 6152)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if not self.eight_bit:
            responses = [r for r in responses if r != "250-8BITMIME"]
        if self.pipelining:
            responses = [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    def _refusal(self, replies: list) -> str | None:
        with self.lock:
            return replies.pop(0) if replies else None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if refusal := self._refusal(self.mail_refusals):
            return refusal
        envelope.mail_from, envelope.mail_options = address, mail_options
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if refusal := self._refusal(self.rcpt_refusals):
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refusals:
                return self.refusals.pop(0)
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append((envelope.rcpt_tos, parsed))
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for _, m in self.messages]


class SmtpServer(Controller):
    def factory(self):
        return SMTP(self.handler, enable_SMTPUTF8=True, loop=self.loop)


class Recorder:
    """A TCP relay in front of a server that keeps each chunk the client wrote, in order."""

    def __init__(self, port: int):
        self.chunks: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.target = port
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                server = socket.create_connection(("127.0.0.1", self.target))
                threading.Thread(target=self._pipe, args=(server, client, None), daemon=True).start()
                threading.Thread(target=self._pipe, args=(client, server, self.chunks), daemon=True).start()

    @staticmethod
    def _pipe(source, target, chunks):
        with contextlib.suppress(OSError), source, target:
            while data := source.recv(65536):
                if chunks is not None:
                    chunks.append(data)
                target.sendall(data)

    def close(self):
        self.listener.close()


# Tests whose rows another process must see (a worker, a second connection) commit them: a
# transactional test. Its flush afterwards is limited to these apps' tables, so the catalogue
# loaded once for the session stays.
COMMITTED = pytest.mark.django_db(transaction=True, available_apps=["navi", "reminders"])
