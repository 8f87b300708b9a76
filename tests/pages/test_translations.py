"""Every interface string of the resident pages is translated into English and やさしい日本語.

The strings are extracted from the sources as makemessages does (Django's templatize for
templates, then xgettext with Django's keywords), so a string added to a page and not to the
.po files fails here as surely as one left untranslated or fuzzy.
"""

import re
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
RESIDENT_SOURCES = [ROOT / "navi", ROOT / "config" / "settings" / "base.py"]  # base.py: the language names
CATALOGUES = {lang: ROOT / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in ("en", "ja_Easy")}
KEYWORDS = [
    "gettext_noop", "gettext_lazy", "ngettext_lazy:1,2", "pgettext:1c,2", "npgettext:1c,2,3",
    "pgettext_lazy:1c,2", "npgettext_lazy:1c,2,3",
]  # fmt: skip


def source_files():
    for root in RESIDENT_SOURCES:
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in paths:
            if path.suffix in (".py", ".html") and "migrations" not in path.parts and "__pycache__" not in path.parts:
                yield path


@pytest.fixture(scope="module")
def resident_msgids(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xgettext")
    inputs = []
    for i, path in enumerate(source_files()):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            target = folder / f"{i}-{path.name}.py"
            target.write_text(templatize(text, origin=str(path)), encoding="utf-8")
            inputs.append(target)
        else:
            inputs.append(path)
    pot = folder / "resident.pot"
    subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", "--output", str(pot),
         *(f"--keyword={k}" for k in KEYWORDS), *map(str, inputs)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    entries = [(e.msgctxt, e.msgid, e.msgid_plural) for e in polib.pofile(str(pot)) if e.msgid]
    assert len(entries) > 100, "the extraction found too few strings"
    return entries


@pytest.mark.parametrize("lang", CATALOGUES)
def test_every_resident_string_is_translated(resident_msgids, lang):
    catalogue = polib.pofile(str(CATALOGUES[lang]))
    problems = []
    for msgctxt, msgid, plural in resident_msgids:
        entry = catalogue.find(msgid, msgctxt=msgctxt) if msgctxt else catalogue.find(msgid)
        if entry is None or entry.obsolete:
            problems.append(f"missing: {msgid!r}")
        elif "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {msgid!r}")
        elif plural and not (entry.msgstr_plural and all(entry.msgstr_plural.values())):
            problems.append(f"plural untranslated: {msgid!r}")
        elif not plural and not entry.msgstr:
            problems.append(f"untranslated: {msgid!r}")
    assert not problems, f"{CATALOGUES[lang].relative_to(ROOT)} (run makemessages, then translate):\n" + "\n".join(
        problems
    )


def test_easy_japanese_uses_short_sentences(resident_msgids):
    """やさしい日本語: no sentence over 45 characters (kana, spaces between words) in the resident pages' strings."""
    catalogue = polib.pofile(str(CATALOGUES["ja_Easy"]))
    long = []
    for msgctxt, msgid, _plural in resident_msgids:
        entry = catalogue.find(msgid, msgctxt=msgctxt) if msgctxt else catalogue.find(msgid)
        if entry is None:
            continue
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            long += [s for s in re.split("[。！？]", re.sub(r"<[^>]+>", "", text)) if len(s) > 45]
    assert not long, long
