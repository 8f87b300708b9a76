"""The gate in front of the staff areas (/staff/, /counter/, /studio/); residents' pages and the API pass untouched."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _

from .network import client_ip, staff_network_allows
from .permissions import second_factor_pending, second_factor_redirect

LAST_ACTIVITY_KEY = "staff_last_activity"

# Pages an anonymous visitor may open, and pages a session may open while it owes a second factor.
LOGIN_EXEMPT = frozenset({"staff:login"})
SECOND_FACTOR_EXEMPT = LOGIN_EXEMPT | {"staff:logout", "staff:2fa-verify", "staff:2fa-setup"}


def is_staff_path(path: str) -> bool:
    return path.startswith(settings.STAFF_PATH_PREFIXES)


def _view_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


class StaffAreaMiddleware:
    """In order: the language, the IP allow-list (403), inactivity expiry, login, second factor.

    Inactivity is stamped in the session on staff requests only, so a staff session expires
    after STAFF_IDLE_TIMEOUT seconds without a staff page, while residents never time out.
    Views still check capabilities themselves (capability_required / the services).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_staff_path(request.path_info):
            return self.get_response(request)
        # Staff pages are written in Japanese only so far: serve them as Japanese whatever the
        # browser prefers, so that <html lang> tells screen readers the truth.
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        if not staff_network_allows(client_ip(request)):
            return render(request, "staff/network_denied.html", status=403)

        view_name = _view_name(request.path_info)
        if request.user.is_authenticated and self._idle_expired(request):
            logout(request)
            messages.info(request, _("一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。"))

        user = request.user
        if view_name not in LOGIN_EXEMPT:
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            step = second_factor_pending(user)
            if step is not None and view_name not in SECOND_FACTOR_EXEMPT:
                return second_factor_redirect(request, step)

        response = self.get_response(request)
        if request.user.is_authenticated:
            request.session[LAST_ACTIVITY_KEY] = int(time.time())
        return response

    @staticmethod
    def _idle_expired(request) -> bool:
        last = request.session.get(LAST_ACTIVITY_KEY)
        return last is not None and time.time() - last > settings.STAFF_IDLE_TIMEOUT
