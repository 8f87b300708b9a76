"""Changes to staff accounts. Each checks the actor's capability itself, writes in one
transaction and leaves an audit row; views and the management command only call these."""

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import user_has_device, verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_record

from .models import Staff
from .permissions import ROLES, Role, assigned_roles, forget_roles, require_capability, roles_of, second_factor_required

User = get_user_model()

RECOVERY_CODE_COUNT = 10


def clean_roles(roles, department: str) -> tuple[list[str], str]:
    """Known roles in ROLES order; a department only (and always) for the department role."""
    wanted = set(roles)
    roles = [role for role in ROLES if role in wanted]
    if wanted - set(ROLES) or not roles:
        raise ValidationError({"roles": _("役割を1つ以上選んでください。")})
    if Role.DEPARTMENT in roles:
        if not department:
            raise ValidationError({"department": _("担当課職員には担当課を選んでください。")})
    else:
        department = ""
    return roles, department


def _set_roles(user, roles: list[str]) -> None:
    groups = [Group.objects.get_or_create(name=role)[0] for role in roles]
    user.groups.remove(*user.groups.filter(name__in=ROLES).exclude(name__in=roles))
    user.groups.add(*groups)
    forget_roles(user)


def _create(*, username, password, roles, department, first_name, last_name, email) -> User:
    roles, department = clean_roles(roles, department)
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.staff = Staff.objects.create(user=user, department=department)
    _set_roles(user, roles)
    return user


@transaction.atomic
def staff_create(
    *,
    actor,
    username: str,
    password: str,
    roles: list[str],
    department: str = "",
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    ip: str | None = None,
) -> User:
    require_capability(actor, "staff.manage")
    user = _create(
        username=username,
        password=password,
        roles=roles,
        department=department,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    audit_record(
        user=actor,
        action="staff.user_create",
        target_type="user",
        target_id=str(user.pk),
        ip=ip,
        detail={"username": username, "roles": sorted(roles_of(user)), "department": user.staff.department},
    )
    return user


@transaction.atomic
def staff_create_from_command_line(*, username: str, password: str, roles: list[str], department: str = "") -> User:
    """The first supervisor has nobody to create them: whoever can run manage.py on the server may."""
    user = _create(
        username=username,
        password=password,
        roles=roles,
        department=department,
        first_name="",
        last_name="",
        email="",
    )
    audit_record(
        user=None,
        action="staff.user_create",
        target_type="user",
        target_id=str(user.pk),
        ip=None,
        detail={"username": username, "roles": sorted(roles_of(user)), "via": "manage.py create_staff"},
    )
    return user


@transaction.atomic
def staff_update(
    *, actor, user, roles: list[str], department: str = "", is_active: bool = True, ip: str | None = None
) -> User:
    require_capability(actor, "staff.manage")
    if user.pk == actor.pk:
        raise ValidationError(_("自分自身の役割や有効・無効は変更できません。別の監督者に依頼してください。"))
    roles, department = clean_roles(roles, department)
    staff, _created = Staff.objects.get_or_create(user=user)
    before = {
        "roles": assigned_roles(user),
        "department": staff.department,
        "is_active": user.is_active,
    }
    forget_roles(user)
    _set_roles(user, roles)
    staff.department = department
    staff.save(update_fields=["department"])
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    after = {"roles": roles, "department": department, "is_active": is_active}
    if after != before:
        audit_record(
            user=actor,
            action="staff.roles_change",
            target_type="user",
            target_id=str(user.pk),
            ip=ip,
            detail={"username": user.get_username(), "before": before, "after": after},
        )
    return user


@transaction.atomic
def staff_unlock(*, actor, username: str, ip: str | None = None) -> int:
    """Clear the login lockout of a username at every address; returns the attempts cleared."""
    require_capability(actor, "staff.unlock")
    cleared = axes_reset(username=username)
    audit_record(
        user=actor,
        action="staff.lockout_clear",
        target_type="user",
        target_id=username,
        ip=ip,
        detail={"attempts_cleared": cleared},
    )
    return cleared


@transaction.atomic
def staff_second_factor_reset(*, actor, user, ip: str | None = None) -> None:
    """For a lost phone: the user enrols again at their next login (or now, if their role requires it)."""
    require_capability(actor, "staff.manage")
    if user.pk == actor.pk:
        raise PermissionDenied("one's own second factor is changed from the account page")
    _delete_devices(user)
    audit_record(
        user=actor,
        action="staff.2fa_reset",
        target_type="user",
        target_id=str(user.pk),
        ip=ip,
        detail={"username": user.get_username()},
    )


# Self-service: one's own password and second factor.


def _require_verified_if_enrolled(user) -> None:
    """Changing a second factor needs the current one: a stolen password alone must not replace it."""
    is_verified = getattr(user, "is_verified", None)
    if user_has_device(user) and not (is_verified and is_verified()):
        raise PermissionDenied("second factor not verified")


def _delete_devices(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("リカバリーコード"), confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def account_password_change(*, user, new_password: str, ip: str | None = None) -> None:
    """The old password was checked by the form; the new one is validated again here."""
    require_capability(user, "account.self")
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(user=user, action="staff.password_change", target_type="user", target_id=str(user.pk), ip=ip)


def totp_enrolment_start(*, user) -> TOTPDevice:
    """An unconfirmed authenticator for the enrolment page; confirmed once a first code matches."""
    require_capability(user, "account.self")
    _require_verified_if_enrolled(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("認証アプリ"), confirmed=False)
    return device


def totp_enrolment_confirm(*, user, token: str, ip: str | None = None) -> tuple[TOTPDevice, list[str]]:
    """Check the first code from the app, make it the user's one authenticator, issue recovery codes."""
    device = totp_enrolment_start(user=user)
    if not device.verify_token(token):  # commits its own throttling state
        raise ValidationError(
            {"token": _("コードが正しくありません。アプリに表示されている6桁の数字を入力してください。")}
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit_record(user=user, action="staff.2fa_enrol", target_type="user", target_id=str(user.pk), ip=ip)
    return device, codes


@transaction.atomic
def recovery_codes_regenerate(*, user, ip: str | None = None) -> list[str]:
    require_capability(user, "account.self")
    _require_verified_if_enrolled(user)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise PermissionDenied("no authenticator enrolled")
    codes = _new_recovery_codes(user)
    audit_record(user=user, action="staff.recovery_codes_regenerate", target_type="user", target_id=str(user.pk), ip=ip)
    return codes


@transaction.atomic
def second_factor_disable(*, user, ip: str | None = None) -> None:
    """Only where the role leaves two-factor optional, and only from a verified session."""
    require_capability(user, "account.self")
    if second_factor_required(user):
        raise PermissionDenied("second factor required for this role")
    _require_verified_if_enrolled(user)
    _delete_devices(user)
    audit_record(user=user, action="staff.2fa_disable", target_type="user", target_id=str(user.pk), ip=ip)


def second_factor_verify(*, user, token: str) -> Device | None:
    """The device (authenticator or a recovery code, which is used up) that accepts the token."""
    token = "".join(token.split()).lower()
    for device_class in (TOTPDevice, StaticDevice):
        for device in device_class.objects.devices_for_user(user, confirmed=True):
            verified = verify_token(user, device.persistent_id, token)
            if verified is not None:
                return verified
    return None
