"""Reads for the staff pages: the staff list with lockout state, one's own account, departments."""

from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q, Sum
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from procedures.models import Counter
from procedures.selectors import NoCatalogue, catalogue_version_in_force

from .permissions import ROLES, Role, assigned_roles, roles_of, second_factor_required

User = get_user_model()


@dataclass(frozen=True)
class StaffRow:
    user: User
    roles: tuple[Role, ...]
    department: str
    has_authenticator: bool
    locked: bool


@dataclass(frozen=True)
class AccountSummary:
    user: User
    roles: tuple[Role, ...]
    department: str
    has_authenticator: bool
    second_factor_required: bool
    recovery_codes_left: int


def _ordered_roles(names) -> tuple[Role, ...]:
    names = set(names)
    return tuple(Role(role) for role in ROLES if role in names)


def _department(user) -> str:
    try:
        return user.staff.department
    except ObjectDoesNotExist:  # a user given a role in the admin has no profile yet
        return ""


def _staff_users():
    """Everyone with a staff profile or a staff role."""
    return User.objects.filter(Q(staff__isnull=False) | Q(groups__name__in=ROLES)).distinct().select_related("staff")


def locked_usernames() -> set[str]:
    """Usernames that axes refuses at some address now: failures within the cool-off reach the limit."""
    attempts = AccessAttempt.objects.all()
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    locked = (
        attempts.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"] for row in locked}


def staff_list() -> list[StaffRow]:
    users = (
        _staff_users()
        .prefetch_related(Prefetch("groups", queryset=Group.objects.filter(name__in=ROLES), to_attr="role_groups"))
        .order_by("username")
    )
    with_authenticator = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    locked = locked_usernames()
    return [
        StaffRow(
            user=user,
            roles=_ordered_roles(group.name for group in user.role_groups),
            department=_department(user),
            has_authenticator=user.pk in with_authenticator,
            locked=user.get_username() in locked,
        )
        for user in users
    ]


def staff_detail(*, user_id: int) -> StaffRow:
    user = _staff_users().get(pk=user_id)
    return StaffRow(
        user=user,
        roles=_ordered_roles(assigned_roles(user)),
        department=_department(user),
        has_authenticator=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        locked=user.get_username() in locked_usernames(),
    )


def account_summary(*, user) -> AccountSummary:
    return AccountSummary(
        user=user,
        roles=_ordered_roles(roles_of(user)),
        department=_department(user),
        has_authenticator=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        second_factor_required=second_factor_required(user),
        recovery_codes_left=StaticToken.objects.filter(device__user=user, device__confirmed=True).count(),
    )


def department_choices() -> list[str]:
    """The departments (課) of the catalogue in force, by their Japanese names, for the department role."""
    try:
        version = catalogue_version_in_force()
    except NoCatalogue:
        return []
    names = Counter.objects.filter(version=version).order_by("visit_order").values_list("department", flat=True)
    return list(dict.fromkeys(name["ja"] for name in names))
