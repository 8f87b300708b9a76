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


def assert_no_axe_violations(page, name):
    """axe checked something on the page and found no WCAG 2.2 AA violation; the message lists each."""
    results = axe_results(page)
    assert results.response["passes"], f"{name}: axe checked nothing"
    violations = results.response["violations"]
    details = "\n".join(f"{v['id']}: {v['help']} @ {[n['target'] for n in v['nodes']]}" for v in violations)
    assert not violations, f"{name} ({page.url}):\n{details}"
