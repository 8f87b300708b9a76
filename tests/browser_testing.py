"""Real-browser tests: Debian's Chromium driven by Playwright, checked with axe for WCAG 2.2 AA."""

from axe_playwright_python.sync_playwright import Axe

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def axe_results(page):
    """axe's results on the page, for the WCAG 2.2 AA tags."""
    return Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
