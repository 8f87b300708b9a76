"""What each role can and cannot do: every staff URL and every staff service, role by role.

The expectations are written out here, not derived from staff.permissions.CAPABILITIES, so a
slip in that table shows up as a failing row.
"""

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from staff_testing import PASSWORD, make_role_user, make_staff, sign_in

from staff import services
from staff.permissions import CAPABILITIES, ROLES, has_capability, require_capability, roles_of

ANONYMOUS = "anonymous"
ALL_ROLES = frozenset(ROLES)
COUNTER = frozenset({"clerk", "department", "supervisor"})
STUDIO = frozenset({"catalogue_editor", "catalogue_approver"})
SUPERVISOR = frozenset({"supervisor"})
OPTIONAL_2FA = frozenset({"clerk", "department"})  # roles whose second factor is optional
WITH_DEVICE = ALL_ROLES - OPTIONAL_2FA  # make_role_user gives these an authenticator


def allowed(roles, ok=200, *, others=403):
    return {role: ok if role in roles else others for role in ROLES}


# (url name, method, expected status per role). Anonymous visitors always go to the login page.
# Targets: {target} is another staff member's id.
PAGES = [
    ("staff:home", "get", allowed(ALL_ROLES)),
    ("staff:account", "get", allowed(ALL_ROLES)),
    ("staff:password-change", "get", allowed(ALL_ROLES)),
    ("staff:2fa-setup", "get", allowed(ALL_ROLES)),
    ("staff:2fa-verify", "get", allowed(ALL_ROLES, 302)),  # nothing owed: straight on
    ("staff:2fa-recovery-codes", "get", allowed(ALL_ROLES)),
    ("staff:2fa-recovery-codes", "post", allowed(WITH_DEVICE, 302)),  # new codes need an authenticator
    ("staff:2fa-disable", "post", allowed(OPTIONAL_2FA, 302)),  # required roles cannot switch it off
    ("staff:logout", "post", allowed(ALL_ROLES, 302)),
    ("staff:user-list", "get", allowed(SUPERVISOR)),
    ("staff:user-create", "get", allowed(SUPERVISOR)),
    ("staff:user-detail", "get", allowed(SUPERVISOR)),
    ("staff:user-unlock", "post", allowed(SUPERVISOR, 302)),
    ("staff:user-2fa-reset", "post", allowed(SUPERVISOR, 302)),
    ("staff:journey-funnel", "get", allowed(SUPERVISOR)),
    ("staff:journey-funnel-export", "get", allowed(SUPERVISOR)),
    ("counter:home", "get", allowed(COUNTER)),
    ("studio:home", "get", allowed(STUDIO)),
]
TARGETED = {"staff:user-detail", "staff:user-unlock", "staff:user-2fa-reset"}
PUBLIC = {"staff:login"}  # the one staff page an anonymous visitor sees


def _url(name, target):
    return reverse(name, kwargs={"pk": target.pk} if name in TARGETED else None)


def _staff_url_names():
    """Every named URL of the staff, counter and studio apps."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace in {"staff", "counter", "studio"}:
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns, None)
    return names


def test_the_table_covers_every_staff_url():
    # The counter's and the rule studio's pages beyond their homes have their own tables
    # (tests/counter/test_counter_permissions.py, tests/studio/test_studio_permissions.py).
    names = {
        n
        for n in _staff_url_names()
        if n.split(":")[0] not in {"counter", "studio"} or n in {"counter:home", "studio:home"}
    }
    assert names == {name for name, _method, _expected in PAGES} | PUBLIC


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "expected"), PAGES, ids=[f"{m} {n}" for n, m, _e in PAGES])
def test_role_reaches_only_its_pages(client, db, role, name, method, expected):
    target = make_staff("target.clerk", "clerk", authenticator=True)
    sign_in(client, make_role_user(role))
    response = getattr(client, method)(_url(name, target))
    assert response.status_code == expected[role]


@pytest.mark.parametrize(("name", "method", "expected"), PAGES, ids=[f"{m} {n}" for n, m, _e in PAGES])
def test_anonymous_goes_to_the_staff_login(client, db, name, method, expected):
    target = make_staff("target.clerk", "clerk")
    url = _url(name, target)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('staff:login')}?{urlencode({'next': url}, safe='/')}"


def test_the_login_page_is_open_and_a_signed_in_user_moves_on(client, db):
    assert client.get(reverse("staff:login")).status_code == 200
    sign_in(client, make_role_user("clerk"))
    response = client.get(reverse("staff:login"))
    assert response.status_code == 302


def test_a_user_without_a_staff_role_is_refused(client, db):
    sign_in(client, make_staff("no.role"))
    assert client.get(reverse("staff:home")).status_code == 403
    assert client.get(reverse("counter:home")).status_code == 403


def test_an_inactive_user_has_no_roles(db):
    user = make_role_user("supervisor")
    user.is_active = False
    assert roles_of(user) == frozenset()


# Services: each one checks the capability itself, whoever calls it.


def _verified(user):
    """As the request's user is after the second factor (OTPMiddleware sets this)."""
    user.is_verified = lambda: True
    return user


SERVICE_CALLS = {
    "staff_create": (
        SUPERVISOR,
        lambda actor: services.staff_create(
            actor=actor, username="new.clerk", password=PASSWORD + "!", roles=["clerk"]
        ),
    ),
    "staff_update": (
        SUPERVISOR,
        lambda actor: services.staff_update(
            actor=actor, user=make_staff("other", "clerk"), roles=["department"], department="市民課"
        ),
    ),
    "staff_unlock": (SUPERVISOR, lambda actor: services.staff_unlock(actor=actor, username="someone")),
    "staff_second_factor_reset": (
        SUPERVISOR,
        lambda actor: services.staff_second_factor_reset(actor=actor, user=make_staff("other", "clerk")),
    ),
    "account_password_change": (
        ALL_ROLES,
        lambda actor: services.account_password_change(user=actor, new_password="a new passphrase 2026"),
    ),
    "totp_enrolment_start": (ALL_ROLES, lambda actor: services.totp_enrolment_start(user=actor)),
    "recovery_codes_regenerate": (WITH_DEVICE, lambda actor: services.recovery_codes_regenerate(user=actor)),
    "second_factor_disable": (OPTIONAL_2FA, lambda actor: services.second_factor_disable(user=actor)),
}


@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS])
@pytest.mark.parametrize("service", SERVICE_CALLS)
def test_services_check_the_capability(db, role, service):
    roles, call = SERVICE_CALLS[service]
    actor = AnonymousUser() if role == ANONYMOUS else _verified(make_role_user(role))
    if role in roles:
        call(actor)
    else:
        with pytest.raises(PermissionDenied):
            call(actor)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
def test_capabilities_as_the_interface_promises(db, role, capability):
    promised = {
        "counter.use": COUNTER,
        "counter.interview": {"clerk", "supervisor"},
        "counter.personal": {"clerk", "supervisor"},
        "counter.queue": {"department", "supervisor"},
        "counter.dashboard": SUPERVISOR,
        "studio.edit": STUDIO,
        "studio.publish": {"catalogue_approver"},
        "staff.manage": SUPERVISOR,
        "staff.unlock": SUPERVISOR,
        "audit.search": SUPERVISOR,
        "journey.funnel": SUPERVISOR,
        "account.self": ALL_ROLES,
    }
    user = make_staff("u", role)
    assert has_capability(user, capability) is (role in promised[capability])
    if role not in promised[capability]:
        with pytest.raises(PermissionDenied):
            require_capability(user, capability)


def test_an_unknown_capability_is_a_bug_not_a_no(db):
    with pytest.raises(KeyError):
        has_capability(make_staff("u", "clerk"), "counter.uses")
