"""The admin: delivery log per checklist, resend (same Message-ID), counts by status per day."""

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from reminder_testing import active_email, new_checklist

from reminders import services
from reminders.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    client.force_login(admin_user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_delivery_log_counts_and_resend(staff, mailoutbox):
    checklist = new_checklist()
    active_email(checklist, "admin.view@example.jp")
    confirm = Message.objects.get(kind=Message.CONFIRM)
    services.message_send(message_id=confirm.pk)
    first_digest = Message.objects.filter(kind=Message.DIGEST).order_by("due_at").first()
    Message.objects.filter(pk=first_digest.pk).update(status=Message.FAILED, error="SMTP 550 server refused")

    page = staff.get(f"/admin/reminders/message/?q={checklist.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "SMTP 550 server refused" in html and "Messages by status per day" in html
    assert "admin.view" not in html, "hints only, never the address"
    sent_day = confirm.day.strftime("%Y-%m-%d")
    assert f'<th scope="row">{sent_day}</th>' in html

    r = staff.post(
        "/admin/reminders/message/",
        {"action": "resend", "_selected_action": [confirm.pk], "index": 0},
    )
    assert r.status_code == 302
    again = Message.objects.get(pk=confirm.pk)
    assert again.status == Message.QUEUED and again.uid == confirm.uid
    assert staff.get("/admin/reminders/contact/").status_code == 200
    assert b"admin.view" not in staff.get("/admin/reminders/contact/").content
