"""The forms printed for signature: each filled from the case's facts and personal details.

A form is data (title, labelled fields, a table of people) drawn by one template; the signature
is the one blank left. Which forms a case needs follows from its facts. Counting the filled
fields against what the clerk typed shows what 書かない saves the resident.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone

from procedures.selectors import catalogue_version_in_force, compiled_catalogue

from .models import Case
from .selectors import case_checklist

STYLESHEET = "counter/forms_pdf.css"
MOVE_IN = ("in_from_other", "abroad_in")
MOVE_OUT = ("out_to_other", "abroad_out")


@dataclass
class Paper:
    code: str
    title: str
    fields: list[tuple[str, str]]
    people_title: str = ""
    people_headers: tuple[str, ...] = ()
    people: list[tuple[str, ...]] = field(default_factory=list)
    signer: str = "届出人"
    rows: list[dict] = field(default_factory=list)  # おくやみ一覧: procedures

    @property
    def filled(self) -> int:
        cells = [v for _, v in self.fields] + [c for row in self.people for c in row]
        return sum(1 for v in cells if v)


def _person(case: Case, member: dict) -> dict:
    personal = getattr(case, "personal", None)
    people = personal.people if personal else {}
    return people.get(member["key"], {})


def _row(case: Case, member: dict, with_sex: bool = True) -> tuple[str, ...]:
    p = _person(case, member)
    row = [p.get("name", ""), p.get("kana", ""), p.get("birth_date", "")]
    if with_sex:
        row.append(p.get("sex", ""))
    row.append(p.get("relationship", ""))
    return tuple(row)


def _first(case: Case, relation: str) -> dict | None:
    return next((m for m in case.members if m["relation"] == relation), None)


def _applicant(case: Case) -> dict:
    """The person at the counter: the member answered as 本人, else the first who is not the deceased."""
    living = [m for m in case.members if m["relation"] != "deceased"]
    return _first(case, "self") or (living[0] if living else {"key": "", "relation": "self"})


def _detail(case: Case, name: str) -> str:
    personal = getattr(case, "personal", None)
    value = getattr(personal, name, None) if personal else None
    if value is None or value == "":
        if name in ("moved_in_on", "moved_out_on"):
            return case.answers.get(name) or ""
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _choice_label(key: str, value) -> str:
    catalogue = compiled_catalogue(catalogue_version_in_force())
    q = catalogue.question_by_key.get(key)
    for c in (q or {}).get("choices") or ():
        if c["value"] == value:
            return catalogue.text(c["label"], "ja")
    return ""


def _municipality_name() -> str:
    catalogue = compiled_catalogue(catalogue_version_in_force())
    return catalogue.text(catalogue.municipality["name"], "ja")


HEADERS = ("氏名", "ふりがな", "生年月日", "性別", "続柄")


def _juminido(case: Case) -> Paper:
    move_type = case.answers.get("move_type")
    date = _detail(case, "moved_out_on") if move_type in MOVE_OUT else _detail(case, "moved_in_on")
    applicant = _applicant(case)
    movers = [m for m in case.members if m["relation"] != "deceased"]
    return Paper(
        code="juminido",
        title="住民異動届",
        fields=[
            ("届出日", timezone.localdate().isoformat()),
            ("異動の種別", _choice_label("move_type", move_type)),
            ("異動日", date or case.event_date.isoformat()),
            ("新住所", _detail(case, "new_address")),
            ("旧住所", _detail(case, "old_address")),
            ("届出人", _person(case, applicant).get("name", "")),
            ("電話番号", _detail(case, "phone")),
        ],
        people_title="異動する人",
        people_headers=HEADERS,
        people=[_row(case, m) for m in movers],
    )


def _kokuho(case: Case, code: str, title: str, members: list[dict], reason: str, date: str) -> Paper:
    applicant = _applicant(case)
    return Paper(
        code=code,
        title=title,
        fields=[
            ("届出日", timezone.localdate().isoformat()),
            ("理由", reason),
            ("資格の日", date),
            ("住所", _detail(case, "new_address") or _detail(case, "old_address")),
            ("世帯主・届出人", _person(case, applicant).get("name", "")),
            ("電話番号", _detail(case, "phone")),
        ],
        people_title="対象となる人",
        people_headers=HEADERS,
        people=[_row(case, m) for m in members],
    )


def _national(case: Case, *, deceased: bool) -> list[dict]:
    return [m for m in case.members if m.get("insurance") == "national" and (m["relation"] == "deceased") == deceased]


def _kokuho_shutoku(case: Case) -> Paper:
    if "moving" in case.life_events and case.answers.get("move_type") in MOVE_IN:
        reason, date = "転入", _detail(case, "moved_in_on") or case.event_date.isoformat()
    else:
        reason, date = "出生", case.event_date.isoformat()
    return _kokuho(case, "kokuho_shutoku", "国民健康保険 資格取得届", _national(case, deceased=False), reason, date)


def _kokuho_soshitsu(case: Case) -> Paper:
    if "death" in case.life_events:
        members, reason, date = _national(case, deceased=True), "死亡", case.event_date.isoformat()
    else:
        members, reason = _national(case, deceased=False), "転出"
        date = _detail(case, "moved_out_on") or case.event_date.isoformat()
    return _kokuho(case, "kokuho_soshitsu", "国民健康保険 資格喪失届", members, reason, date)


def _jidou_teate(case: Case) -> Paper:
    applicant = _applicant(case)
    p = _person(case, applicant)
    children = [m for m in case.members if m["relation"] == "child"]
    return Paper(
        code="jidou_teate",
        title="児童手当 認定請求書",
        fields=[
            ("請求日", timezone.localdate().isoformat()),
            ("請求者 氏名", p.get("name", "")),
            ("請求者 ふりがな", p.get("kana", "")),
            ("請求者 生年月日", p.get("birth_date", "")),
            ("住所", _detail(case, "new_address") or _detail(case, "old_address")),
            ("電話番号", _detail(case, "phone")),
        ],
        people_title="対象となる子",
        people_headers=("氏名", "ふりがな", "生年月日", "続柄"),
        people=[_row(case, m, with_sex=False) for m in children],
        signer="請求者",
    )


def _inkan(case: Case) -> Paper:
    applicant = _applicant(case)
    p = _person(case, applicant)
    return Paper(
        code="inkan",
        title="印鑑登録申請書",
        fields=[
            ("申請日", timezone.localdate().isoformat()),
            ("住所", _detail(case, "new_address") or _detail(case, "old_address")),
            ("氏名", p.get("name", "")),
            ("ふりがな", p.get("kana", "")),
            ("生年月日", p.get("birth_date", "")),
            ("性別", p.get("sex", "")),
            ("電話番号", _detail(case, "phone")),
        ],
        signer="申請者",
    )


def _okuyami(case: Case) -> Paper:
    deceased = _first(case, "deceased")
    applicant = _applicant(case)
    rows = []
    for group in case_checklist(case)["groups"]:
        for item in group["items"]:
            rows.append(
                {
                    "department": group["department"],
                    "name": item["name"],
                    "member": item["member"],
                    "counter": item["counter"] or "",
                    "location": item["location"] or "",
                    "deadline": item["deadline"].isoformat() if item["deadline"] else (item["deadline_text"] or ""),
                    "documents": "、".join(d["name"] for d in item["documents"]),
                    "status": "要確認" if item["status"] == "check" else "",
                }
            )
    return Paper(
        code="okuyami",
        title="おくやみ手続一覧",
        fields=[
            ("亡くなった方", _person(case, deceased).get("name", "") if deceased else ""),
            ("亡くなった日", case.event_date.isoformat()),
            ("ご遺族（来庁者）", _person(case, applicant).get("name", "")),
            ("住所", _detail(case, "old_address") or _detail(case, "new_address")),
            ("電話番号", _detail(case, "phone")),
        ],
        rows=rows,
        signer="来庁者",
    )


def _needs(case: Case) -> list[str]:
    events = set(case.life_events)
    move_type = case.answers.get("move_type")
    moving_in = "moving" in events and move_type in (*MOVE_IN, "within")
    codes = []
    if "moving" in events:
        codes.append("juminido")
    if _national(case, deceased=False) and ("birth" in events or ("moving" in events and move_type in MOVE_IN)):
        codes.append("kokuho_shutoku")
    if ("death" in events and _national(case, deceased=True)) or (
        "moving" in events and move_type in MOVE_OUT and _national(case, deceased=False)
    ):
        codes.append("kokuho_soshitsu")
    if any(m["relation"] == "child" for m in case.members) and ("birth" in events or moving_in):
        codes.append("jidou_teate")
    if "moving" in events and case.answers.get("wants_seal_registration") is True:
        codes.append("inkan")
    if "death" in events:
        codes.append("okuyami")
    return codes


BUILDERS = {
    "juminido": _juminido,
    "kokuho_shutoku": _kokuho_shutoku,
    "kokuho_soshitsu": _kokuho_soshitsu,
    "jidou_teate": _jidou_teate,
    "inkan": _inkan,
    "okuyami": _okuyami,
}


def papers_for(case: Case) -> list[Paper]:
    """The forms this case needs, filled."""
    return [BUILDERS[code](case) for code in _needs(case)]


def typed_by_clerk(case: Case) -> int:
    """What the clerk entered once: each non-empty personal detail."""
    personal = getattr(case, "personal", None)
    if personal is None:
        return 0
    count = sum(1 for p in personal.people.values() for v in p.values() if v)
    count += sum(
        1 for name in ("old_address", "new_address", "moved_in_on", "moved_out_on", "phone") if getattr(personal, name)
    )
    return count


def render_pdf(case: Case, papers: list[Paper]) -> bytes:
    """The forms as one PDF (A4, Noto Sans CJK), each on its own page; weasyprint reads no URL."""
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    html = render_to_string(
        "counter/forms_pdf.html", {"case": case, "papers": papers, "municipality": _municipality_name()}
    )
    stylesheet = CSS(filename=finders.find(STYLESHEET), url_fetcher=fetcher)
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])


def render_slip_pdf(case: Case, stops: list[dict]) -> bytes:
    """The routing slip (回付票) as the resident carries it: counters in visiting order."""
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    html = render_to_string(
        "counter/slip_pdf.html", {"case": case, "stops": stops, "municipality": _municipality_name()}
    )
    stylesheet = CSS(filename=finders.find(STYLESHEET), url_fetcher=fetcher)
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])
