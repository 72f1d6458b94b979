"""The hardening headers (api/security_headers.py) on the real app in Chromium: the pages Reflex
serves carry them, and the Content-Security-Policy breaks nothing: login over the websocket, the
lists, a campaign page with its Plotly charts, and the sandboxed email preview all work without a
single policy violation."""

from __future__ import annotations

import pytest

from tests.helpers.ui import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} in ${e.sourceFile}:${e.lineNumber}`);
});
"""


def test_the_dashboard_works_under_its_content_security_policy(browser, app_url):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=app_url)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(30_000)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        document = page.goto("login")
        headers = document.all_headers()
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"

        login(page, "marketer")  # state events travel over the websocket: CORS allows our own origin
        violations = ["login"] + page.evaluate("window.__cspViolations")

        page.goto("email")
        expect(page.locator("#email-campaigns")).to_contain_text("Black Friday early access")
        page.locator("#email-campaigns .campaign-link", has_text="Black Friday early access").first.click()
        expect(page.locator("#chart-activity .main-svg").first).to_be_attached()  # Plotly drew
        expect(page.locator("#chart-funnel .main-svg").first).to_be_attached()
        violations += page.evaluate("window.__cspViolations")

        page.goto("email")
        page.locator("#new-campaign").click()
        form = page.locator("#campaign-form")
        form.locator("#campaign-html").fill(
            '<h1 style="color: rgb(200, 0, 0)">Hi {{ first_name }}</h1><img src="data:image/gif;base64,'
            'R0lGODlhAQABAAAAACw=" alt="pixel">'
        )
        heading = page.frame_locator("#campaign-preview").locator("h1")
        expect(heading).to_have_text("Hi Jane")
        expect(heading).to_have_css("color", "rgb(200, 0, 0)")  # inline email styles still apply
        violations += page.evaluate("window.__cspViolations")

        page.goto("templates")
        expect(page.locator("#templates")).to_contain_text("Monthly newsletter")
        violations += page.evaluate("window.__cspViolations")
    finally:
        context.close()
    assert violations == ["login"], violations[1:]
    assert console == [], console
