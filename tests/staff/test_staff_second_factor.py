"""Two-factor (django-otp): required for supervisors and catalogue roles, optional for the others."""

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from staff_testing import PASSWORD, make_staff, sign_in, totp_code

from audit.models import AuditEvent


def log_in(client, username, next_url=""):
    return client.post(reverse("staff:login"), {"username": username, "password": PASSWORD, "next": next_url})


def test_password_alone_cannot_reach_the_studio(client, db):
    editor = make_staff("kato", "catalogue_editor", authenticator=True)
    response = log_in(client, "kato", "/studio/")
    assert response["Location"] == "/studio/"

    response = client.get("/studio/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('staff:2fa-verify')}?{urlencode({'next': '/studio/'})}"
    for url in ("/studio/", "/staff/", "/staff/account/", "/counter/", reverse("staff:2fa-recovery-codes")):
        assert client.get(url).status_code == 302, url

    wrong = client.post(response["Location"], {"token": "000000", "next": "/studio/"})
    assert wrong.status_code == 200
    assert "コードが正しくありません" in wrong.text
    assert 'aria-invalid="true"' in wrong.text

    device = TOTPDevice.objects.get(user=editor)
    device.throttle_reset()  # django-otp makes the next try wait a second after a wrong code
    right = client.post(response["Location"], {"token": totp_code(device), "next": "/studio/"})
    assert right["Location"] == "/studio/"
    assert client.get("/studio/").status_code == 200


def test_a_supervisor_without_a_device_is_sent_to_enrolment(client, db):
    supervisor = make_staff("sato", "supervisor")
    log_in(client, "sato")
    response = client.get("/staff/users/")
    assert response["Location"] == f"{reverse('staff:2fa-setup')}?{urlencode({'next': '/staff/users/'})}"

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert re.search(r'<img class="qr" src="data:image/svg\+xml;[^"]+" alt="[^"]+"', page.text)
    assert "<script" not in page.text and "style=" not in page.text

    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    done = client.post(response["Location"], {"token": totp_code(device), "next": "/staff/users/"})
    assert done["Location"] == f"{reverse('staff:2fa-recovery-codes')}?{urlencode({'next': '/staff/users/'})}"

    codes_page = client.get(done["Location"])
    codes = re.findall(r"<li><code>(\w+)</code></li>", codes_page.text)
    assert len(codes) == 10
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=supervisor).values_list("token", flat=True))
    again = client.get(done["Location"])
    assert re.findall(r"<li><code>(\w+)</code></li>", again.text) == []  # shown once
    assert client.get("/staff/users/").status_code == 200
    assert AuditEvent.objects.filter(action="staff.2fa_enrol", user=supervisor).count() == 1


def test_a_clerk_may_work_without_a_second_factor(client, db):
    make_staff("tanaka", "clerk")
    log_in(client, "tanaka")
    assert client.get("/counter/").status_code == 200


def test_a_clerk_who_enrolled_must_use_it(client, db):
    make_staff("tanaka", "clerk", authenticator=True)
    log_in(client, "tanaka")
    assert client.get("/counter/")["Location"].startswith(reverse("staff:2fa-verify"))


def test_a_recovery_code_works_once(client, db):
    approver = make_staff("ito", "catalogue_approver", authenticator=True)
    sign_in(client, approver)
    client.post(reverse("staff:2fa-recovery-codes"))
    code = re.findall(r"<li><code>(\w+)</code></li>", client.get(reverse("staff:2fa-recovery-codes")).text)[0]
    client.logout()

    log_in(client, "ito")
    response = client.post(reverse("staff:2fa-verify"), {"token": code.upper(), "next": "/studio/"})
    assert response["Location"] == "/studio/"
    assert "残りは 9 個です" in client.get("/studio/").text
    client.logout()

    log_in(client, "ito")
    assert client.post(reverse("staff:2fa-verify"), {"token": code}).status_code == 200


def test_replacing_the_authenticator_needs_the_current_one(client, db):
    make_staff("sato", "supervisor", authenticator=True)
    log_in(client, "sato")
    response = client.get(reverse("staff:2fa-setup"))
    assert response["Location"].startswith(reverse("staff:2fa-verify"))
    assert TOTPDevice.objects.filter(confirmed=False).count() == 0


def test_re_enrolment_replaces_the_old_authenticator(client, db):
    supervisor = make_staff("sato", "supervisor", authenticator=True)
    old = TOTPDevice.objects.get(user=supervisor)
    sign_in(client, supervisor)
    assert client.get(reverse("staff:2fa-setup")).status_code == 200
    new = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    client.post(reverse("staff:2fa-setup"), {"token": totp_code(new)})
    assert list(TOTPDevice.objects.filter(user=supervisor)) == [new]
    new.refresh_from_db()
    assert new.confirmed and not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_a_supervisor_resets_a_lost_phone(client, db):
    editor = make_staff("kato", "catalogue_editor", authenticator=True)
    supervisor = make_staff("sato", "supervisor", authenticator=True)
    sign_in(client, supervisor)
    assert client.post(reverse("staff:user-2fa-reset", kwargs={"pk": editor.pk})).status_code == 302
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert AuditEvent.objects.get(action="staff.2fa_reset").target_id == str(editor.pk)

    client.logout()
    log_in(client, "kato")
    assert client.get("/studio/")["Location"].startswith(reverse("staff:2fa-setup"))


def test_a_supervisor_cannot_reset_their_own(client, db):
    supervisor = make_staff("sato", "supervisor", authenticator=True)
    sign_in(client, supervisor)
    assert client.post(reverse("staff:user-2fa-reset", kwargs={"pk": supervisor.pk})).status_code == 403


@pytest.mark.parametrize(("role", "can_disable"), [("clerk", True), ("supervisor", False)])
def test_switching_two_factor_off(client, db, role, can_disable):
    user = make_staff("someone", role, authenticator=True)
    sign_in(client, user)
    account = client.get(reverse("staff:account")).text
    assert ("2段階認証を解除する" in account) is can_disable
    response = client.post(reverse("staff:2fa-disable"))
    assert response.status_code == (302 if can_disable else 403)
    assert TOTPDevice.objects.filter(user=user).exists() is not can_disable
