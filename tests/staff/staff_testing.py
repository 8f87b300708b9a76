"""Staff users, sessions and TOTP codes for the staff tests."""

from django.contrib.auth.models import Group, User
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from staff.models import Staff
from staff.permissions import ROLES, SECOND_FACTOR_ROLES

PASSWORD = "correct horse battery staple"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def make_staff(username: str, *roles: str, department: str = "", authenticator: bool = False) -> User:
    assert set(roles) <= set(ROLES)
    user = User.objects.create_user(username=username, password=PASSWORD)
    Staff.objects.create(user=user, department=department)
    user.groups.add(*(Group.objects.get_or_create(name=role)[0] for role in roles))
    if authenticator:
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def make_role_user(role: str, username: str | None = None) -> User:
    """One user per role as they normally are: with an authenticator where the role requires one."""
    return make_staff(
        username or f"{role}.user",
        role,
        department="市民課" if role == "department" else "",
        authenticator=role in SECOND_FACTOR_ROLES,
    )


def totp_code(device: TOTPDevice) -> str:
    """The code the user's phone shows now."""
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():0{device.digits}d}"


def sign_in(client, user, *, second_factor: bool = True):
    """A staff session without the login form: logged in and, given a device, past the second factor."""
    client.force_login(user, backend=MODEL_BACKEND)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if second_factor and device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
