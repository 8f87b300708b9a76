"""個人番号 (My Number) is never typed or stored: free text that looks like one is refused."""

import re
import unicodedata

# Twelve digits, possibly grouped by spaces or hyphens (1234 5678 9012, 1234-5678-9012), and not
# part of a longer number. Full-width digits count once NFKC has folded them.
_TWELVE_DIGITS = re.compile(r"(?<![0-9])[0-9](?:[ \-]?[0-9]){11}(?![0-9])")

MY_NUMBER_MESSAGE = "個人番号（マイナンバー）のような 12 桁の数字は入力できません。個人番号は記録しません。"


def looks_like_my_number(text: str) -> bool:
    folded = unicodedata.normalize("NFKC", text or "").replace("ー", "-").replace("−", "-")
    return _TWELVE_DIGITS.search(folded) is not None
