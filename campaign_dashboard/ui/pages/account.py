"""Your account: who you are signed in as, and your own password.

The password form is a plain HTML post to the server (`api/routers/session.py`), like the login:
passwords never pass through a state var. The server answers with a redirect naming the refusal by
a code, which this page words at its field. A user whose password an admin reset lands here after
signing in, and every other page sends them back until they chose a new one (`ui/guard.py`).
"""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.models import Role
from campaign_dashboard.services.accounts import users
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import field_label
from campaign_dashboard.ui.guard import guarded
from campaign_dashboard.ui.layout import dashboard_page

# The refusals the server names in the URL, at their field; nothing else from the URL is shown.
FIELD_ERRORS = {
    code: (field, words[0].upper() + words[1:] + ".") for code, (field, words) in users.PASSWORD_PROBLEMS.items()
}
FORM_ERRORS = {
    "throttled": "Too many wrong passwords: wait a minute and try again.",
    "invalid": "That password cannot be used: choose another.",
}
PASSWORD_FIELDS = (
    ("current_password", "Current password", "current-password"),
    ("new_password", "New password", "new-password"),
    ("confirm_password", "Repeat the new password", "new-password"),
)


class AccountState(AuthState):
    errors: dict[str, str] = {}
    form_error: str = ""
    changed: bool = False
    next_path: str = ""

    @guarded(Role.VIEWER, before_password_change=True)
    def open(self):
        query = self.router.url.query_parameters
        code = query.get("error", "")
        field_error = FIELD_ERRORS.get(code)
        self.errors = {field_error[0]: field_error[1]} if field_error else {}
        self.form_error = FORM_ERRORS.get(code, "")
        self.changed = query.get("changed") == "1"
        self.next_path = routes.safe_next(query.get("next")) if query.get("next") else ""


def _password_field(name: str, label: str, autocomplete: str) -> rx.Component:
    control_id = name.replace("_", "-")
    error = AccountState.errors.get(name, "")
    return rx.vstack(
        field_label(label, control_id),
        rx.input(
            name=name,
            id=control_id,
            type="password",
            auto_complete=autocomplete,
            required=True,
            width="100%",
            aria_describedby=f"{control_id}-error",
            aria_invalid=rx.cond(error != "", "true", "false"),
        ),
        rx.text(error, color_scheme="red", size="2", id=f"{control_id}-error", role="alert"),
        spacing="1",
        width="100%",
    )


def password_form() -> rx.Component:
    return rx.el.form(
        rx.el.input(type="hidden", name="next", value=AccountState.next_path),
        rx.vstack(
            rx.heading("Change your password", size="4", as_="h2"),
            rx.text(
                f"At least {users.MIN_PASSWORD_LENGTH} characters. Your other signed-in browsers are signed out.",
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                AccountState.form_error != "",
                rx.callout(AccountState.form_error, icon="triangle-alert", color_scheme="red", id="password-error"),
            ),
            *[_password_field(*spec) for spec in PASSWORD_FIELDS],
            rx.button("Change password", type="submit", id="change-password"),
            spacing="3",
            width="100%",
        ),
        action=routes.PASSWORD_POST,
        method="post",
        id="password-form",
        # Reflex's forms stop the browser's own submit; this one must reach the server as a post.
        on_submit=rx.call_script("document.getElementById('password-form').submit()"),
        width="100%",
    )


@dashboard_page(route=routes.ACCOUNT, title="Your account", on_load=AccountState.open)
def account_page() -> rx.Component:
    return rx.vstack(
        rx.cond(
            AuthState.must_change_password,
            rx.callout(
                "An admin reset your password. Choose a new one to continue.",
                icon="key-round",
                color_scheme="amber",
                id="must-change-password",
            ),
        ),
        rx.cond(
            AccountState.changed,
            rx.callout("Your password was changed.", icon="circle-check", color_scheme="green", id="password-changed"),
        ),
        rx.card(
            rx.vstack(
                rx.text(AuthState.user_name, weight="medium", id="account-name"),
                rx.text(AuthState.user_email, size="2", color_scheme="gray", id="account-email"),
                rx.badge(AuthState.role, variant="outline"),
                spacing="1",
            ),
            width="100%",
        ),
        rx.card(password_form(), width="100%"),
        spacing="4",
        width="100%",
        max_width="32em",
    )
