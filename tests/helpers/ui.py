"""Browser-test helpers: the test accounts, signing in, and the documentation's screenshots.

Screenshots are written to docs/screenshots/ only when `SCREENSHOTS=1` (`make screenshots`), so
an ordinary test run leaves the tracked images alone."""

from __future__ import annotations

import os
import uuid

from campaign_dashboard.cli import ROOT

SCREENSHOTS = ROOT / "docs" / "screenshots"
# One account per role, created in the app's database once it is up.
ACCOUNTS = {
    "admin": ("admin@test.example", "admin-password-1"),
    "marketer": ("marketer@test.example", "marketer-password-1"),
    "viewer": ("viewer@test.example", "viewer-password-1"),
}


def login(page, role: str = "marketer", next_path: str = "") -> None:
    """Sign in through the login page as the test account with `role`."""
    from playwright.sync_api import expect

    email, password = ACCOUNTS[role]
    page.goto("login" + (f"?next={next_path}" if next_path else ""))
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(password)
    page.locator("#login-submit").click()
    expect(page.locator("#current-role")).to_have_text(role)


def screenshot(page, name: str) -> None:
    """Save the page as docs/screenshots/<name>.png, when screenshots were asked for."""
    if os.environ.get("SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def unique(name: str) -> str:
    """A name no other test (or earlier run against the same app) uses."""
    return f"{name} {uuid.uuid4().hex[:6]}"


def row(page, name: str):
    """The campaign list's row of `name`."""
    return page.locator("tbody tr", has_text=name)


def status_of(page, name: str):
    return row(page, name).locator(".status-badge")


def act(page, name: str, action: str) -> None:
    """Open the row's action menu and choose `action`."""
    row(page, name).get_by_role("button", name="Actions").click()
    page.get_by_role("menuitem", name=action).click()


def choose(page, select_id: str, option: str) -> None:
    """Pick `option` in the Radix select `select_id`."""
    page.locator(f"#{select_id}").click()
    page.get_by_role("option", name=option, exact=True).click()
