"""Forms of the rule studio. They turn input into content values; the loader's checks decide.

A form checks only what it must to build a value (JSON that parses, a whole number); every rule
about the catalogue is the loader's, run by the service on the whole draft. Its errors come back
naming file and field, and `place_errors` puts each next to the form field it belongs to.
"""

from __future__ import annotations

import json
import re

from django import forms
from django.core.exceptions import ValidationError

from procedures.content import ContentError

from .models import Draft

LANG_LABELS = {"ja": "日本語", "en": "英語", "easy": "やさしい日本語"}


class JSONText(forms.CharField):
    """A JSON value typed in a text area; empty means absent (None) when not required."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "code"})

    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        return "" if value is None else json.dumps(value, ensure_ascii=False)

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"JSON として読めません（{exc.lineno} 行 {exc.colno} 文字目: {exc.msg}）") from exc

    def validate(self, value):
        if value is None and self.required:
            raise ValidationError("入力してください。", code="required")


def _texts(form: forms.Form, name: str, label: str, required: bool = True, area: bool = False) -> None:
    for lang, lang_label in LANG_LABELS.items():
        field = forms.CharField(
            label=f"{label}（{lang_label}）", required=required, strip=True,
            widget=forms.Textarea(attrs={"rows": 3}) if area else forms.TextInput,
        )  # fmt: skip
        form.fields[f"{name}_{lang}"] = field


def _texts_initial(entry: dict, name: str) -> dict:
    value = entry.get(name) or {}
    return {f"{name}_{lang}": value.get(lang, "") for lang in LANG_LABELS}


def _texts_value(data: dict, name: str):
    value = {lang: data[f"{name}_{lang}"] for lang in LANG_LABELS}
    return value if any(value.values()) else None


class _EntryForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    # content field (the loader's name, first part) -> form field
    error_fields: dict[str, str] = {}

    content_file = ""  # the file holding the entry
    content_prefix = ""  # the entry's place in it, for files holding a list: 'laws.3.'

    def local_field(self, error: ContentError) -> str | None:
        """The error's field inside this entry ('deadline.from'), or None when it is about another entry."""
        if error.file != (self.content_file or self.entry.get("_file")) or not error.field.startswith(
            self.content_prefix
        ):
            return None
        return error.field[len(self.content_prefix) :]

    def place_errors(self, errors: list[ContentError]) -> None:
        """Each loader error next to its field; those about other entries at the top of the form."""
        for error in errors:
            target = None
            field = self.local_field(error)
            if field is not None:
                head = field.split(".", 1)[0]
                target = self.error_fields.get(field) or self.error_fields.get(head)
                if target is None and head in ("name", "description", "text", "help", "deadline_note"):
                    lang = field.split(".")[1] if "." in field else "ja"
                    target = f"{head}_{lang}" if f"{head}_{lang}" in self.fields else None
            message = error.problem if target else f"{error.file}: {error.field}: {error.problem}"
            self.add_error(target, message)


class ProcedureForm(_EntryForm):
    rationale = forms.CharField(label="ルールの要約（審査用の 1 行）", max_length=500)
    life_events = forms.MultipleChoiceField(label="ライフイベント", widget=forms.CheckboxSelectMultiple)
    per_member = forms.BooleanField(label="世帯員ごとに判定する", required=False)
    applies_if = JSONText(label="対象となる条件（JsonLogic）", required=True)
    where = forms.ChoiceField(label="窓口・機関")
    online_url = forms.CharField(label="オンライン申請の URL", required=False)
    fee_yen = forms.IntegerField(label="手数料（円）", required=False, min_value=0)
    deadline_kind = forms.ChoiceField(
        label="期限の数え方", choices=[("none", "法令上の期限なし"), ("days", "日数"), ("months", "月数")]
    )
    deadline_count = forms.IntegerField(label="日数・月数", required=False, min_value=0)
    deadline_from = forms.ChoiceField(label="起算する日")
    deadline_count_first_day = forms.BooleanField(label="初日を算入する（戸籍法 43 条）", required=False)
    deadline_calendar = forms.ChoiceField(
        label="閉庁日の扱い",
        choices=[
            ("municipality", "市の閉庁日で翌開庁日へ"),
            ("national", "国の機関の休日で翌開庁日へ"),
            ("none", "動かさない"),
        ],
    )
    legal_basis = JSONText(label='根拠法令（JSON: [{"law": …, "article": …}]）', required=True)
    documents = JSONText(label="持ち物（JSON のリスト）", required=False)

    error_fields = {
        "rationale": "rationale", "life_events": "life_events", "per_member": "per_member",
        "applies_if": "applies_if", "where": "where", "online_url": "online_url", "fee": "fee_yen",
        "deadline.from": "deadline_from", "deadline": "deadline_count", "legal_basis": "legal_basis",
        "documents": "documents",
    }  # fmt: skip

    def __init__(self, *args, entry: dict, draft_content: dict, **kwargs):
        self.entry = entry
        initial = {
            **_texts_initial(entry, "name"), **_texts_initial(entry, "description"),
            **_texts_initial(entry, "deadline_note"),
            "rationale": entry.get("rationale"), "life_events": entry["life_events"],
            "per_member": entry["per_member"], "applies_if": entry["applies_if"],
            "where": ("counter:" + entry["where"]["counter"]) if entry["where"].get("counter")
            else ("office:" + (entry["where"].get("office") or "")),
            "online_url": entry.get("online_url") or "", "fee_yen": (entry.get("fee") or {}).get("yen"),
            "legal_basis": entry["legal_basis"], "documents": entry.get("documents") or [],
        }  # fmt: skip
        deadline = entry.get("deadline")
        if deadline:
            kind = "days" if "days" in deadline else "months"
            initial.update(
                deadline_kind=kind, deadline_count=deadline.get(kind), deadline_from=deadline.get("from"),
                deadline_count_first_day=deadline.get("count_first_day", False),
                deadline_calendar=deadline.get("calendar", "municipality"),
            )  # fmt: skip
        else:
            initial.update(deadline_kind="none", deadline_from="event_date")
        super().__init__(*args, initial={**initial, **kwargs.pop("initial", {})}, **kwargs)
        _texts(self, "name", "名前")
        _texts(self, "description", "説明", area=True)
        _texts(self, "deadline_note", "期限の説明（期限の数えがないとき）", required=False)
        self.fields["life_events"].choices = [(e["code"], e["name"]["ja"]) for e in draft_content["life_events"]]
        muni = next(m for m in draft_content["municipalities"] if m["code"] == draft_content["meta"]["municipality"])
        self.fields["where"].choices = [
            ("市の窓口", [(f"counter:{c['code']}", c["name"]["ja"]) for c in muni["counters"]]),
            ("市役所の外の機関", [(f"office:{o['code']}", o["name"]["ja"]) for o in draft_content["offices"]]),
        ]
        self.fields["deadline_from"].choices = [("event_date", "出来事の日")] + [
            (q["key"], q["text"]["ja"])
            for q in draft_content["questions"]
            if q["type"] == "date" and not q["per_member"]
        ]
        order = ["revision", "name_ja", "name_en", "name_easy", "description_ja", "description_en", "description_easy"]
        self.order_fields(order)

    def changes(self) -> dict:
        d = self.cleaned_data
        kind, _, code = d["where"].partition(":")
        fee = None if d["fee_yen"] is None else {**(self.entry.get("fee") or {}), "yen": d["fee_yen"]}
        deadline = None
        if d["deadline_kind"] != "none":
            deadline = {
                d["deadline_kind"]: d["deadline_count"] if d["deadline_count"] is not None else 0,
                "from": d["deadline_from"],
                "count_first_day": d["deadline_count_first_day"],
                "calendar": d["deadline_calendar"],
            }
        return {
            "name": _texts_value(d, "name"),
            "description": _texts_value(d, "description"),
            "deadline_note": _texts_value(d, "deadline_note"),
            "rationale": d["rationale"],
            "life_events": list(d["life_events"]),
            "per_member": d["per_member"],
            "applies_if": d["applies_if"],
            "where": {kind: code},
            "online_url": d["online_url"] or None,
            "fee": fee,
            "deadline": deadline,
            "legal_basis": d["legal_basis"],
            "documents": d["documents"] or [],
        }

    def clean(self):
        data = super().clean()
        if data.get("deadline_kind") in ("days", "months") and data.get("deadline_count") is None:
            self.add_error("deadline_count", "日数または月数を入力してください。")
        return data


class QuestionForm(_EntryForm):
    order = forms.IntegerField(label="順番（小さいほど先）")
    life_events = forms.MultipleChoiceField(label="ライフイベント", widget=forms.CheckboxSelectMultiple)
    per_member = forms.BooleanField(label="世帯員ごとに聞く", required=False)
    type = forms.ChoiceField(
        label="回答の種類", choices=[("yes_no", "はい・いいえ"), ("choice", "選択"), ("number", "数"), ("date", "日付")]
    )
    choices = JSONText(label="選択肢（JSON のリスト、選択のときだけ）", required=False)
    min = forms.IntegerField(label="最小値（数のとき）", required=False)
    max = forms.IntegerField(label="最大値（数のとき）", required=False)
    show_if = JSONText(label="表示する条件（JsonLogic、空なら常に表示）", required=False)

    error_fields = {
        "order": "order", "life_events": "life_events", "per_member": "per_member", "type": "type",
        "choices": "choices", "min": "min", "max": "max", "show_if": "show_if",
    }  # fmt: skip

    def __init__(self, *args, entry: dict, draft_content: dict, **kwargs):
        self.entry = entry
        initial = {
            **_texts_initial(entry, "text"), **_texts_initial(entry, "help"),
            **{f: entry.get(f) for f in ("order", "life_events", "per_member", "type", "choices", "min", "max",
                                         "show_if")},
        }  # fmt: skip
        super().__init__(*args, initial={**initial, **kwargs.pop("initial", {})}, **kwargs)
        _texts(self, "text", "質問文")
        _texts(self, "help", "補足", required=False, area=True)
        self.fields["life_events"].choices = [(e["code"], e["name"]["ja"]) for e in draft_content["life_events"]]
        in_file = [q["key"] for q in draft_content["questions"] if q["_file"] == entry["_file"]]
        self.index = in_file.index(entry["key"])
        self.order_fields(["revision", "text_ja", "text_en", "text_easy", "help_ja", "help_en", "help_easy"])

    def local_field(self, error: ContentError) -> str | None:
        """Question files hold a list: the loader says 'questions.<i>.<field>' or '<key>.<field>'."""
        if error.file != self.entry["_file"]:
            return None
        for lead in (f"questions.{self.index}.", f"{self.entry['key']}."):
            if error.field.startswith(lead):
                return error.field[len(lead) :]
        return None

    def changes(self) -> dict:
        d = self.cleaned_data
        return {
            "text": _texts_value(d, "text"),
            "help": _texts_value(d, "help"),
            **{f: d[f] for f in ("order", "per_member", "type", "choices", "min", "max", "show_if")},
            "life_events": list(d["life_events"]),
        }


class LawForm(_EntryForm):
    number = forms.CharField(label="法令番号", max_length=200)
    egov_id = forms.CharField(label="e-Gov 法令 ID", max_length=64, required=False)
    verified = forms.BooleanField(label="条文と照合済み", required=False)

    error_fields = {"number": "number", "egov_id": "egov_id", "verified": "verified"}

    def __init__(self, *args, entry: dict, draft_content: dict, **kwargs):
        self.entry = entry
        self.content_file = "national/laws.yaml"
        self.content_prefix = f"laws.{[law['key'] for law in draft_content['laws']].index(entry['key'])}."
        initial = {**_texts_initial(entry, "name"), **{f: entry.get(f) for f in ("number", "egov_id", "verified")}}
        super().__init__(*args, initial={**initial, **kwargs.pop("initial", {})}, **kwargs)
        _texts(self, "name", "法令名")
        self.order_fields(["revision", "name_ja", "name_en", "name_easy"])

    def changes(self) -> dict:
        d = self.cleaned_data
        return {"name": _texts_value(d, "name"), "number": d["number"], "egov_id": d["egov_id"] or None,
                "verified": d["verified"]}  # fmt: skip


class CounterForm(_EntryForm):
    visit_order = forms.IntegerField(label="回る順番（小さいほど先）")

    error_fields = {"visit_order": "visit_order"}

    def __init__(self, *args, entry: dict, draft_content: dict, **kwargs):
        self.entry = entry
        muni = next(m for m in draft_content["municipalities"] if m["code"] == draft_content["meta"]["municipality"])
        self.content_file = f"{muni['_dir']}/municipality.yaml"
        self.content_prefix = f"counters.{[c['code'] for c in muni['counters']].index(entry['code'])}."
        initial = {"visit_order": entry["visit_order"]}
        for name in ("name", "department", "location", "hours"):
            initial.update(_texts_initial(entry, name))
        super().__init__(*args, initial={**initial, **kwargs.pop("initial", {})}, **kwargs)
        for name, label in (("name", "窓口名"), ("department", "担当課"), ("location", "場所"), ("hours", "受付時間")):
            _texts(self, name, label)
        self.order_fields(["revision"])

    def place_errors(self, errors):
        for error in errors:
            field = self.local_field(error)
            if field is not None and field.split(".")[0] in ("name", "department", "location", "hours"):
                head, _, lang = field.partition(".")
                self.add_error(f"{head}_{lang or 'ja'}", error.problem)
            else:
                super().place_errors([error])

    def changes(self) -> dict:
        d = self.cleaned_data
        return {
            **{name: _texts_value(d, name) for name in ("name", "department", "location", "hours")},
            "visit_order": d["visit_order"],
        }


class DraftCreateForm(forms.Form):
    title = forms.CharField(
        label="変更の名前", max_length=200, help_text="例: 児童手当の所得制限の撤廃（2026年10月施行）"
    )


class ImportForm(forms.Form):
    title = forms.CharField(label="取り込むドラフトの名前", max_length=200)
    files = forms.FileField(
        label="カタログのファイル（zip）",
        help_text="「ファイルとしてダウンロード」で得られる zip と同じ形（catalogue/ と scenarios/）。",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )


class NationalUpdateForm(forms.Form):
    title = forms.CharField(
        label="国の更新のドラフトの名前", max_length=200, help_text="例: 国の手続カタログ 2026年10月版"
    )
    files = forms.FileField(
        label="国の層のファイル（zip）",
        help_text="national/ の YAML（またはダウンロードした zip の catalogue/national/）。市の上書き・独自の手続はそのまま残ります。",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )


class ConflictForm(forms.Form):
    RESOLUTIONS = [
        ("theirs", "国の新しい内容にする（市の上書き・残した項目をやめる）"),
        ("ours", "市の今の内容を残す"),
        ("edit", "値を書いて決める"),
    ]
    revision = forms.IntegerField(widget=forms.HiddenInput)
    conflict = forms.CharField(widget=forms.HiddenInput)
    resolution = forms.ChoiceField(label="どうするか", choices=RESOLUTIONS, widget=forms.RadioSelect)
    value = JSONText(
        label="値（JSON）", required=False,
        help_text="「値を書いて決める」のときだけ。上書きの項目ならその値（例: {\"yen\": 450}）、残す項目なら項目全体。",
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("resolution") == "edit" and data.get("value") is None and not self.has_error("value"):
            self.add_error("value", "「値を書いて決める」には値を書いてください。")
        return data


class SubmitForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="変更の理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="法令の改正、通知、条例など、根拠も書いてください。",
    )
    effective_from = forms.DateField(label="施行日", widget=forms.DateInput(attrs={"type": "date"}),
                                     help_text="この日の 0 時（日本時間）から新しい版が使われます。")  # fmt: skip
    version_by = forms.ChoiceField(
        label="どの日付で版を選ぶか", choices=Draft.VersionBy.choices, widget=forms.RadioSelect,
        initial=Draft.VersionBy.BUILD_DATE,
    )  # fmt: skip


class RevisionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)


class StoryAcceptForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label="期待値を変える理由", widget=forms.Textarea(attrs={"rows": 2}))


class StoryAddForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.SlugField(label="ストーリーの名前（英小文字・数字・_）", max_length=100)
    title = forms.CharField(label="見出し", max_length=200)
    story = forms.CharField(label="どんな場合か", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    life_events = forms.MultipleChoiceField(label="ライフイベント", widget=forms.CheckboxSelectMultiple)
    event_date = forms.DateField(label="出来事の日", widget=forms.DateInput(attrs={"type": "date"}))
    answers = JSONText(label='回答（JSON: {"質問キー": 値}）', required=False)
    members = JSONText(label="世帯員（JSON のリスト）", required=False)
    reason = forms.CharField(label="この期待値でよい理由", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, draft_content: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["life_events"].choices = [(e["code"], e["name"]["ja"]) for e in draft_content["life_events"]]

    def clean_name(self):
        name = self.cleaned_data["name"]
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValidationError("英小文字で始まる英小文字・数字・_ の名前にしてください。")
        return name

    def scenario(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"], "story": d["story"] or None, "life_events": list(d["life_events"]),
            "event_date": d["event_date"].isoformat(), "answers": d["answers"] or {}, "members": d["members"] or [],
        }  # fmt: skip
