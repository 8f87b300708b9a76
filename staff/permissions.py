"""Who may do what: the staff roles and their capabilities, defined once, checked by services and views.

Roles are Django groups (created by a migration from ROLES). Code never asks "is this user a
supervisor?" but "may this user do X?", so a role can gain or lose a capability here alone.
"""

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device


class Role(models.TextChoices):
    CLERK = "clerk", _("窓口職員")
    DEPARTMENT = "department", _("担当課職員")
    SUPERVISOR = "supervisor", _("監督者")
    CATALOGUE_EDITOR = "catalogue_editor", _("カタログ編集者")
    CATALOGUE_APPROVER = "catalogue_approver", _("カタログ承認者")


ROLES: tuple[str, ...] = tuple(Role.values)

CAPABILITIES: dict[str, frozenset[str]] = {
    "counter.use": frozenset({"clerk", "department", "supervisor"}),
    "counter.interview": frozenset({"clerk", "supervisor"}),
    "counter.personal": frozenset({"clerk", "supervisor"}),
    "counter.queue": frozenset({"department", "supervisor"}),
    "counter.dashboard": frozenset({"supervisor"}),
    "studio.edit": frozenset({"catalogue_editor", "catalogue_approver"}),
    "studio.publish": frozenset({"catalogue_approver"}),
    "staff.manage": frozenset({"supervisor"}),
    "staff.unlock": frozenset({"supervisor"}),
    "audit.search": frozenset({"supervisor"}),
    "journey.funnel": frozenset({"supervisor"}),
    "account.self": frozenset(ROLES),
}

# Roles whose sessions must pass a second factor (TOTP or a recovery code) before any staff page.
SECOND_FACTOR_ROLES = frozenset({"supervisor", "catalogue_editor", "catalogue_approver"})

_ROLES_CACHE = "_staff_roles"


def assigned_roles(user) -> list[str]:
    """The role groups a user is in, in ROLES order, whether or not the account is active."""
    names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    return [role for role in ROLES if role in names]


def roles_of(user) -> frozenset[str]:
    """The staff roles of an active user (empty for anonymous users); read once per user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _ROLES_CACHE, None)
    if cached is None:
        cached = frozenset(assigned_roles(user))
        setattr(user, _ROLES_CACHE, cached)
    return cached


def forget_roles(user) -> None:
    """Drop the cached roles after they change."""
    if hasattr(user, _ROLES_CACHE):
        delattr(user, _ROLES_CACHE)


def has_capability(user, capability: str) -> bool:
    return bool(roles_of(user) & CAPABILITIES[capability])


def require_capability(user, capability: str) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied(capability)


def second_factor_required(user) -> bool:
    return bool(roles_of(user) & SECOND_FACTOR_ROLES)


def second_factor_pending(user) -> str | None:
    """What this session still owes: "verify" (has a device), "setup" (role needs one), or None.

    Anyone who enrolled a device must use it, whether or not their role requires one.
    """
    is_verified = getattr(user, "is_verified", None)
    if not user.is_authenticated or (is_verified is not None and is_verified()):
        return None
    if user_has_device(user):
        return "verify"
    if second_factor_required(user):
        return "setup"
    return None


def second_factor_redirect(request, step: str):
    return redirect(f"{reverse(f'staff:2fa-{step}')}?{urlencode({'next': request.get_full_path()})}")


def capability_required(capability: str):
    """View decorator: anonymous → staff login; second factor owed → 2FA; lacking capability → 403."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            step = second_factor_pending(user)
            if step is not None:
                return second_factor_redirect(request, step)
            require_capability(user, capability)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
