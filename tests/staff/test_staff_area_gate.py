"""The staff areas' gate: inactivity expiry (staff pages only) and the IP allow-list."""

import time

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import RequestFactory
from django.urls import reverse
from staff_testing import make_role_user, sign_in

from staff.middleware import LAST_ACTIVITY_KEY
from staff.network import client_ip


def _idle_for(client, seconds):
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - seconds
    session.save()


def test_a_staff_session_expires_after_the_idle_timeout(client, db, settings):
    settings.STAFF_IDLE_TIMEOUT = 600
    sign_in(client, make_role_user("clerk"))
    assert client.get("/counter/").status_code == 200

    _idle_for(client, 599)
    assert client.get("/counter/").status_code == 200  # and that request counts as activity

    _idle_for(client, 601)
    response = client.get("/counter/")
    assert response["Location"] == "/staff/login/?next=/counter/"
    assert "_auth_user_id" not in client.session
    assert "一定時間操作がなかったため、ログアウトしました" in client.get(response["Location"]).text


def test_residents_pages_and_the_api_never_time_out(client, db, settings):
    settings.STAFF_IDLE_TIMEOUT = 600
    user = make_role_user("clerk")
    sign_in(client, user)
    client.get("/counter/")
    _idle_for(client, 3600)
    stamp = client.session[LAST_ACTIVITY_KEY]

    assert client.get("/api/v1/life-events/").status_code == 200
    assert client.get("/health/").status_code == 200
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session[LAST_ACTIVITY_KEY] == stamp  # not staff activity either


def test_an_idle_check_needs_no_stamp_to_start(client, db):
    sign_in(client, make_role_user("clerk"))  # e.g. logged in through the admin: no stamp yet
    assert client.get("/counter/").status_code == 200
    assert client.session[LAST_ACTIVITY_KEY] == pytest.approx(time.time(), abs=5)


@pytest.mark.parametrize("path", ["/staff/login/", "/staff/account/", "/counter/", "/studio/"])
def test_the_allow_list_guards_every_staff_area(client, db, settings, path):
    settings.STAFF_ALLOWED_NETWORKS = ["10.0.0.0/8", "2001:db8::/32"]
    outside = client.get(path, REMOTE_ADDR="192.0.2.7")
    assert outside.status_code == 403
    assert "庁内の決められたネットワークからだけ利用できます" in outside.text
    assert client.get(path, REMOTE_ADDR="10.1.2.3").status_code in {200, 302}
    assert client.get(path, REMOTE_ADDR="2001:db8::5").status_code in {200, 302}


def test_the_allow_list_leaves_residents_alone(client, db, settings):
    settings.STAFF_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/api/v1/life-events/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_a_signed_in_user_outside_the_network_is_refused_too(client, db, settings):
    sign_in(client, make_role_user("supervisor"))
    settings.STAFF_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get(reverse("staff:user-list"), REMOTE_ADDR="192.0.2.7").status_code == 403


def test_an_empty_allow_list_allows_everyone(client, db, settings):
    settings.STAFF_ALLOWED_NETWORKS = []
    assert client.get("/staff/login/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_a_mistyped_network_stops_the_deploy(settings):
    settings.STAFF_ALLOWED_NETWORKS = ["10.0.0.0/33"]
    with pytest.raises(SystemCheckError, match=r"staff\.E001"):
        call_command("check")


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "10.0.0.1", "198.51.100.1"),  # no proxy: X-Forwarded-For is the client's claim, ignored
        (1, "203.0.113.9", "203.0.113.9"),  # nginx wrote it
        (1, "10.0.0.1, 203.0.113.9", "203.0.113.9"),  # the client's own "10.0.0.1" is not believed
        (2, "10.0.0.1, 203.0.113.9, 172.16.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "198.51.100.1"),  # fewer entries than proxies: the peer
    ],
)
def test_client_ip_believes_only_the_proxies(settings, proxies, forwarded, expected):
    settings.CLIENT_IP_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_staff_pages_are_japanese_whatever_the_browser_asks(client, db):
    response = client.get("/staff/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="ja">' in response.text
    assert response["Content-Language"] == "ja"
