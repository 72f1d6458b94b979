"""Every page passes axe-core (axe-playwright-python) with no serious or critical violation: inputs
are named, buttons say what they do, text is readable, landmarks and headings make sense. Screen
reader users depend on exactly these.

One case per page; each signs in as an admin (who sees every page) and waits for the page's
content before asking axe.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.helpers.ui import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

BLOCKING = ("serious", "critical")


def _list(path: str, table: str) -> Callable:
    def open_page(page) -> None:
        from playwright.sync_api import expect

        page.goto(path)
        expect(page.locator(f"#{table} tbody tr").first).to_be_visible()

    return open_page


def _first_of(path: str, table: str, link: str, ready: str) -> Callable:
    """A detail page, reached as a user would: the first row's link in its list."""

    def open_page(page) -> None:
        from playwright.sync_api import expect

        _list(path, table)(page)
        page.locator(f"#{table} tbody tr {link}").first.click()
        expect(page.locator(ready)).to_be_visible()

    return open_page


def _shows(path: str, ready: str) -> Callable:
    def open_page(page) -> None:
        from playwright.sync_api import expect

        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()

    return open_page


def _campaign_dialog(page) -> None:
    from playwright.sync_api import expect

    _list("email", "email-campaigns")(page)
    page.locator("#new-campaign").click()
    expect(page.get_by_role("dialog")).to_be_visible()


def _suppression_dialog(button: str) -> Callable:
    """The suppressions page with its add dialog, or the first row's remove dialog, open."""

    def open_page(page) -> None:
        from playwright.sync_api import expect

        _list("suppressions", "suppressions")(page)
        page.locator(button).first.click()
        expect(page.get_by_role("alertdialog").or_(page.get_by_role("dialog"))).to_be_visible()

    return open_page


PAGES: dict[str, Callable] = {
    "overview": _shows("/", "#status-counts"),
    "email list": _list("email", "email-campaigns"),
    "sms list": _list("sms", "sms-campaigns"),
    "campaign": _first_of("email", "email-campaigns", ".campaign-link", "#campaign-name"),
    "contacts": _list("contacts", "contacts"),
    "contact": _first_of("contacts", "contacts", "a", "#contact-name"),
    "suppressions": _list("suppressions", "suppressions"),
    "add suppression dialog": _suppression_dialog("#add-suppression"),
    "remove suppression dialog": _suppression_dialog(".remove-suppression"),
    "segments": _list("segments", "segments"),
    "segment editor": _first_of("segments", "segments", "a", "#segment-name"),
    "templates": _list("templates", "templates"),
    "topics": _list("topics", "topics"),
    "template editor": _first_of("templates", "templates", "a", "#template-name"),
    "settings": _shows("settings", "#settings"),
    "audit log": _shows("audit-log", "#audit-actor"),  # drawn once the load let an admin in
    "account": _shows("account", "#password-form"),
    "campaign dialog": _campaign_dialog,
}


def blocking_violations(page) -> list[str]:
    """axe's serious and critical findings on what the page shows now, one readable line each."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_timeout(500)  # let dialogs and badges finish their entry animations
    results = Axe().run(page)
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {[(n['target'], n['html'][:160]) for n in v['nodes']][:6]}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def test_the_login_page_has_no_serious_accessibility_violation(page):
    from playwright.sync_api import expect

    page.goto("login")
    expect(page.locator("#login-email")).to_be_visible()
    violations = blocking_violations(page)
    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("name", list(PAGES))
def test_a_dashboard_page_has_no_serious_accessibility_violation(page, name):
    login(page, "admin")
    PAGES[name](page)
    violations = blocking_violations(page)
    assert not violations, "\n".join(violations)
