"""Every response carries the security headers: an API response, the API docs page and a staff page."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_secure_headers(response):
    for header, value in EXPECTED.items():
        assert response[header] == value, header
    csp = {d.split()[0]: d.split()[1:] for d in response["Content-Security-Policy"].split("; ")}
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no third parties
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy


def test_api_response(client):
    response = client.get("/api/v1/life-events/")
    assert response.status_code == 200
    assert_secure_headers(response)


def test_api_docs_page(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert_secure_headers(response)


def test_staff_page(client):
    user = User.objects.create_user(username="sato.supervisor", password="correct horse battery staple")
    user.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.create(user=user, name="phone", confirmed=True).persistent_id
    session.save()
    response = client.get("/staff/audit/")
    assert response.status_code == 200
    assert_secure_headers(response)


def test_staff_login_page(client):
    response = client.get(reverse("staff:login"))
    assert response.status_code == 200
    assert_secure_headers(response)
