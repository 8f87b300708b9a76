"""{{ text|furigana }}: ふりがな over the kanji of a catalogue text on やさしい日本語 pages.

In any other language the text is left as it is (and escaped as usual). The catalogue's texts are
plain text: the HTML comes from navi.furigana, which escapes them.
"""

from django import template
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language

from navi.furigana import ruby_html

register = template.Library()
EASY = "ja-easy"


@register.filter
def furigana(value):
    if value is None or value == "":
        return ""
    if get_language() != EASY or isinstance(value, SafeData):
        return value
    return mark_safe(ruby_html(str(value)))  # ruby_html escapes the text
