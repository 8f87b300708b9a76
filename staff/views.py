"""Staff pages: login, two-factor, one's own account, staff management. Thin: forms check input,
services decide and write, selectors read."""

from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import segno
from axes.helpers import get_client_username
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from . import selectors, services
from .forms import EnrolmentForm, LoginForm, StaffCreateForm, StaffPasswordChangeForm, StaffUpdateForm, TokenForm
from .network import client_ip
from .permissions import capability_required, second_factor_pending

User = get_user_model()

RECOVERY_CODES_SESSION_KEY = "staff_recovery_codes"


def _next_url(request, default: str = "staff:home") -> str:
    """The ?next= (or posted next) target when it stays on this site, else the default page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(default)


# Login and logout


class LoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("staff:login")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): the login page, saying why and what to do.

    The form stays usable: another clerk at the same terminal (same IP) can still log in.
    """
    cooloff = settings.AXES_COOLOFF_TIME
    context = {
        "form": LoginForm(request),
        "locked_username": get_client_username(request, credentials) or "",
        "cooloff_minutes": int(cooloff.total_seconds() // 60) if cooloff else None,
        "next": _next_url(request),
    }
    return render(request, "staff/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


# Second factor


def _start_verified_session(request, device) -> None:
    django_otp.login(request, device)
    request.session.cycle_key()  # a new session id for the now fully signed-in session


@login_required
def second_factor_verify(request):
    step = second_factor_pending(request.user)
    if step == "setup":
        return redirect(f"{reverse('staff:2fa-setup')}?{request.GET.urlencode()}")
    if step is None:
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if form.is_valid():
        device = services.second_factor_verify(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            _start_verified_session(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    _("リカバリーコードを使いました。残りは %(count)d 個です。") % {"count": device.token_set.count()},
                )
            return redirect(_next_url(request))
        form.add_error("token", _("コードが正しくありません。もう一度入力してください。"))
    return render(request, "staff/2fa_verify.html", {"form": form, "next": _next_url(request)})


@login_required
def second_factor_setup(request):
    """Enrolment of an authenticator app: QR code, first code, then recovery codes."""
    if second_factor_pending(request.user) == "verify":
        return redirect(f"{reverse('staff:2fa-verify')}?{request.GET.urlencode()}")
    form = EnrolmentForm(request.POST or None)
    if form.is_valid():
        try:
            device, codes = services.totp_enrolment_confirm(
                user=request.user, token=form.cleaned_data["token"], ip=client_ip(request)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _start_verified_session(request, device)
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            messages.success(request, _("2段階認証を設定しました。"))
            return redirect(f"{reverse('staff:2fa-recovery-codes')}?{urlencode({'next': _next_url(request)})}")
    device = services.totp_enrolment_start(user=request.user)
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_data_uri": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=4),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
    }
    return render(request, "staff/2fa_setup.html", context)


@capability_required("account.self")
def recovery_codes(request):
    """New recovery codes are shown here once, straight after they are made."""
    if request.method == "POST":
        request.session[RECOVERY_CODES_SESSION_KEY] = services.recovery_codes_regenerate(
            user=request.user, ip=client_ip(request)
        )
        return redirect("staff:2fa-recovery-codes")
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    return render(request, "staff/recovery_codes.html", {"codes": codes, "next": _next_url(request, "staff:account")})


@require_POST
@capability_required("account.self")
def second_factor_disable(request):
    services.second_factor_disable(user=request.user, ip=client_ip(request))
    messages.success(request, _("2段階認証を解除しました。"))
    return redirect("staff:account")


# One's own account


@capability_required("account.self")
def home(request):
    return render(request, "staff/home.html")


@capability_required("account.self")
def account(request):
    return render(request, "staff/account.html", {"account": selectors.account_summary(user=request.user)})


@capability_required("account.self")
def password_change(request):
    form = StaffPasswordChangeForm(request.user, request.POST or None)
    if form.is_valid():
        services.account_password_change(
            user=request.user, new_password=form.cleaned_data["new_password1"], ip=client_ip(request)
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, _("パスワードを変更しました。"))
        return redirect("staff:account")
    return render(request, "staff/password_change.html", {"form": form})


# Staff management (supervisors)


def _staff_row(pk: int):
    try:
        return selectors.staff_detail(user_id=pk)
    except User.DoesNotExist:
        raise Http404 from None


@capability_required("staff.manage")
def user_list(request):
    return render(request, "staff/user_list.html", {"rows": selectors.staff_list()})


@capability_required("staff.manage")
def user_create(request):
    form = StaffCreateForm(request.POST or None, departments=selectors.department_choices())
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = services.staff_create(
                actor=request.user,
                username=data["username"],
                password=data["password1"],
                roles=data["roles"],
                department=data["department"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                ip=client_ip(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("職員「%(username)s」を登録しました。") % {"username": user.get_username()})
            return redirect("staff:user-list")
    return render(request, "staff/user_create.html", {"form": form})


@capability_required("staff.manage")
def user_detail(request, pk: int):
    row = _staff_row(pk)
    initial = {
        "roles": [role.value for role in row.roles],
        "department": row.department,
        "is_active": row.user.is_active,
    }
    form = StaffUpdateForm(request.POST or None, initial=initial, departments=selectors.department_choices())
    if form.is_valid():
        try:
            services.staff_update(
                actor=request.user,
                user=row.user,
                roles=form.cleaned_data["roles"],
                department=form.cleaned_data["department"],
                is_active=form.cleaned_data["is_active"],
                ip=client_ip(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("「%(username)s」の設定を保存しました。") % {"username": row.user.get_username()}
            )
            return redirect("staff:user-detail", pk=pk)
    return render(request, "staff/user_detail.html", {"row": row, "form": form})


@require_POST
@capability_required("staff.unlock")
def user_unlock(request, pk: int):
    row = _staff_row(pk)
    services.staff_unlock(actor=request.user, username=row.user.get_username(), ip=client_ip(request))
    messages.success(request, _("「%(username)s」のロックを解除しました。") % {"username": row.user.get_username()})
    return redirect("staff:user-detail", pk=pk)


@require_POST
@capability_required("staff.manage")
def user_second_factor_reset(request, pk: int):
    row = _staff_row(pk)
    services.staff_second_factor_reset(actor=request.user, user=row.user, ip=client_ip(request))
    messages.success(
        request,
        _("「%(username)s」の2段階認証をリセットしました。次回ログイン時に設定し直します。")
        % {"username": row.user.get_username()},
    )
    return redirect("staff:user-detail", pk=pk)
