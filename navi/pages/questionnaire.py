"""The resident's questionnaire: start, household, one question per page, check your answers.

GOV.UK / デジタル庁 "one question per page": each page posts back to itself, the answers stay
server-side in the session (navi.pages.journey), and the checklist is made only at the end.
"""

from __future__ import annotations

import json
from datetime import date

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from navi import funnel
from navi.models import Checklist, JourneyEvent
from navi.services import InvalidCase, checklist_changes, checklist_create, checklist_update
from procedures.engine.answers import check_value
from procedures.selectors import catalogue_version_in_force, compiled_catalogue

from . import journey as journeys
from .checklist import _not_found as checklist_not_found
from .lang import catalogue_lang

RELATIONS = [
    ("self", _("本人")),
    ("spouse", _("配偶者（夫・妻）")),
    ("child", _("子")),
    ("parent", _("親")),
    ("deceased", _("亡くなった方")),
    ("other", _("その他の家族")),
]
RELATION_LABELS = dict(RELATIONS)
DATE_CHECK = {"type": "date"}


def _catalogue():
    return compiled_catalogue(catalogue_version_in_force())


def _text(catalogue, value) -> str:
    return catalogue.text(value, catalogue_lang()) or ""


def _count(journey: dict | None, kind: str, step: str) -> None:
    """A funnel event for this journey (navi.funnel); none while revising a checklist's answers."""
    if journey is not None and journey.get("revise") is not None:
        return
    funnel.funnel_record(kind=kind, step=step, journey=journey.get("id") if journey else None)


def _member_label(journey: dict, member: dict) -> str:
    n = next(i for i, m in enumerate(journey["members"], 1) if m["key"] == member["key"])
    relation = RELATION_LABELS.get(member["relation"], member["relation"])
    if member.get("age") is None:
        return gettext("%(n)s人目（%(relation)s）") % {"n": n, "relation": relation}
    return gettext("%(n)s人目（%(relation)s・%(age)s歳）") % {"n": n, "relation": relation, "age": member["age"]}


# --- start ------------------------------------------------------------------------------------


class StartForm(forms.Form):
    life_events = forms.MultipleChoiceField(
        label=_("どんなことがありましたか（いくつでも選べます）"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("あてはまるものを 1 つ以上選んでください"),
            "invalid_choice": _("あてはまるものを一覧から選んでください"),
        },
    )
    event_date = forms.CharField(
        label=_("その日付"),
        help_text=_("引越し・出生・死亡の日。例: 2026-04-01"),
        error_messages={"required": _("日付を入力してください")},
    )

    def __init__(self, *args, catalogue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["life_events"].choices = [
            (code, _text(catalogue, event["name"])) for code, event in catalogue.life_events.items()
        ]

    def clean_life_events(self):
        return list(dict.fromkeys(self.cleaned_data["life_events"]))  # each once, as the API wants

    def clean_event_date(self):
        value = self.cleaned_data["event_date"].strip()
        if check_value(DATE_CHECK, value):
            raise forms.ValidationError(gettext("日付を 2026-04-01 のように、年-月-日で入力してください"))
        return value


def _errors(form) -> list[dict]:
    """The error summary: each message linked to its field (the first input of a group)."""
    out = []
    for name, errors in form.errors.items():
        anchor = f"id_{name}_0" if name == "life_events" else f"id_{name}"
        for message in errors:
            out.append({"anchor": anchor, "message": message})
    return out


@require_http_methods(["GET", "POST"])
def start(request):
    catalogue = _catalogue()
    journey = journeys.load(request.session)
    if request.method == "POST":
        form = StartForm(request.POST, catalogue=catalogue)
        if form.is_valid():
            journey = journey or journeys.empty()
            journey["life_events"] = form.cleaned_data["life_events"]
            journey["event_date"] = form.cleaned_data["event_date"]
            if "death" not in journey["life_events"]:
                journey["members"] = [m for m in journey["members"] if m["relation"] != "deceased"]
            journeys.save(request.session, journey)
            _count(journey, JourneyEvent.ANSWER, funnel.START)
            if request.GET.get("return") == "check":
                return redirect("questionnaire:check")
            return redirect("questionnaire:household")
    else:
        _count(journey, JourneyEvent.PAGE, funnel.START)
        initial = {}
        if journey:
            initial = {"life_events": journey["life_events"], "event_date": journey["event_date"]}
        form = StartForm(initial=initial, catalogue=catalogue)
    return render(
        request,
        "navi/questionnaire/start.html",
        {"form": form, "errors": _errors(form), "return_check": request.GET.get("return") == "check"},
    )


# --- household --------------------------------------------------------------------------------


class MemberForm(forms.Form):
    relation = forms.ChoiceField(
        label=_("続柄"),
        error_messages={
            "required": _("続柄を選んでください"),
            "invalid_choice": _("続柄を一覧から選んでください"),
        },
    )
    age = forms.IntegerField(
        label=_("年齢"),
        help_text=_("生まれた赤ちゃんは 0 歳、亡くなった方は亡くなったときの年齢"),
        min_value=0,
        max_value=130,
        error_messages={
            "required": _("年齢を入力してください"),
            "invalid": _("年齢を数字で入力してください"),
            "min_value": _("年齢は 0 から 130 までの数字で入力してください"),
            "max_value": _("年齢は 0 から 130 までの数字で入力してください"),
        },
    )

    def __init__(self, *args, life_events, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relation"].choices = [("", _("選んでください"))] + [
            (code, label) for code, label in RELATIONS if code != "deceased" or "death" in life_events
        ]


def _require_journey(request):
    journey = journeys.load(request.session)
    if not journey or not journey["life_events"] or not journey["event_date"]:
        return None
    return journey


@require_http_methods(["GET", "POST"])
def household(request):
    journey = _require_journey(request)
    if journey is None:
        return redirect("questionnaire:start")
    catalogue = _catalogue()
    form = MemberForm(life_events=journey["life_events"])
    errors: list[dict] = []
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remove":
            key = request.POST.get("member")
            journey["members"] = [m for m in journey["members"] if m["key"] != key]
            journeys.save(request.session, journey)
            return redirect(request.get_full_path())
        if action == "add":
            form = MemberForm(request.POST, life_events=journey["life_events"])
            if len(journey["members"]) >= settings.CHECKLIST_MAX_MEMBERS:
                errors = [{"anchor": "id_relation", "message": gettext("これ以上は追加できません")}]
            elif form.is_valid():
                journey["members"].append(
                    {
                        "key": journeys.new_member_key(journey),
                        "relation": form.cleaned_data["relation"],
                        "age": form.cleaned_data["age"],
                    }
                )
                journeys.save(request.session, journey)
                return redirect(request.get_full_path())
            else:
                errors = _errors(form)
        else:
            if not journey["members"]:
                errors = [{"anchor": "id_relation", "message": gettext("世帯の人を 1 人以上追加してください")}]
            else:
                _count(journey, JourneyEvent.ANSWER, funnel.HOUSEHOLD)
                if request.GET.get("return") == "check":
                    return redirect("questionnaire:check")
                return redirect(_step_url(journeys.steps(catalogue, journey), 0, fallback="questionnaire:check"))
    if request.method == "GET":
        _count(journey, JourneyEvent.PAGE, funnel.HOUSEHOLD)
    members = [{"key": m["key"], "label": _member_label(journey, m)} for m in journey["members"]]
    return render(
        request,
        "navi/questionnaire/household.html",
        {
            "form": form,
            "errors": errors,
            "members": members,
            "back_url": reverse("questionnaire:start"),
            "return_check": request.GET.get("return") == "check",
        },
        status=200,
    )


# --- one question per page --------------------------------------------------------------------


def _url(step) -> str:
    if step.member is not None:
        return reverse("questionnaire:member_question", args=[step.key, step.member_key])
    return reverse("questionnaire:question", args=[step.key])


def _step_url(steps, index: int, *, fallback: str) -> str:
    return _url(steps[index]) if 0 <= index < len(steps) else reverse(fallback)


def _parse(question: dict, raw: str | None):
    """The answer a form value stands for, or raise ValueError with the message to show."""
    kind = question["type"]
    raw = (raw or "").strip()
    if not raw:
        raise ValueError(gettext("答えを選ぶか入力してください。わからないときは「わからない」を押してください"))
    if kind == "yes_no":
        value = {"yes": True, "no": False}.get(raw)
    elif kind == "number":
        try:
            value = int(raw)
        except ValueError:
            try:
                value = float(raw)
            except ValueError:
                value = raw
    else:
        value = raw
    if value is None or check_value(question, value):
        if kind == "number":
            low, high = question.get("min"), question.get("max")
            if low is not None and high is not None:
                raise ValueError(
                    gettext("%(low)s から %(high)s までの数字で入力してください") % {"low": low, "high": high}
                )
            raise ValueError(gettext("数字で入力してください"))
        if kind == "date":
            raise ValueError(gettext("日付を 2026-04-01 のように、年-月-日で入力してください"))
        raise ValueError(gettext("選択肢から 1 つ選んでください"))
    return value


def _choices(catalogue, question: dict) -> list[tuple[str, str]]:
    if question["type"] == "yes_no":
        return [("yes", gettext("はい")), ("no", gettext("いいえ"))]
    return [(c["value"], _text(catalogue, c["label"])) for c in question.get("choices") or ()]


def _shown(question: dict, value) -> str:
    if value is None:
        return ""
    if question["type"] == "yes_no":
        return "yes" if value else "no"
    return str(value)


@require_http_methods(["GET", "POST"])
def question(request, key: str, member: str | None = None):
    journey = _require_journey(request)
    if journey is None:
        return redirect("questionnaire:start")
    if not journey["members"]:
        return redirect("questionnaire:household")
    catalogue = _catalogue()
    steps = journeys.steps(catalogue, journey)
    index = next((i for i, s in enumerate(steps) if s.key == key and s.member_key == member), None)
    if index is None:
        raise Http404("not a question of this journey")
    step = steps[index]
    q = step.question
    return_check = request.GET.get("return") == "check"
    errors: list[dict] = []
    raw = None
    if request.method == "POST":
        skip = request.POST.get("action") == "skip"
        try:
            value = None if skip else _parse(q, request.POST.get("answer"))
        except ValueError as exc:
            errors = [{"anchor": "answer", "message": str(exc)}]
            raw = request.POST.get("answer", "")
        else:
            if step.member is not None:
                target = next(m for m in journey["members"] if m["key"] == member)
            else:
                target = journey["answers"]
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
            journeys.save(request.session, journey)
            _count(journey, JourneyEvent.SKIP if value is None else JourneyEvent.ANSWER, key)
            if return_check:
                return redirect("questionnaire:check")
            steps = journeys.steps(catalogue, journey)
            here = next((i for i, s in enumerate(steps) if s.key == key and s.member_key == member), index)
            return redirect(_step_url(steps, here + 1, fallback="questionnaire:check"))
    else:
        _count(journey, JourneyEvent.PAGE, key)
    if raw is None:
        raw = _shown(q, step.answer(journey))
    if return_check:
        back_url = reverse("questionnaire:check")
    elif index == 0:
        back_url = reverse("questionnaire:household")
    else:
        back_url = _url(steps[index - 1])
    return render(
        request,
        "navi/questionnaire/question.html",
        {
            "question": q,
            "text": _text(catalogue, q["text"]),
            "help": _text(catalogue, q.get("help")),
            "member_label": _member_label(journey, step.member) if step.member else "",
            "choices": _choices(catalogue, q),
            "value": raw,
            "errors": errors,
            "number": index + 1,
            "total": len(steps),
            "back_url": back_url,
            "return_check": return_check,
        },
    )


# --- check your answers -----------------------------------------------------------------------


def _answer_text(catalogue, question: dict, value) -> str:
    if value is None:
        return gettext("わからない（窓口で確認）")
    if question["type"] == "yes_no":
        return gettext("はい") if value else gettext("いいえ")
    if question["type"] == "choice":
        return dict(_choices(catalogue, question)).get(value, str(value))
    return str(value)


def _revised(journey: dict) -> Checklist | None:
    """The live checklist a revising journey rebuilds (None if it was deleted or has expired)."""
    live = Checklist.objects.filter(pk=journey["revise"], expires_at__gt=timezone.now())
    return live.first()


def _changes(catalogue, checklist: Checklist, journey: dict, answers: dict, members: list[dict]) -> list[dict]:
    """What saving the revised answers does to the list, item by item, in words (nothing is saved)."""
    diff = checklist_changes(
        checklist=checklist,
        life_events=journey["life_events"],
        event_date=date.fromisoformat(journey["event_date"]),
        answers=answers,
        members=members,
    )
    old = {item.key: json.loads(item.content)["procedure"]["name"] for item in checklist.item_list}
    lang = catalogue_lang()
    names = {p.code: catalogue.text(p.data["name"], lang) for p in catalogue.procedures}
    by_key = {m["key"]: m for m in journey["members"]}

    def name(key: str) -> str:
        code, _, member = key.partition(".")
        label = names.get(code) or old.get(key) or code
        if member in by_key:
            label = f"{label}（{_member_label(journey, by_key[member])}）"
        return label

    rows = [{"kind": "added", "name": name(k), "text": gettext("増える")} for k in diff.added]
    rows += [{"kind": "removed", "name": name(k), "text": gettext("なくなる")} for k in diff.removed]
    for change in diff.changed:
        texts = []
        if "status" in change.changes:
            texts.append(
                gettext("窓口で確認が必要になる")
                if change.changes["status"][1] == "check"
                else gettext("必要な手続きに決まる")
            )
        if "deadline" in change.changes:
            new = change.changes["deadline"][1]
            texts.append(
                gettext("期限が %(date)s になる") % {"date": new.isoformat()} if new else gettext("期限がなくなる")
            )
        rows.append({"kind": "changed", "name": name(change.key), "text": "、".join(texts)})
    return rows


@require_http_methods(["GET", "POST"])
def check(request):
    journey = _require_journey(request)
    if journey is None:
        return redirect("questionnaire:start")
    if not journey["members"]:
        return redirect("questionnaire:household")
    revising = None
    if journey.get("revise") is not None:
        revising = _revised(journey)
        if revising is None:  # deleted or expired since: nothing to rebuild
            journeys.clear(request.session)
            return checklist_not_found(request)
    catalogue = _catalogue()
    steps = journeys.steps(catalogue, journey)
    errors: list[dict] = []
    answers, members = journeys.case_input(catalogue, journey)
    if request.method == "POST" and revising is not None and request.POST.get("action") == "cancel":
        journeys.clear(request.session)
        return HttpResponseRedirect(f"/c/{revising.token}/")
    if request.method == "POST":
        case = {
            "life_events": journey["life_events"],
            "event_date": date.fromisoformat(journey["event_date"]),
            "answers": answers,
            "members": members,
            "language": catalogue_lang(),
        }
        try:
            if revising is not None:
                checklist_update(checklist=revising, **case)
                token = revising.token
            else:
                token = checklist_create(**case).token
        except InvalidCase:
            errors = [{"anchor": "answers", "message": gettext("答えに誤りがあります。変更してください")}]
        else:
            if revising is not None:
                funnel.funnel_record(kind=JourneyEvent.REVISED)
            else:
                _count(journey, JourneyEvent.CREATED, "")
            journeys.clear(request.session)
            return HttpResponseRedirect(f"/c/{token}/")
    else:
        _count(journey, JourneyEvent.PAGE, funnel.CHECK)
    changes = None
    if revising is not None and not errors:
        try:
            changes = _changes(catalogue, revising, journey, answers, members)
        except InvalidCase:
            errors = [{"anchor": "answers", "message": gettext("答えに誤りがあります。変更してください")}]
    events = ", ".join(_text(catalogue, catalogue.life_events[e]["name"]) for e in journey["life_events"])
    rows = [
        {"label": gettext("できごと"), "value": events, "url": reverse("questionnaire:start") + "?return=check"},
        {
            "label": gettext("その日付"),
            "value": journey["event_date"],
            "url": reverse("questionnaire:start") + "?return=check",
        },
        {
            "label": gettext("世帯の人"),
            "value": pgettext("list separator", "、").join(_member_label(journey, m) for m in journey["members"]),
            "url": reverse("questionnaire:household") + "?return=check",
        },
    ]
    for step in steps:
        label = _text(catalogue, step.question["text"])
        if step.member is not None:
            label = f"{_member_label(journey, step.member)} {label}"
        rows.append(
            {
                "label": label,
                "value": _answer_text(catalogue, step.question, step.answer(journey)),
                "url": _url(step) + "?return=check",
            }
        )
    back_url = _url(steps[-1]) if steps else reverse("questionnaire:household")
    return render(
        request,
        "navi/questionnaire/check.html",
        {"rows": rows, "errors": errors, "back_url": back_url, "revising": revising is not None, "changes": changes},
    )
