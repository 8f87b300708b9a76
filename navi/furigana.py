"""ふりがな for やさしい日本語: Japanese text as HTML with <ruby> readings over its kanji.

Readings come from a morphological analyser (MeCab through fugashi, with the UniDic dictionary of
unidic-lite), word by word, so 行く and 行う, 日本 and 日曜 get the reading their context gives.
Kana, Latin letters, digits and spaces pass through untouched; okurigana stay outside the ruby
(<ruby>届<rt>とど</rt></ruby>け). A content author overrides a reading for a whole word in
fixtures/readings.yaml (settings.FURIGANA_READINGS): the analyser reads 世帯主 as せたい + しゅ, the
file says せたいぬし. Every text is escaped before it becomes HTML.

A text's HTML is cached in the process (texts repeat on every checklist page), so the analyser
runs once per distinct text.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from html import escape
from pathlib import Path

import yaml
from django.conf import settings

from procedures.content import ContentError, ContentErrors

KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ"
HAS_KANJI = re.compile(f"[{KANJI}]")
RUNS = re.compile(f"[{KANJI}]+|[^{KANJI}]+")
HIRAGANA_READING = re.compile(r"^[\u3041-\u3096ー]+$")
_KATAKANA_TO_HIRAGANA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}

_local = threading.local()


def _tagger():
    """One MeCab tagger per thread (a tagger is not safe to share between threads)."""
    tagger = getattr(_local, "tagger", None)
    if tagger is None:
        import fugashi

        tagger = _local.tagger = fugashi.Tagger()
    return tagger


def hiragana(text: str) -> str:
    return text.translate(_KATAKANA_TO_HIRAGANA)


def aligned(word: str, reading: str) -> list[tuple[str, str | None]] | None:
    """The word in runs, each kanji run with its part of the reading; None when the kana do not fit.

    届け出 + とどけで → [(届, とど), (け, None), (出, で)].
    """
    runs = RUNS.findall(word)
    pattern = "".join("(.+?)" if HAS_KANJI.match(run) else f"({re.escape(hiragana(run))})" for run in runs)
    match = re.fullmatch(pattern, reading)
    if match is None:
        return None
    return [(run, part if HAS_KANJI.match(run) else None) for run, part in zip(runs, match.groups(), strict=True)]


def _ruby(word: str, reading: str) -> str:
    parts = aligned(word, reading)
    if parts is None:  # the analyser's kana do not line up with the word's: one ruby over the whole word
        return f"<ruby>{escape(word)}<rt>{escape(reading)}</rt></ruby>"
    return "".join(
        f"<ruby>{escape(run)}<rt>{escape(part)}</rt></ruby>" if part is not None else escape(run) for run, part in parts
    )


# Counters after digits, which the dictionary reads as if alone (15日 → か): the number decides.
# An irregular count gets one ruby over digits and counter (<ruby>14日<rt>じゅうよっか</rt></ruby>),
# any other the counter's regular reading (15<ruby>日<rt>にち</rt></ruby>).
COUNTERS = {
    "日": ("にち", {1: "いちにち", 2: "ふつか", 3: "みっか", 4: "よっか", 5: "いつか", 6: "むいか", 7: "なのか",
                  8: "ようか", 9: "ここのか", 10: "とおか", 14: "じゅうよっか", 20: "はつか", 24: "にじゅうよっか"}),
    "人": ("にん", {1: "ひとり", 2: "ふたり"}),
}  # fmt: skip
FIRST_OF_MONTH = "ついたち"  # 1日 after 月


def _analysed(text: str) -> str:
    core = text.strip()
    if not core:
        return escape(text)
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    out = [escape(lead)]  # MeCab keeps the spaces between words, not those around the text
    previous = ["", ""]  # the surfaces of the two words before this one
    for word in _tagger()(core):
        out.append(escape(word.white_space))
        surface = word.surface
        kana = getattr(word.feature, "kana", None)
        number = previous[-1] if word.white_space == "" else ""
        if surface in COUNTERS and number.isdigit():
            regular, irregular = COUNTERS[surface]
            count = int(number)
            reading = FIRST_OF_MONTH if (surface, count, previous[-2]) == ("日", 1, "月") else irregular.get(count)
            if reading:
                out[-2:] = [f"<ruby>{escape(number)}{surface}<rt>{reading}</rt></ruby>"]  # over the digits too
            else:
                out.append(f"<ruby>{surface}<rt>{regular}</rt></ruby>")
        elif not HAS_KANJI.search(surface) or not kana or kana == "*":
            out.append(escape(surface))
        else:
            out.append(_ruby(surface, hiragana(kana)))
        previous = [previous[-1], surface]
    out.append(escape(trail))
    return "".join(out)


@lru_cache(maxsize=16_384)
def ruby_html(text: str) -> str:
    """The text as safe HTML, with ruby over every word that has kanji."""
    if not HAS_KANJI.search(text):
        return escape(text)
    overrides, pattern = _overrides()
    if pattern is None:
        return _analysed(text)
    out, at = [], 0
    for match in pattern.finditer(text):
        out.append(_analysed(text[at : match.start()]) if match.start() > at else "")
        out.append(_ruby(match.group(0), overrides[match.group(0)]))
        at = match.end()
    out.append(_analysed(text[at:]) if at < len(text) else "")
    return "".join(out)


# --- readings set by content authors ------------------------------------------------------------


def readings_file() -> Path:
    return Path(settings.FURIGANA_READINGS)


def read_readings(path: Path) -> dict[str, str]:
    """The word → reading table of a readings file; ContentErrors naming the entry and the problem."""
    name = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentErrors([ContentError(name, "", "file is missing")]) from None
    except yaml.YAMLError as exc:
        raise ContentErrors([ContentError(name, "", f"not valid YAML: {exc}")]) from None
    if not isinstance(data, dict) or set(data) != {"readings"} or not isinstance(data["readings"], list):
        raise ContentErrors([ContentError(name, "readings", "the file must hold one key 'readings' with a list")])
    errors, table = [], {}
    for i, entry in enumerate(data["readings"]):
        where = f"readings.{i}"
        if not isinstance(entry, dict) or set(entry) != {"word", "reading"}:
            errors.append(ContentError(name, where, "each entry has exactly 'word' and 'reading'"))
            continue
        word, reading = entry["word"], entry["reading"]
        if not isinstance(word, str) or not HAS_KANJI.search(word):
            errors.append(ContentError(name, f"{where}.word", "must be a word with kanji"))
        elif not isinstance(reading, str) or not HIRAGANA_READING.match(reading):
            errors.append(ContentError(name, f"{where}.reading", "must be written in hiragana"))
        elif aligned(word, reading) is None:
            errors.append(ContentError(name, f"{where}.reading", f"does not fit the kana of '{word}'"))
        elif word in table:
            errors.append(ContentError(name, f"{where}.word", f"'{word}' appears twice"))
        else:
            table[word] = reading
    words = [e.get("word") for e in data["readings"] if isinstance(e, dict)]
    if not errors and words != sorted(words):
        errors.append(ContentError(name, "readings", "entries must be sorted by word"))
    if errors:
        raise ContentErrors(errors)
    return table


def readings_text(table: dict[str, str]) -> str:
    """The canonical text of a readings file: sorted by word, written as the catalogue's files are."""
    entries = [{"word": w, "reading": table[w]} for w in sorted(table)]
    return yaml.safe_dump(
        {"readings": entries}, allow_unicode=True, sort_keys=False, default_flow_style=None, width=10_000
    )


@lru_cache(maxsize=1)
def _overrides() -> tuple[dict[str, str], re.Pattern | None]:
    table = read_readings(readings_file())
    if not table:
        return table, None
    longest_first = sorted(table, key=lambda w: (-len(w), w))
    return table, re.compile("|".join(re.escape(w) for w in longest_first))


def clear_cache() -> None:
    """Forget the readings table and every text's HTML (after the readings file changed)."""
    _overrides.cache_clear()
    ruby_html.cache_clear()
