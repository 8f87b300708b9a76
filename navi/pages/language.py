"""The language switch on the checklist pages: the list itself is rebuilt in the chosen language.

Elsewhere the switch is Django's set_language (a cookie). A checklist's texts are stored in the
language it was made in, so on /c/<token>/… switching also rebuilds it in the new language (ticks
kept, as for revised answers), then goes back to the page the resident was on.
"""

from __future__ import annotations

from contextlib import suppress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_POST

from navi import services
from navi.pages.checklist import _not_found, _private
from navi.selectors import checklist_by_token

from .lang import CATALOGUE_LANG


def switch_url(request: HttpRequest) -> str | None:
    """Where the switch posts on a checklist page (one found by its token), else None (set_language)."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace != "checklist_pages" or "token" not in match.kwargs:
        return None
    return reverse("checklist_pages:language", args=[match.kwargs["token"]])


@require_POST
def switch(request: HttpRequest, token: str) -> HttpResponse:
    code = request.POST.get("language")
    if code not in CATALOGUE_LANG:
        return _private(HttpResponseBadRequest("Choose one of the languages offered.", content_type="text/plain"))
    checklist = checklist_by_token(token)
    if checklist is None:
        with translation.override(code):
            return _remember(_not_found(request), code)
    if checklist.language != CATALOGUE_LANG[code]:
        with suppress(services.InvalidCase):  # answers the catalogue in force no longer takes: left as it was
            services.checklist_update(checklist=checklist, language=CATALOGUE_LANG[code])
    back = request.POST.get("next") or ""
    if not back.startswith(f"/c/{checklist.token}/"):
        back = reverse("checklist_pages:detail", args=[checklist.token])
    return _remember(_private(redirect(back)), code)


def _remember(response: HttpResponse, code: str) -> HttpResponse:
    """The chosen language for the resident's next pages, as set_language keeps it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
