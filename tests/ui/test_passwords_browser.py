"""Passwords in a real browser: a user changes their own from the account page (errors at the
field), and a user whose password was reset must choose a new one before anything else."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from campaign_dashboard.cli import ROOT

pytestmark = [pytest.mark.browser]
PASSWORD = "first-long-password"
NEW = "second-long-password"


def cli(data: Path, *args: str) -> str:
    env = dict(os.environ, DATA_DIR=str(data), DATABASE_URL=f"sqlite:///{data}/app.db", ENV="test")
    command = [sys.executable, "-m", "campaign_dashboard", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return done.stdout


def new_user(data: Path) -> str:
    email = f"pw-{uuid.uuid4().hex[:8]}@test.example"
    cli(data, "user", "create", "--email", email, "--role", "marketer", "--name", "Pat", "--password", PASSWORD)
    return email


def sign_in(page, email: str, password: str, next_path: str = "") -> None:
    page.goto("login" + (f"?next={next_path}" if next_path else ""))
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(password)
    page.locator("#login-submit").click()


def fill_password_form(page, current: str, new: str, repeat: str | None = None) -> None:
    page.locator("#current-password").fill(current)
    page.locator("#new-password").fill(new)
    page.locator("#confirm-password").fill(new if repeat is None else repeat)
    page.locator("#change-password").click()


def test_a_user_changes_their_own_password_from_the_account_page(page, app_url, app_data_dir):
    from playwright.sync_api import expect

    email = new_user(app_data_dir)
    sign_in(page, email, PASSWORD)
    expect(page.locator("#current-role")).to_have_text("marketer")
    page.locator("#current-user").click()
    expect(page).to_have_url(re.compile(r"/account/?$"))
    expect(page.locator("#account-email")).to_have_text(email)

    fill_password_form(page, "not-my-password", NEW)
    expect(page.locator("#current-password-error")).to_have_text("Is not right.")
    expect(page.locator("#current-password")).to_have_attribute("aria-invalid", "true")
    fill_password_form(page, PASSWORD, NEW, repeat="something-else-here")
    expect(page.locator("#confirm-password-error")).to_have_text("Does not match the new password.")
    fill_password_form(page, PASSWORD, "short")
    expect(page.locator("#new-password-error")).to_have_text("Needs at least 8 characters.")

    fill_password_form(page, PASSWORD, NEW)
    expect(page.locator("#password-changed")).to_be_visible()
    expect(page.locator("#current-password-error")).to_have_text("")
    page.locator("#logout").click()
    sign_in(page, email, PASSWORD)
    expect(page.locator("#login-error")).to_be_visible()
    sign_in(page, email, NEW)
    expect(page.locator("#current-role")).to_have_text("marketer")


def test_after_a_reset_the_user_must_choose_a_new_password_before_anything_else(page, app_url, app_data_dir):
    from playwright.sync_api import expect

    email = new_user(app_data_dir)
    printed = cli(app_data_dir, "user", "reset-password", "--email", email)
    temporary = re.search(r"One-time password for \S+: (\S+)", printed).group(1)

    sign_in(page, email, temporary, next_path="/contacts")
    expect(page).to_have_url(re.compile(r"/account/?\?next=%2Fcontacts$"))
    expect(page.locator("#must-change-password")).to_contain_text("An admin reset your password")
    page.goto("contacts")  # nothing else opens before the new password
    expect(page).to_have_url(re.compile(r"/account/?\?next="))
    expect(page.locator("#must-change-password")).to_be_visible()

    fill_password_form(page, temporary, NEW)
    expect(page).to_have_url(re.compile(r"/contacts/?$"))
    expect(page.locator("#must-change-password")).to_have_count(0)


def test_an_admin_resets_a_forgotten_password_and_hands_over_a_one_time_one(page, app_url, app_data_dir):
    from playwright.sync_api import expect

    from tests.helpers.ui import login

    email = new_user(app_data_dir)
    login(page, "admin")
    page.goto("settings")
    row = page.locator(f".user-row[data-email='{email}']")
    row.locator(".reset-password").click()
    expect(page.get_by_role("alertdialog")).to_contain_text(email)
    page.locator("#confirm-reset-password").click()
    expect(page.get_by_role("dialog")).to_contain_text(f"Give this password to {email}")
    temporary = page.locator("#one-time-password").inner_text().strip()
    assert len(temporary) >= 16
    page.locator("#close-one-time-password").click()
    expect(page.locator("#one-time-password")).to_have_count(0)
    page.locator("#logout").click()

    sign_in(page, email, PASSWORD)  # the old password no longer works
    expect(page.locator("#login-error")).to_be_visible()
    sign_in(page, email, temporary)
    expect(page.locator("#must-change-password")).to_be_visible()
    fill_password_form(page, temporary, NEW)
    expect(page.locator("#password-changed")).to_be_visible()
