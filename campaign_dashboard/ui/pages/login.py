"""Login: a plain HTML form posted to the server (`api/routers/session.py`), which sets the
HttpOnly session cookie and redirects; outside the dashboard frame.

Its state is the dashboard's only public one, and it reads nothing: it shows the refusal named in
the URL (one of a few fixed messages) and keeps `next` for the form.
"""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.services.accounts import users
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import field_label
from campaign_dashboard.ui.fields import callout_if
from campaign_dashboard.ui.guard import PUBLIC, guarded
from campaign_dashboard.ui.layout import APP_NAME, LOGO, PAGES, icon_links

ERRORS = {
    "wrong": users.WRONG_LOGIN,
    "missing": "Enter your email and password.",
    "throttled": "Too many login attempts: wait a minute and try again.",
}


class LoginState(AuthState):
    error: str = ""
    next_path: str = ""

    @guarded(PUBLIC)
    def open(self):
        if self.session_ended_to:  # the tab was sent here: it may sign in again
            self.session_ended_to = ""
        query = self.router.url.query_parameters
        self.error = ERRORS.get(query.get("error", ""), "")
        self.next_path = routes.safe_next(query.get("next")) if query.get("next") else ""


def login_field(label: str, name: str, **props) -> list[rx.Component]:
    """The label and the required input `name` (also its type) of the form, `#login-<name>`."""
    control_id = f"login-{name}"
    control = rx.input(name=name, id=control_id, type=name, required=True, width="100%", size="3", **props)
    return [field_label(label, control_id), control]


def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.el.form(
                rx.el.input(type="hidden", name="next", value=LoginState.next_path),
                rx.vstack(
                    rx.hstack(
                        rx.image(src=LOGO, alt="", width="30px", height="30px"),
                        rx.heading(APP_NAME, size="6"),
                        align="center",
                        spacing="2",
                    ),
                    rx.text("Sign in to manage and watch your campaigns.", color_scheme="gray", size="2"),
                    callout_if(
                        LoginState.error, icon="triangle-alert", color_scheme="red", id="login-error", width="100%"
                    ),
                    *login_field("Email", "email", placeholder="you@example.com", auto_complete="username"),
                    *login_field("Password", "password", auto_complete="current-password"),
                    rx.button("Sign in", type="submit", width="100%", size="3", id="login-submit"),
                    spacing="3",
                    width="100%",
                ),
                action=routes.LOGIN_POST,
                method="post",
                id="login-form",
                # Reflex's forms stop the browser's own submit; this one must reach the server as a
                # plain post (the browser's checks of the fields have passed by now).
                on_submit=rx.call_script("document.getElementById('login-form').submit()"),
            ),
            width="24em",
            max_width="92vw",
            padding="2em",
        ),
        min_height="100vh",
        background=rx.color("gray", 2),
    )


PAGES.append(
    {
        "component": login_page,
        "route": routes.LOGIN,
        "title": f"Sign in · {APP_NAME}",
        "on_load": LoginState.open,
        "meta": icon_links(),
    }
)
