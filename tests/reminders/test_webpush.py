"""Web Push end to end: pywebpush encrypts to a subscription whose keys this test holds; a local
push endpoint checks the VAPID signature and decrypts the payload (RFC 8291, aes128gcm)."""

import base64
import http.server
import json
import os
import threading
from pathlib import Path

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from reminder_testing import free_port, new_checklist
from rest_framework.test import APIClient

from reminders import services, vault
from reminders.models import Contact, Message

pytestmark = pytest.mark.django_db


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class PushService:
    """A push service on 127.0.0.1: records each request, decrypted, and answers with `status`."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.received: list[dict] = []
        self.status = 201
        self.port = free_port()
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                payload = http_ece.decrypt(body, private_key=service.key, auth_secret=service.auth, version="aes128gcm")
                headers = {k.lower(): v for k, v in self.headers.items()}
                service.received.append({"headers": headers, "payload": json.loads(payload)})
                self.send_response(service.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subscription(self) -> dict:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"http://127.0.0.1:{self.port}/push/{b64(os.urandom(8))}",
            "keys": {"p256dh": b64(public), "auth": b64(self.auth)},
        }


@pytest.fixture
def push(settings):
    settings.REMINDERS_PUSH_HTTPS_ONLY = False  # the local endpoint is plain http
    service = PushService()
    yield service
    service.server.shutdown()


def send_first_due(checklist):
    first = Message.objects.filter(checklist=checklist, status=Message.PENDING).order_by("due_at").first()
    [pk] = [pk for pk in services.claim_due(now=first.due_at) if pk == first.pk]
    return services.message_send(message_id=pk, now=first.due_at), Message.objects.get(pk=pk)


def test_subscribe_by_api_and_receive_a_decrypted_reminder(push):
    checklist = new_checklist(language="en")
    r = APIClient().post(f"/api/v1/checklists/{checklist.token}/reminders/push/", push.subscription(), format="json")
    assert r.status_code == 201, r.content
    assert r.json()["channel"] == "webpush" and r.json()["status"] == "active"
    contact = Contact.objects.get(pk=r.json()["id"])
    assert push.subscription()["keys"]["auth"] not in bytes(contact.secret).decode(), "stored encrypted"

    outcome, message = send_first_due(checklist)
    assert outcome.status == Message.SENT
    [request] = push.received
    assert request["headers"]["topic"] == message.uid.hex
    assert request["headers"]["content-encoding"] == "aes128gcm"
    assert int(request["headers"]["ttl"]) > 0
    auth = request["headers"]["authorization"]
    assert Vapid02.verify(auth), "signed with the VAPID key"
    assert auth.endswith(f"k={vault.vapid_public_key()}")
    payload = request["payload"]
    assert payload["url"].endswith(f"/c/{checklist.token}/")
    assert payload["tag"] == message.uid.hex
    assert "due soon" in payload["title"]
    assert payload["body"]


def test_a_gone_subscription_is_removed_and_not_retried(push):
    checklist = new_checklist()
    contact = services.contact_push_add(checklist=checklist, subscription=push.subscription())
    push.status = 410
    outcome, message = send_first_due(checklist)
    assert outcome.status == Message.FAILED and message.error.startswith("push 410")
    contact.refresh_from_db()
    assert contact.status == Contact.GONE and bytes(contact.secret) == b""
    assert not Message.objects.filter(contact=contact, status=Message.PENDING).exists()


def test_a_busy_push_service_is_retried(push):
    checklist = new_checklist()
    services.contact_push_add(checklist=checklist, subscription=push.subscription())
    push.status = 429
    outcome, message = send_first_due(checklist)
    assert outcome.status == "retry" and message.status == Message.PENDING and message.attempts == 1


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "https://push.example/x", "keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}},
        {"endpoint": "not a url", "keys": {"p256dh": "x", "auth": "y"}},
        {"endpoint": "https://push.example/x"},
        {"endpoint": "https://push.example/x", "keys": {"p256dh": "!!", "auth": "??"}, "extra": 1},
    ],
)
def test_bad_subscriptions_are_a_400(body):
    checklist = new_checklist()
    r = APIClient().post(f"/api/v1/checklists/{checklist.token}/reminders/push/", body, format="json")
    assert r.status_code == 400 and "errors" in r.json()
    assert not Contact.objects.exists()


def test_plain_http_endpoints_are_refused_outside_tests(push, settings):
    settings.REMINDERS_PUSH_HTTPS_ONLY = True
    checklist = new_checklist()
    r = APIClient().post(f"/api/v1/checklists/{checklist.token}/reminders/push/", push.subscription(), format="json")
    assert r.status_code == 400 and r.json() == {"errors": {"endpoint": ["must be an https URL"]}}


def test_the_page_offers_push_with_a_script_and_email_without(client):
    checklist = new_checklist()
    page = client.get(f"/c/{checklist.token}/reminders/").content.decode()
    assert 'id="reminders-push" hidden' in page, "hidden until the script finds Push support"
    assert "/static/reminders/push.js" in page and f'data-key="{vault.vapid_public_key()}"' in page
    assert f'action="/c/{checklist.token}/reminders/email/"' in page
    from django.contrib.staticfiles import finders

    worker = finders.find("reminders/sw.js")
    assert worker and "showNotification" in Path(worker).read_text(encoding="utf-8")
