"""The mail templates (Jinja2, reminders/jinja2/): their strings are extracted as makemessages
extracts them and translated, and a name missing from the context is an error, not a blank."""

import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template import engines
from django.utils.translation.template import templatize
from jinja2 import UndefinedError

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted((ROOT / "reminders" / "jinja2").rglob("*.*"))
CATALOGUES = {lang: ROOT / "reminders" / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in ("en", "ja_Easy")}


def msgids(path: Path, folder: Path) -> list[str]:
    """What makemessages finds in the file: Django's templatize reads `{{ _("…") }}` as gettext,
    then xgettext reads templatize's output."""
    python, pot = folder / f"{path.name}.py", folder / f"{path.name}.pot"
    python.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(path)), encoding="utf-8")
    subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", "--output", str(pot), str(python)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return [entry.msgid for entry in polib.pofile(str(pot)) if entry.msgid]


def test_every_template_of_the_mails_is_found():
    assert {p.name for p in TEMPLATES} == {"confirm.html", "confirm.txt", "digest.html", "digest.txt"}


@pytest.mark.parametrize("lang", CATALOGUES)
@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_string_of_the_mails_is_extracted_and_translated(path, lang, tmp_path):
    found = msgids(path, tmp_path)
    assert len(found) >= 4, "the extraction found too few strings"
    catalogue = polib.pofile(str(CATALOGUES[lang]))
    missing = [m for m in found if not (e := catalogue.find(m)) or e.obsolete or not e.msgstr or "fuzzy" in e.flags]
    assert not missing, f"{CATALOGUES[lang].relative_to(ROOT)}: {missing}"


def test_a_name_missing_from_the_context_is_an_error():
    with pytest.raises(UndefinedError):
        engines["mail"].get_template("reminders/email/confirm.txt").render({})


def test_the_html_part_is_escaped_and_the_text_part_is_not():
    from datetime import date

    item = {"name": "A & <B>", "deadline": date(2026, 12, 10), "days_left": "あと7日", "where": "市民課 <1階>",
            "hours": None, "online_url": None}  # fmt: skip
    context = {"items": [item], "changes": [], "checklist_url": "https://navi.example.jp/c/x/", "language": "ja",
               "unsubscribe_url": "https://navi.example.jp/r/u/", "day": date(2026, 12, 3), "subject": "件名 & <s>"}  # fmt: skip
    mail = engines["mail"]
    text = mail.get_template("reminders/email/digest.txt").render(context)
    html = mail.get_template("reminders/email/digest.html").render(context)
    assert "■ A & <B>" in text and "市民課 <1階>" in text
    assert "<strong>A &amp; &lt;B&gt;</strong>" in html and "市民課 &lt;1階&gt;" in html
    assert "<title>件名 &amp; &lt;s&gt;</title>" in html and "<B>" not in html
