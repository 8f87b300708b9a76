"""Staff accounts: the supervisor's pages, one's own account page, the create_staff command."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from staff_testing import PASSWORD, make_role_user, make_staff, sign_in

from audit.models import AuditEvent
from staff import services
from staff.permissions import roles_of
from staff.selectors import department_choices

NEW_PASSWORD = "a long new passphrase 2026"


@pytest.fixture
def supervisor_client(client, db):
    supervisor = make_role_user("supervisor")
    sign_in(client, supervisor)
    client.supervisor = supervisor
    return client


def test_departments_come_from_the_catalogue_in_force(db):
    assert "市民課" in department_choices()


def test_a_supervisor_creates_a_department_user(supervisor_client):
    form = supervisor_client.get(reverse("staff:user-create")).text
    assert '<option value="市民課">市民課</option>' in form
    response = supervisor_client.post(
        reverse("staff:user-create"),
        {
            "username": "yamada",
            "last_name": "山田",
            "first_name": "花子",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "roles": ["department"],
            "department": "市民課",
        },
    )
    assert response["Location"] == reverse("staff:user-list")
    user = User.objects.get(username="yamada")
    assert roles_of(user) == {"department"} and user.staff.department == "市民課"
    assert user.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="staff.user_create")
    assert event.user == supervisor_client.supervisor
    assert event.roles == "supervisor"
    assert event.target_id == str(user.pk)
    assert event.detail == {"username": "yamada", "roles": ["department"], "department": "市民課"}
    assert event.ip == "127.0.0.1"
    assert "yamada" in supervisor_client.get(reverse("staff:user-list")).text


def test_the_create_form_explains_its_errors(supervisor_client):
    make_staff("taken", "clerk")
    response = supervisor_client.post(
        reverse("staff:user-create"),
        {"username": "taken", "password1": "short", "password2": "short", "roles": ["department"]},
    )
    assert response.status_code == 200
    text = response.text
    assert 'class="error-summary"' in text
    assert '<a href="#id_username">' in text and "このユーザー名はすでに使われています。" in text
    assert '<a href="#id_password1">' in text  # too short: min length 12
    assert "担当課職員には担当課を選んでください。" in text
    assert not AuditEvent.objects.filter(action="staff.user_create").exists()


def test_a_supervisor_changes_roles(supervisor_client):
    clerk = make_staff("tanaka", "clerk")
    url = reverse("staff:user-detail", kwargs={"pk": clerk.pk})
    response = supervisor_client.post(url, {"roles": ["clerk", "catalogue_editor"], "is_active": "on"})
    assert response["Location"] == url
    assert roles_of(User.objects.get(pk=clerk.pk)) == {"clerk", "catalogue_editor"}
    detail = AuditEvent.objects.get(action="staff.roles_change").detail
    assert detail["before"]["roles"] == ["clerk"]
    assert detail["after"]["roles"] == ["clerk", "catalogue_editor"]


def test_a_supervisor_deactivates_an_account(supervisor_client):
    clerk = make_staff("tanaka", "clerk")
    supervisor_client.post(reverse("staff:user-detail", kwargs={"pk": clerk.pk}), {"roles": ["clerk"]})
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert "無効" in supervisor_client.get(reverse("staff:user-list")).text


def test_a_supervisor_cannot_change_their_own_roles(db):
    supervisor = make_role_user("supervisor")
    with pytest.raises(ValidationError):
        services.staff_update(actor=supervisor, user=supervisor, roles=["clerk"])


def test_the_account_page_shows_who_i_am(client, db):
    user = make_staff("yamada", "department", department="市民課")
    user.last_name, user.first_name = "山田", "花子"
    user.save()
    sign_in(client, user)
    text = client.get(reverse("staff:account")).text
    for expected in ("yamada", "山田 花子", "担当課職員", "市民課", "設定されていません"):
        assert expected in text


def test_changing_my_password(client, db):
    user = make_role_user("clerk")
    sign_in(client, user)
    url = reverse("staff:password-change")
    weak = client.post(url, {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"})
    assert weak.status_code == 200 and '<a href="#id_new_password2">' in weak.text

    done = client.post(url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("staff:account")
    assert client.get(reverse("staff:account")).status_code == 200  # still signed in
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="staff.password_change", user=user).exists()


def test_create_staff_makes_the_first_supervisor(db, monkeypatch):
    monkeypatch.setenv("DJANGO_STAFF_PASSWORD", NEW_PASSWORD)
    call_command("create_staff", "boss", "--role", "supervisor", "--no-input")
    boss = User.objects.get(username="boss")
    assert roles_of(boss) == {"supervisor"} and boss.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="staff.user_create")
    assert event.user is None and event.detail["via"] == "manage.py create_staff"


def test_create_staff_refuses_a_weak_password(db, monkeypatch):
    monkeypatch.setenv("DJANGO_STAFF_PASSWORD", "password")
    with pytest.raises(CommandError):
        call_command("create_staff", "boss", "--role", "supervisor", "--no-input")
    assert not User.objects.filter(username="boss").exists()
