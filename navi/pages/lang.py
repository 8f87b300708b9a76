"""The resident's language: Django's (ja, en, ja-easy) and the catalogue's (ja, en, easy)."""

from django.utils import translation

CATALOGUE_LANG = {"ja": "ja", "en": "en", "ja-easy": "easy"}
HTML_LANG = {"ja": "ja", "en": "en", "ja-easy": "ja"}  # やさしい日本語 is Japanese (contract)


def catalogue_lang(request=None) -> str:
    return CATALOGUE_LANG.get(translation.get_language() or "ja", "ja")


def html_lang() -> str:
    return HTML_LANG.get(translation.get_language() or "ja", "ja")


def context(request) -> dict:
    """Template context processor: the page's lang attribute and where the language switch posts."""
    from .language import switch_url

    return {
        "html_lang": html_lang(),
        "catalogue_lang": catalogue_lang(request),
        "language_switch_url": switch_url(request),
    }
