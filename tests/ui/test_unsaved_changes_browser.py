"""Editors ask before unsaved changes are lost: a link inside the app or a reload asks first;
after saving, or for a viewer (who cannot save), nothing asks."""

from __future__ import annotations

import re

import pytest

from tests.helpers.ui import login, unique

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


class Dialogs:
    """Answers the browser's own dialogs (confirm, beforeunload) and remembers what they asked."""

    def __init__(self, page, accept: bool = False) -> None:
        self.accept, self.asked = accept, []
        page.on("dialog", self._answer)

    def _answer(self, dialog) -> None:
        self.asked.append((dialog.type, dialog.message))
        dialog.accept() if self.accept else dialog.dismiss()


def test_a_template_with_changes_asks_before_leaving_and_not_once_saved(page):
    from playwright.sync_api import expect

    dialogs = Dialogs(page)
    login(page, "marketer")
    page.goto("templates/new")
    expect(page.locator("#template-name")).to_be_visible()
    page.get_by_role("link", name="Contacts").first.click()  # nothing typed yet: no question
    expect(page).to_have_url(re.compile(r"/contacts/?$"))
    assert dialogs.asked == []

    page.goto("templates/new")
    page.locator("#template-name").fill(unique("Unsaved"))
    expect(page.locator("#unsaved-marker")).to_have_attribute("data-unsaved", "true")
    page.get_by_role("link", name="Contacts").first.click()
    assert dialogs.asked == [("confirm", "Leave this page? Your changes are not saved.")]
    expect(page).to_have_url(re.compile(r"/templates/new$"))  # stayed, the name still typed
    with page.expect_event("dialog"):  # a reload asks too (here told to stay)
        page.evaluate("() => setTimeout(() => location.reload(), 0)")
    assert dialogs.asked[-1][0] == "beforeunload"
    expect(page.locator("#template-name")).not_to_have_value("")

    page.locator("#template-subject").fill("Hello")
    page.locator("#template-save").click()
    expect(page).to_have_url(re.compile(r"/templates/?$"))
    dialogs.accept = True
    page.get_by_role("link", name="Contacts").first.click()
    expect(page).to_have_url(re.compile(r"/contacts/?$"))
    assert len(dialogs.asked) == 2  # saved: leaving asked nothing more


def test_a_viewer_exploring_a_segment_is_not_asked(page):
    from playwright.sync_api import expect

    dialogs = Dialogs(page)
    login(page, "viewer")
    page.goto("segments")
    page.locator("#segments a", has_text="VIP customers").click()
    page.locator("#add-rule").click()
    expect(page.locator(".rule")).to_have_count(2)
    expect(page.locator("#unsaved-marker")).to_have_attribute("data-unsaved", "false")
    page.get_by_role("link", name="Contacts").first.click()
    expect(page).to_have_url(re.compile(r"/contacts/?$"))
    assert dialogs.asked == []


def test_a_segment_with_changes_asks_and_leaves_when_told_to(page):
    from playwright.sync_api import expect

    dialogs = Dialogs(page, accept=True)
    login(page, "marketer")
    page.goto("segments")
    page.locator("#segments a", has_text="VIP customers").click()
    expect(page.locator("#unsaved-marker")).to_have_attribute("data-unsaved", "false")
    page.locator("#add-rule").click()
    page.locator(".rule").nth(1).locator(".rule-value input").fill("x")
    expect(page.locator("#unsaved-marker")).to_have_attribute("data-unsaved", "true")
    page.get_by_role("link", name="Segments").first.click()
    expect(page).to_have_url(re.compile(r"/segments/?$"))
    assert [kind for kind, _ in dialogs.asked] == ["confirm"]
