"""The resident stylesheet's design tokens are the vendored @digital-go-jp/design-tokens, value for value.

navi/static/navi/navi.css copies the custom properties it uses from vendor/design-tokens/tokens.css
(bin/vendor copies the npm package there) so that a page links one stylesheet. These tests keep the
copy honest: every copied --color-/--font-/--line-height-/--border-radius-/--elevation- property must
be in tokens.css with the same value, and every var() must name a property defined somewhere.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TOKENS = ROOT / "vendor" / "design-tokens" / "tokens.css"
STYLESHEET = ROOT / "navi" / "static" / "navi" / "navi.css"
TOKEN_PREFIXES = ("--color-", "--font-", "--line-height-", "--border-radius-", "--elevation-")
DECLARATION = re.compile(r"(?<=[{;\s])(--[a-z0-9-]+)\s*:\s*([^;]+);")


def declarations(css: str) -> dict[str, str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out = {}
    for name, value in DECLARATION.findall(css):
        assert name not in out, f"{name} is declared twice"
        out[name] = " ".join(value.split())
    return out


def test_copied_tokens_match_the_vendored_package():
    vendored = declarations(TOKENS.read_text(encoding="utf-8"))
    ours = declarations(STYLESHEET.read_text(encoding="utf-8"))
    copied = {k: v for k, v in ours.items() if k.startswith(TOKEN_PREFIXES)}
    assert len(copied) >= 30, "the stylesheet should be built on the design tokens"
    wrong = {k: (v, vendored.get(k)) for k, v in copied.items() if vendored.get(k) != v}
    assert not wrong, f"copied tokens differ from vendor/design-tokens/tokens.css (ours, vendored): {wrong}"


def test_every_var_is_defined():
    css = STYLESHEET.read_text(encoding="utf-8")
    defined = set(declarations(css))
    used = set(re.findall(r"var\((--[a-z0-9-]+)", css))
    assert used, "the stylesheet uses no custom property"
    assert not used - defined, f"var() of undefined properties: {sorted(used - defined)}"


def test_project_names_stand_on_tokens():
    """The pages' own colour names (--text, --link …) are tokens, not new hex values."""
    ours = declarations(STYLESHEET.read_text(encoding="utf-8"))
    own_colours = {k: v for k, v in ours.items() if not k.startswith(TOKEN_PREFIXES) and not k.startswith("--space-")}
    hex_values = {k: v for k, v in own_colours.items() if "#" in v}
    assert not hex_values, f"give these a design token instead of a hex value: {hex_values}"


@pytest.mark.django_db
def test_one_stylesheet_per_page(client):
    from procedures.services import catalogue_load

    catalogue_load(path=settings.CATALOGUE_DIR)
    for url in ("/", "/c/unknown-token/"):
        html = client.get(url).content.decode()
        links = re.findall(r"<link[^>]+rel=\"stylesheet\"[^>]*>", html)
        assert len(links) == 1 and "navi/navi.css" in links[0], (url, links)
        assert "<script" not in html
