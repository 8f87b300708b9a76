"""Opt-in over the API and the resident's pages: shapes, 4xx for bad input, never a 500."""

import pytest
from django.test import Client
from reminder_testing import active_email, new_checklist
from rest_framework.test import APIClient

from reminders import services, vault
from reminders.models import Contact, Message

pytestmark = pytest.mark.django_db


def test_email_opt_in_list_and_stop_by_api(settings):
    checklist = new_checklist()
    api = APIClient()
    base = f"/api/v1/checklists/{checklist.token}/reminders/"
    r = api.post(base + "email/", {"email": "jiro@example.jp"}, format="json")
    assert r.status_code == 202
    body = r.json()
    assert body["channel"] == "email" and body["status"] == "pending" and body["hint"] == "j…@example.jp"
    assert Message.objects.get(contact_id=body["id"]).status == Message.QUEUED, "the confirmation is on its way"

    listed = api.get(base).json()
    assert [c["id"] for c in listed["contacts"]] == [body["id"]]
    assert listed["vapid_public_key"] == vault.vapid_public_key()
    assert "jiro" not in str(listed)

    assert api.delete(f"{base}{body['id']}/").status_code == 204
    assert Contact.objects.get(pk=body["id"]).status == Contact.STOPPED
    assert api.get(base).json()["contacts"] == []
    assert api.delete(f"{base}{body['id']}x/").status_code == 404


@pytest.mark.parametrize(
    "body", [{"email": "not-an-address"}, {}, {"email": "a@b.jp", "name": "x"}, {"email": ["a@b.jp"]}]
)
def test_bad_opt_in_is_a_400(body):
    checklist = new_checklist()
    r = APIClient().post(f"/api/v1/checklists/{checklist.token}/reminders/email/", body, format="json")
    assert r.status_code == 400 and "errors" in r.json()


def test_unknown_checklist_is_a_404_everywhere():
    api = APIClient()
    token = "A" * 43
    assert api.get(f"/api/v1/checklists/{token}/reminders/").status_code == 404
    assert (
        api.post(f"/api/v1/checklists/{token}/reminders/email/", {"email": "a@b.jp"}, format="json").status_code == 404
    )
    assert Client().get(f"/c/{token}/reminders/").status_code == 404
    assert Client().post(f"/c/{token}/reminders/email/", {"email": "a@b.jp"}).status_code == 404
    assert Client().get("/r/unsubscribe/forged:token/").status_code == 404
    assert Client().post("/r/confirm/1:forged/").status_code == 404


def test_at_most_a_few_contacts_per_checklist(settings):
    checklist = new_checklist()
    for i in range(settings.REMINDER_MAX_CONTACTS):
        services.contact_email_add(checklist=checklist, email=f"n{i}@example.jp")
    r = APIClient().post(
        f"/api/v1/checklists/{checklist.token}/reminders/email/", {"email": "one.more@example.jp"}, format="json"
    )
    assert r.status_code == 400
    page = Client().post(f"/c/{checklist.token}/reminders/email/", {"email": "one.more@example.jp"})
    assert page.status_code == 400 and "これ以上は登録できません" in page.content.decode()


def test_manage_page_lists_contacts_and_stops_one():
    checklist = new_checklist(language="en")
    contact = active_email(checklist, "saburo@example.jp")
    client = Client()
    page = client.get(f"/c/{checklist.token}/reminders/")
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    assert "s…@example.jp" in html and "saburo" not in html and 'lang="en"' in html
    r = client.post(f"/c/{checklist.token}/reminders/{contact.pk}/stop/")
    assert r.status_code == 302
    assert Contact.objects.get(pk=contact.pk).status == Contact.STOPPED
    assert "Reminders stopped." in client.get(r["Location"]).content.decode()


def test_a_bad_address_on_the_page_says_so():
    checklist = new_checklist()
    r = Client().post(f"/c/{checklist.token}/reminders/email/", {"email": "nope"})
    assert r.status_code == 400
    assert 'aria-invalid="true"' in r.content.decode() and not Contact.objects.exists()


def test_forms_post_with_csrf():
    checklist = new_checklist()
    client = Client(enforce_csrf_checks=True)
    assert client.post(f"/c/{checklist.token}/reminders/email/", {"email": "a@b.jp"}).status_code == 403
    page = client.get(f"/c/{checklist.token}/")
    assert b"csrfmiddlewaretoken" in page.content
