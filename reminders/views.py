"""The resident's reminder pages: opt in (email, Web Push), confirm, unsubscribe. Plain forms.

The confirmation and unsubscribe links in messages only show a page on GET (mail scanners open
links); the change is a POST. The unsubscribe POST is RFC 8058's one-click: it carries no cookie,
so it is exempt from CSRF; the signed token in its URL is the authority.
"""

from __future__ import annotations

import json

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from navi.models import Checklist
from navi.selectors import checklist_by_token

from . import selectors, services, vault
from .api import PushSubscriptionInput
from .models import Contact

DJANGO_LANG = {"ja": "ja", "en": "en", "easy": "ja-easy"}


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("メールアドレス"), max_length=254)


def _page(request: HttpRequest, checklist: Checklist | None, template: str, context: dict, status=200):
    language = checklist.language if checklist is not None else "ja"
    with translation.override(DJANGO_LANG.get(language, "ja")):
        html_lang = "en" if language == "en" else "ja"
        response = render(request, template, {"checklist": checklist, "html_lang": html_lang, **context}, status=status)
    response["Content-Language"] = html_lang
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _not_found(request):
    return _page(request, None, "reminders/not_found.html", {}, status=404)


def _manage_context(checklist: Checklist, form=None, **extra) -> dict:
    return {
        "contacts": selectors.contacts_of(checklist),
        "form": form or EmailForm(),
        "vapid_public_key": vault.vapid_public_key(),
        **extra,
    }


@require_http_methods(["GET"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    checklist = checklist_by_token(token)
    if checklist is None:
        return _not_found(request)
    return _page(request, checklist, "reminders/manage.html", _manage_context(checklist, sent="sent" in request.GET))


@require_POST
def email_optin(request: HttpRequest, token: str) -> HttpResponse:
    checklist = checklist_by_token(token)
    if checklist is None:
        return _not_found(request)
    form = EmailForm(request.POST)
    if form.is_valid():
        try:
            services.contact_email_add(checklist=checklist, email=form.cleaned_data["email"])
        except services.TooManyContacts:
            form.add_error(None, _("これ以上は登録できません。使わない宛先を止めてから登録してください。"))
        else:
            return redirect(reverse("reminders:manage", args=[checklist.token]) + "?sent=1")
    return _page(request, checklist, "reminders/manage.html", _manage_context(checklist, form), status=400)


@require_POST
def push_subscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The page's script posts the browser's subscription here (with the CSRF token)."""
    checklist = checklist_by_token(token)
    if checklist is None:
        return JsonResponse({"errors": {"detail": ["not found"]}}, status=404)
    try:
        data = json.loads(request.body)
    except ValueError:
        return JsonResponse({"errors": {"body": ["malformed JSON"]}}, status=400)
    subscription = PushSubscriptionInput(data=data)
    if not subscription.is_valid():
        return JsonResponse({"errors": subscription.errors}, status=400)
    try:
        contact = services.contact_push_add(checklist=checklist, subscription=subscription.validated_data)
    except services.TooManyContacts as exc:
        return JsonResponse({"errors": {"body": [str(exc)]}}, status=400)
    return JsonResponse({"id": contact.pk, "status": contact.status}, status=201)


@require_POST
def contact_stop(request: HttpRequest, token: str, pk: str) -> HttpResponse:
    checklist = checklist_by_token(token)
    contact = selectors.contact_of(checklist, pk) if checklist is not None else None
    if contact is None:
        return _not_found(request)
    services.contact_stop(contact=contact)
    return redirect(reverse("reminders:manage", args=[checklist.token]) + "?stopped=1")


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, signed: str) -> HttpResponse:
    contact = services.contact_by_confirm_token(signed)
    if contact is None or contact.status not in (Contact.PENDING, Contact.ACTIVE):
        return _page(request, None, "reminders/link_invalid.html", {}, status=404)
    if request.method == "POST":
        services.contact_confirm(contact=contact)
        return _page(request, contact.checklist, "reminders/done.html", {"done": "confirmed"})
    if contact.status == Contact.ACTIVE:
        return _page(request, contact.checklist, "reminders/done.html", {"done": "confirmed"})
    return _page(request, contact.checklist, "reminders/confirm.html", {"contact": contact, "signed": signed})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, signed: str) -> HttpResponse:
    contact = services.contact_by_unsubscribe_token(signed)
    if contact is None:
        return _page(request, None, "reminders/link_invalid.html", {}, status=404)
    if request.method == "POST":
        services.contact_stop(contact=contact)
        return _page(request, contact.checklist, "reminders/done.html", {"done": "stopped"})
    if contact.status not in (Contact.PENDING, Contact.ACTIVE):
        return _page(request, contact.checklist, "reminders/done.html", {"done": "stopped"})
    return _page(request, contact.checklist, "reminders/unsubscribe.html", {"contact": contact, "signed": signed})
