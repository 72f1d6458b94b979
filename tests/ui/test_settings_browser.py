"""Settings in a real browser: providers and webhook URLs, users and roles, API tokens; admins only."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.helpers.ui import login, screenshot

pytestmark = [pytest.mark.browser]
PASSWORD = "a-good-long-password"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def open_settings(page) -> None:
    from playwright.sync_api import expect

    login(page, "admin")
    page.goto("settings")
    expect(page.locator("#settings")).to_be_visible()


def create_user(page, email: str, role: str = "marketer", password: str = PASSWORD) -> None:
    from playwright.sync_api import expect

    page.locator("#new-user").click()
    page.locator("#new-user-email").fill(email)
    page.locator("#new-user-name").fill("New Person")
    page.locator("#new-user-role").click()
    page.get_by_role("option", name=role, exact=True).click()
    page.locator("#new-user-password").fill(password)
    page.locator("#new-user-submit").click()
    expect(page.locator(".user-row", has_text=email)).to_be_visible()


def test_an_admin_sees_how_each_provider_is_reached_and_checks_its_credentials(page, app_url):
    from playwright.sync_api import expect

    open_settings(page)
    email, sms = page.locator("#email-provider"), page.locator("#sms-provider")
    expect(email.locator(".provider-mode")).to_have_text("Emulator")
    expect(sms.locator(".provider-mode")).to_have_text("Emulator")
    expect(email.locator(".provider-api-url")).to_have_text(re.compile(r"^http://127\.0\.0\.1:\d+$"))
    expect(email.locator(".provider-sender")).to_contain_text("campaigns@example.com")
    expect(sms.locator(".provider-sender")).to_have_text("+15005550006")

    email.locator(".check-credentials").click()
    expect(email.locator(".credentials-outcome")).to_have_text("valid")
    expect(email.locator(".credentials-message")).to_have_text("Resend accepted the API key.")
    sms.locator(".check-credentials").click()
    expect(sms.locator(".credentials-outcome")).to_have_text("valid")
    expect(sms.locator(".credentials-message")).to_contain_text("account 'Provider emulator' (active, Full)")
    screenshot(page, "settings")


def test_the_webhook_urls_point_at_this_app_and_copy_to_the_clipboard(page, app_url):
    from playwright.sync_api import expect

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_settings(page)
    urls = page.locator("#webhook-urls .webhook-url")
    expect(urls).to_have_text(
        [f"{app_url}webhooks/resend", f"{app_url}webhooks/twilio/inbound", f"{app_url}webhooks/twilio/status"]
    )
    expect(page.locator("#public-url-warning")).to_have_count(0)  # both providers are emulated
    page.locator(".webhook-row[data-key=twilio-inbound] .copy-webhook").click()
    expect(page.get_by_text("Copied to the clipboard.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == f"{app_url}webhooks/twilio/inbound"
    # no RESEND_INBOUND_DOMAIN here: the page says replies are not received and what to set
    expect(page.locator("#replies-setup")).to_contain_text("RESEND_INBOUND_DOMAIN is not set")


def test_an_admin_creates_a_marketer_who_can_then_log_in(page, browser, app_url):
    from playwright.sync_api import expect

    open_settings(page)
    email = f"{unique('new')}@test.example"

    # A short password is refused next to its field, and nothing is created.
    page.locator("#new-user").click()
    page.locator("#new-user-email").fill(email)
    page.locator("#new-user-password").fill("short")
    page.locator("#new-user-submit").click()
    expect(page.locator("#new-user-password-error")).to_have_text("The password needs at least 8 characters.")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator(".user-row", has_text=email)).to_have_count(0)

    create_user(page, email, "marketer")
    row = page.locator(".user-row", has_text=email)
    expect(row.locator(".user-role")).to_have_text("marketer")
    expect(row).to_contain_text("never")

    # The same email again is refused next to the email field.
    page.locator("#new-user").click()
    page.locator("#new-user-email").fill(email.upper())
    page.locator("#new-user-password").fill(PASSWORD)
    page.locator("#new-user-submit").click()
    expect(page.locator("#new-user-email-error")).to_contain_text("already exists")
    page.get_by_role("button", name="Cancel").click()

    other = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=app_url)
    try:
        newcomer = other.new_page()
        newcomer.goto("login")
        newcomer.locator("#login-email").fill(email)
        newcomer.locator("#login-password").fill(PASSWORD)
        newcomer.locator("#login-submit").click()
        expect(newcomer.locator("#current-role")).to_have_text("marketer")
        expect(newcomer.locator("#current-user")).to_have_text("New Person")
    finally:
        other.close()
    page.reload()
    expect(page.locator(".user-row", has_text=email)).not_to_contain_text("never")


def test_an_admin_changes_a_role_and_deactivates_a_user_but_not_themselves(page):
    from playwright.sync_api import expect

    open_settings(page)
    email = f"{unique('role')}@test.example"
    create_user(page, email, "viewer")
    row = page.locator(".user-row", has_text=email)

    row.locator(".user-role").click()
    page.get_by_role("option", name="marketer", exact=True).click()
    expect(page.get_by_text(f"{email} is now marketer")).to_be_visible()
    row.locator(".deactivate-user").click()
    expect(row).to_contain_text("deactivated")
    page.reload()
    row = page.locator(".user-row", has_text=email)
    expect(row.locator(".user-role")).to_have_text("marketer")
    expect(row).to_contain_text("deactivated")
    row.locator(".reactivate-user").click()
    expect(row).to_contain_text("active")
    expect(row.locator(".deactivate-user")).to_be_visible()

    me = page.locator(".user-row", has_text="admin@test.example")
    expect(me.locator(".user-role")).to_be_disabled()
    expect(me.locator(".deactivate-user")).to_have_count(0)


def test_an_api_token_is_shown_once_works_with_the_api_and_stops_when_revoked(page, app_url):
    from playwright.sync_api import expect

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_settings(page)
    name = unique("script")
    page.locator("#new-token").click()
    page.locator("#new-token-submit").click()  # no name
    expect(page.locator("#new-token-name-error")).to_have_text("A token needs a name.")
    page.locator("#new-token-name").fill(name)
    page.locator("#new-token-role").click()
    page.get_by_role("option", name="marketer", exact=True).click()
    page.locator("#new-token-submit").click()

    value = page.locator("#new-token-value")
    expect(value).to_have_text(re.compile(r"^cdt_\S{20,}$"))
    token = value.inner_text()
    page.locator("#copy-new-token").click()
    assert page.evaluate("navigator.clipboard.readText()") == token
    page.locator("#new-token-done").click()
    expect(page.locator("#new-token-value")).to_have_count(0)
    row = page.locator(".token-row", has_text=name)
    expect(row).to_contain_text(token[:10])
    expect(row).to_contain_text("marketer")
    expect(row).to_contain_text("never")
    assert token not in page.content()  # shown once: gone from the page

    api = f"{app_url}api/v1/email-campaigns"
    response = page.request.get(api, headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200
    assert len(response.json()["items"]) > 0  # the demo seed's email campaigns
    page.reload()
    row = page.locator(".token-row", has_text=name)
    expect(row).not_to_contain_text("never")  # last used is noted

    row.locator(".revoke-token").click()
    page.get_by_role("button", name="Cancel").click()
    expect(row).to_contain_text("live")
    row.locator(".revoke-token").click()
    page.locator("#confirm-revoke").click()
    expect(row).to_contain_text("revoked")
    expect(row.locator(".revoke-token")).to_have_count(0)
    assert page.request.get(api, headers={"Authorization": f"Bearer {token}"}).status == 401


@pytest.mark.parametrize("role", ["marketer", "viewer"])
def test_anyone_but_an_admin_is_refused_settings_by_url(page, role):
    from playwright.sync_api import expect

    login(page, role)
    page.goto("settings")
    expect(page.locator("#settings-refused")).to_be_visible()
    expect(page.locator("#settings")).to_have_count(0)
    expect(page.get_by_text("This needs the admin role")).to_be_visible()
    expect(page.get_by_text("admin@test.example")).to_have_count(0)
    expect(page.get_by_text("webhooks/resend")).to_have_count(0)
