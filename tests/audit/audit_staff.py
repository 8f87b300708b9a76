"""Staff users with roles for the audit tests: a role is a group (staff/ creates them by migration)."""

from django.contrib.auth.models import Group, User
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def make_staff(username: str, *roles: str) -> User:
    user = User.objects.create_user(username=username, password="correct horse battery staple")
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def log_in(client, user):
    """A full staff session: logged in and past the second factor (a confirmed TOTP device)."""
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
