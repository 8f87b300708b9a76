"""Dates as clerks type them: 2026-09-08, 2026/9/8 or 20260908 (full-width digits too) → ISO text.

The counter's date fields are plain text fields: typed in one go, the same on every browser and
locale, no picker to fight with the keyboard.
"""

import re
import unicodedata

_SEPARATED = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def normalize_date(text: str) -> str:
    """The ISO form of a typed date, or the text unchanged (stripped) when it is not one."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    match = _SEPARATED.match(folded) or _DIGITS.match(folded)
    if match is None:
        return folded
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"
