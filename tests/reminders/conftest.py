"""Fixtures for the reminders tests."""

import asyncio

import pytest
from reminder_testing import Sink, SmtpServer, free_port, new_checklist


@pytest.fixture
def checklist(db):
    return new_checklist()


@pytest.fixture
def smtp(settings):
    """An aiosmtpd server on a free port, and Django's SMTP backend pointed at it."""
    sink = Sink(port=free_port())
    server = SmtpServer(sink, hostname="127.0.0.1", port=sink.port, loop=asyncio.new_event_loop())
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    server.stop()
