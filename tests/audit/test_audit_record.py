"""audit_record and audit_from_request write who, in which roles, did what to which record, when, from where."""

import pytest
from audit_staff import make_staff
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory, override_settings
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_from_request, audit_record

pytestmark = pytest.mark.django_db


def test_audit_record_keeps_who_role_what_which_when_and_where():
    user = make_staff("tanaka.hanako", "supervisor", "clerk")
    before = timezone.now()
    event = audit_record(
        user=user,
        action="case.view",
        target_type="case",
        target_id=1234,
        ip="203.0.113.7",
        detail={"fields": ["name", "address"], "on": timezone.localdate()},
    )
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.user_id, event.username, event.roles) == (user.pk, "tanaka.hanako", "clerk,supervisor")
    assert (event.action, event.target_type, event.target_id) == ("case.view", "case", "1234")
    assert event.ip == "203.0.113.7"
    assert before <= event.at <= timezone.now()
    assert event.detail == {"fields": ["name", "address"], "on": timezone.localdate().isoformat()}


def test_history_keeps_the_name_and_roles_of_the_time():
    user = make_staff("yamada", "clerk")
    event = audit_record(user=user, action="case.view", target_type="case", target_id="1", ip=None)
    user.username = "yamada.taro"
    user.save()
    user.groups.clear()
    event.refresh_from_db()
    assert (event.username, event.roles, event.user_id) == ("yamada", "clerk", user.pk)


def test_no_user_and_a_bad_address_are_stored_as_unknown():
    event = audit_record(user=AnonymousUser(), action="login.failed", target_type="user", target_id="", ip="not-an-ip")
    assert (event.user_id, event.username, event.roles, event.ip, event.detail) == (None, "", "", None, {})


def test_audit_from_request_takes_user_roles_and_remote_addr():
    request = RequestFactory().get("/counter/cases/9/", REMOTE_ADDR="198.51.100.23")
    request.user = make_staff("ito", "department")
    event = audit_from_request(request, action="case.view", target_type="case", target_id="9")
    assert (event.username, event.roles, event.ip, event.target_id) == ("ito", "department", "198.51.100.23", "9")


def test_a_forwarded_for_header_is_not_believed_without_a_trusted_proxy():
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.23", HTTP_X_FORWARDED_FOR="10.9.9.9")
    request.user = make_staff("kato", "clerk")
    with override_settings(CLIENT_IP_PROXY_COUNT=0):
        event = audit_from_request(request, action="case.view", target_type="case", target_id="9")
    assert event.ip == "198.51.100.23"


def test_behind_one_trusted_proxy_the_address_it_saw_is_kept():
    # nginx appends the peer it saw; anything before that is the client's own claim.
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50")
    request.user = make_staff("kato", "clerk")
    with override_settings(CLIENT_IP_PROXY_COUNT=1):
        event = audit_from_request(request, action="case.view", target_type="case", target_id="9")
    assert event.ip == "203.0.113.50"
