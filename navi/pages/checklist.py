"""The resident's checklist page at /c/<token>/: read, tick, delete. Server-rendered, no script.

Found only by the unguessable token: an unknown, malformed or expired token gets one friendly
404 page, the same for all three. Every response is personal data: ``Cache-Control: private, no-store``.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from navi import funnel, presenters, services
from navi.models import Checklist, JourneyEvent
from navi.selectors import checklist_by_token, checklist_item
from procedures.selectors import compiled_catalogue

from . import journey as journeys

# The checklist's language (API values) as Django's language code, for the UI strings.
DJANGO_LANG = {"ja": "ja", "en": "en", "easy": "ja-easy"}
CACHE_CONTROL = "private, no-store"
OTHER_OFFICES = 100_000  # after every counter of the municipality


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _not_found(request: HttpRequest) -> HttpResponse:
    """The same page for unknown, malformed and expired tokens, in the resident's language."""
    return _private(render(request, "navi/checklist/not_found.html", status=404))


def _render(request: HttpRequest, checklist: Checklist, template: str, context: dict) -> HttpResponse:
    """Render in the checklist's language: its catalogue texts are already in it."""
    with translation.override(DJANGO_LANG.get(checklist.language, "ja")):
        context = {"checklist": checklist, "html_lang": "en" if checklist.language == "en" else "ja", **context}
        response = render(request, template, context)
    response["Content-Language"] = context["html_lang"]
    return _private(response)


def relation_label(relation: str | None) -> str:
    return {
        "self": _("本人"),
        "spouse": _("配偶者"),
        "child": _("子"),
        "parent": _("親"),
        "deceased": _("亡くなった方"),
        "other": _("その他の家族"),
    }.get(relation or "", _("家族"))


def member_label(member: dict | None) -> str | None:
    if not member:
        return None
    label = relation_label(member.get("relation"))
    if member.get("age") is not None:
        label = _("%(relation)s（%(age)s歳）") % {"relation": label, "age": member["age"]}
    return label


def days_left_text(deadline: date, today: date) -> str:
    days = (deadline - today).days
    if days > 0:
        return ngettext("あと%(days)d日", "あと%(days)d日", days) % {"days": days}
    if days == 0:
        return _("今日が期限です")
    over = -days
    return ngettext("期限を%(days)d日過ぎています", "期限を%(days)d日過ぎています", over) % {"days": over}


def checklist_groups(checklist: Checklist, today: date) -> list[dict]:
    """The items grouped by where to go: online first, then the counters in visiting order, then other offices.

    Within a group the items keep the checklist's order (by deadline).
    """
    catalogue = compiled_catalogue(checklist.catalogue_version)
    procedures = {p.code: p for p in catalogue.procedures}
    members = {m.get("key"): m for m in checklist.members}
    groups: dict[tuple, dict] = {}
    for item in checklist.item_list:
        content = presenters.item_page_content(catalogue, item.procedure_code, checklist.language, item.content)
        proc = content["procedure"]
        if proc.get("online_url"):
            order, key = (0, ""), "online"
            group = {"kind": "online", "title": _("オンラインでできる手続き")}
        elif proc.get("counter"):
            compiled = procedures.get(item.procedure_code)
            code = compiled.data["where"].get("counter") if compiled else None
            counter = catalogue.counters.get(code) or {}
            order, key = (1, counter.get("visit_order", OTHER_OFFICES - 1)), proc["counter"]
            group = {
                "kind": "counter",
                "title": proc["counter"],
                "department": proc.get("department"),
                "location": proc.get("location"),
                "hours": proc.get("hours"),
            }
        else:
            order, key = (2, 0), proc.get("office") or ""
            group = {"kind": "office", "title": proc.get("office") or _("その他の窓口")}
        group = groups.setdefault((order, key), {**group, "items": []})
        deadline = item.deadline
        group["items"].append(
            {
                "key": item.key,
                "anchor": f"item-{item.key}",
                "done": item.done,
                "status": item.status,
                "member": member_label(members.get(item.member_key)) if item.member_key else None,
                "deadline": deadline,
                "days": None if deadline is None else (deadline - today).days,
                "days_text": None if deadline is None else days_left_text(deadline, today),
                "content": content,
            }
        )
    ordered = [groups[k] for k in sorted(groups, key=lambda k: (k[0], str(k[1])))]
    step = 0
    for group in ordered:  # the places to go, numbered in the order to visit them
        if group["kind"] != "online":
            step += 1
            group["step"] = step
    return ordered


@require_GET
def detail(request: HttpRequest, token: str) -> HttpResponse:
    checklist = checklist_by_token(token)
    if checklist is None:
        return _not_found(request)
    with translation.override(DJANGO_LANG.get(checklist.language, "ja")):  # member labels, days left
        return _render(request, checklist, "navi/checklist/detail.html", _detail_context(checklist))


def _detail_context(checklist: Checklist) -> dict:
    today = timezone.localdate()
    groups = checklist_groups(checklist, today)
    items = [i for g in groups for i in g["items"]]
    names = {}
    for i in items:
        name = i["content"]["procedure"]["name"]
        names[i["key"]] = f"{name}（{i['member']}）" if i["member"] else name
    documents = [
        {**doc, "used_by": [names[k] for k in doc.get("items", ()) if k in names]} for doc in checklist.documents
    ]
    return {
        "groups": groups,
        "total": len(items),
        "done_count": sum(1 for i in items if i["done"]),
        "today": today,
        "documents": documents,
    }


@require_POST
def item_done(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """Tick or untick one item, then back to it (post/redirect/get)."""
    checklist = checklist_by_token(token)
    item = checklist_item(checklist, key) if checklist is not None else None
    if item is None:
        return _not_found(request)
    done = request.POST.get("done") == "1"
    if services.checklist_item_set_done(checklist=checklist, key=item.key, done=done) is None:
        return _not_found(request)  # deleted meanwhile
    if done:
        funnel.funnel_record(kind=JourneyEvent.TICKED)
    url = reverse("checklist_pages:detail", args=[checklist.token]) + f"#item-{item.key}"
    return _private(redirect(url))


@require_POST
def revise(request: HttpRequest, token: str) -> HttpResponse:
    """Load the checklist's answers into the questionnaire and go to check them; saving there rebuilds it.

    POST (it changes the session). The questionnaire continues in the checklist's language.
    """
    checklist = checklist_by_token(token)
    if checklist is None:
        return _not_found(request)
    journeys.save(request.session, journeys.from_checklist(checklist))
    response = _private(redirect("questionnaire:check"))
    language = DJANGO_LANG.get(checklist.language, "ja")
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, token: str) -> HttpResponse:
    """GET: ask to confirm. POST: forget at once, then the deleted page."""
    checklist = checklist_by_token(token)
    if checklist is None:
        return _not_found(request)
    if request.method == "POST":
        language = checklist.language
        services.checklist_delete(checklist=checklist)
        return _private(redirect(reverse("checklist_pages:deleted") + f"?lang={language}"))
    return _render(request, checklist, "navi/checklist/delete.html", {})


@require_GET
def deleted(request: HttpRequest) -> HttpResponse:
    language = request.GET.get("lang")
    if language not in DJANGO_LANG:
        return _private(render(request, "navi/checklist/deleted.html"))
    with translation.override(DJANGO_LANG[language]):
        response = render(request, "navi/checklist/deleted.html", {"html_lang": "en" if language == "en" else "ja"})
    return _private(response)
