"""Login lockout (django-axes): by username and IP together, with a page that says what to do."""

import pytest
from django.urls import reverse
from staff_testing import PASSWORD, make_role_user, make_staff, sign_in

from audit.models import AuditEvent
from staff.selectors import locked_usernames

COUNTER_IP = "10.20.30.40"  # every terminal at the counter shares it
LIMIT = 3


@pytest.fixture(autouse=True)
def failure_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def log_in(client, username, password, ip=COUNTER_IP):
    return client.post(reverse("staff:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client, username, times=LIMIT, ip=COUNTER_IP):
    for _ in range(times):
        log_in(client, username, "wrong password", ip)


def test_wrong_password_says_so_without_telling_which(client, db):
    make_staff("tanaka", "clerk")
    response = log_in(client, "tanaka", "wrong password")
    assert response.status_code == 200
    assert "ユーザー名またはパスワードが正しくありません。" in response.text


def test_locked_after_n_failures_for_that_username_at_that_ip(client, db):
    make_staff("tanaka", "clerk")
    fail(client, "tanaka", LIMIT - 1)
    assert log_in(client, "tanaka", PASSWORD).status_code == 302  # under the limit: still in
    client.logout()

    fail(client, "tanaka", LIMIT)
    response = log_in(client, "tanaka", PASSWORD)  # even the right password
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    text = response.text
    assert "アカウントがロックされています" in text
    assert "「tanaka」" in text
    assert "30分たつと、もう一度ログインできます。" in text
    assert "監督者にロックの解除を依頼してください" in text
    assert 'name="username"' in text  # the form stays for the next clerk
    assert locked_usernames() == {"tanaka"}


def test_another_user_at_the_same_terminal_can_still_log_in(client, db):
    make_staff("tanaka", "clerk")
    make_staff("suzuki", "clerk")
    fail(client, "tanaka")
    response = log_in(client, "suzuki", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:home")


def test_the_same_user_from_another_address_is_not_locked(client, db):
    make_staff("tanaka", "clerk")
    fail(client, "tanaka")
    assert log_in(client, "tanaka", PASSWORD, ip="10.99.0.1").status_code == 302


def test_the_cool_off_comes_from_settings(client, db, settings):
    from datetime import timedelta

    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    make_staff("tanaka", "clerk")
    fail(client, "tanaka")
    assert "15分たつと" in log_in(client, "tanaka", PASSWORD).text


def test_a_supervisor_sees_the_lock_and_unlocks(client, db):
    clerk = make_staff("tanaka", "clerk")
    fail(client, "tanaka")

    supervisor = make_role_user("supervisor")
    sign_in(client, supervisor)
    assert "ロック中" in client.get(reverse("staff:user-list")).text
    detail = client.get(reverse("staff:user-detail", kwargs={"pk": clerk.pk}))
    assert "ロックを解除する" in detail.text
    response = client.post(reverse("staff:user-unlock", kwargs={"pk": clerk.pk}))
    assert response.status_code == 302
    assert locked_usernames() == set()
    event = AuditEvent.objects.get(action="staff.lockout_clear")
    assert (event.user, event.target_id, event.detail) == (supervisor, "tanaka", {"attempts_cleared": 1})

    client.logout()
    assert log_in(client, "tanaka", PASSWORD).status_code == 302


def test_a_clerk_cannot_unlock(client, db):
    target = make_staff("tanaka", "clerk")
    fail(client, "tanaka")
    sign_in(client, make_role_user("clerk", "suzuki"))
    assert client.post(reverse("staff:user-unlock", kwargs={"pk": target.pk})).status_code == 403
    assert locked_usernames() == {"tanaka"}
