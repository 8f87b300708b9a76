"""What a message says, in the checklist's language: subject, plain text, HTML and the push payload.

A digest is composed when it is sent, from the checklist as it is then: an item ticked done since
the row was written is left out, and a digest with nothing left to say is not sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.template import engines
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from navi.models import ChecklistItem

from . import policy
from .models import Message

DJANGO_LANG = {"ja": "ja", "en": "en", "easy": "ja-easy"}


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str
    message_id: str
    topic: str
    unsubscribe_url: str | None
    push: dict = field(default_factory=dict)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def message_id(message: Message) -> str:
    """Stable for the (message, channel): a resent or retried email is the same email."""
    return f"<{message.uid}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}>"


def days_left(deadline: date, day: date) -> str:
    days = (deadline - day).days
    if days == 0:
        return _("今日が期限です")
    return ngettext("あと%(days)d日", "あと%(days)d日", days) % {"days": days}


def _item(row: ChecklistItem, day: date) -> dict:
    shown = json.loads(row.content)
    proc = shown["procedure"]
    where = proc.get("counter") or proc.get("office") or ""
    if proc.get("counter") and proc.get("location"):
        where = f"{where}（{proc['location']}）"
    return {
        "name": proc["name"],
        "deadline": row.deadline,
        "days_left": days_left(row.deadline, day),
        "where": where,
        "hours": proc.get("hours"),
        "online_url": proc.get("online_url"),
    }


def compose(message: Message, *, now: datetime, items: list[ChecklistItem] | None = None) -> Letter | None:
    """`items`: the checklist's items not done that have a deadline, when the caller has read them
    already (the send reads them with the message); otherwise they are read here."""
    from .services import confirm_token, unsubscribe_token

    checklist = message.checklist
    checklist_url = absolute(reverse("checklist_pages:detail", args=[checklist.token]))
    with translation.override(DJANGO_LANG.get(checklist.language, "ja")):
        context = {"checklist_url": checklist_url, "language": checklist.language, "day": message.day}
        unsubscribe_url = None
        if message.kind == Message.CONFIRM:
            context["confirm_url"] = absolute(reverse("reminders:confirm", args=[confirm_token(message.contact)]))
            subject = _("【手続ナビ】お知らせメールの登録を確かめてください")
            template = "reminders/email/confirm"
        else:
            rules = policy.policy_for(checklist.catalogue_version.municipality)
            rows = items
            if rows is None:
                rows = [item for item in checklist.item_list if not item.done and item.deadline is not None]
            due = sorted(policy.due_on(rows, message.day, rules), key=lambda r: (r.deadline, r.position))
            if not due and not message.changes:
                return None
            unsubscribe_url = absolute(reverse("reminders:unsubscribe", args=[unsubscribe_token(message.contact)]))
            context.update(
                items=[_item(r, message.day) for r in due],
                changes=message.changes,
                unsubscribe_url=unsubscribe_url,
            )
            if due:
                subject = ngettext(
                    "【手続ナビ】期限が近い手続きが%(count)d件あります",
                    "【手続ナビ】期限が近い手続きが%(count)d件あります",
                    len(due),
                ) % {"count": len(due)}
            else:
                subject = _("【手続ナビ】チェックリストに関わる変更があります")
            template = "reminders/email/digest"
        mail = engines["mail"]  # Jinja2 (reminders/jinja2/, config/jinja2.py); templates compiled once
        text = mail.get_template(f"{template}.txt").render(context)
        html = mail.get_template(f"{template}.html").render({**context, "subject": subject})
        body = "\n".join(f"{i['name']}: {i['deadline']:%Y-%m-%d}" for i in context.get("items", []))
        push = {"title": subject, "body": body or _("チェックリストを開いて確かめてください。"), "url": checklist_url}
    return Letter(
        subject=subject,
        text=text,
        html=html,
        message_id=message_id(message),
        topic=message.uid.hex,
        unsubscribe_url=unsubscribe_url,
        push={**push, "tag": message.uid.hex},
    )
