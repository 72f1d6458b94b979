"""Login: email and password, throttled by the users service; outside the dashboard frame."""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.services import users
from campaign_dashboard.services.errors import AuthenticationFailed
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState, safe_next
from campaign_dashboard.ui.layout import APP_NAME, PAGES


class LoginState(AuthState):
    error: str = ""
    busy: bool = False

    @rx.event
    def open(self):
        """Someone already signed in goes straight on."""
        self.error = ""
        if self._user() is not None:
            return rx.redirect(safe_next(self.router.url.query_parameters.get("next")))

    @rx.event
    def submit(self, form: dict):
        self.error = ""
        email = (form.get("email") or "").strip()
        password = form.get("password") or ""
        if not email or not password:
            self.error = "Enter your email and password."
            return
        try:
            with session_scope() as session:
                user, token = users.login(session=session, email=email, password=password)
        except AuthenticationFailed as exc:
            self.error = exc.message
            return
        self.session_token = token
        self.user_name, self.user_email, self.role = user.name or user.email, user.email, user.role
        return rx.redirect(safe_next(self.router.url.query_parameters.get("next")))


def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.hstack(
                        rx.icon("send", size=24, color=rx.color("accent", 10)),
                        rx.heading(APP_NAME, size="6"),
                        align="center",
                        spacing="2",
                    ),
                    rx.text("Sign in to manage and watch your campaigns.", color_scheme="gray", size="2"),
                    rx.cond(
                        LoginState.error != "",
                        rx.callout(LoginState.error, icon="triangle-alert", color_scheme="red", id="login-error",
                                   width="100%"),
                    ),
                    rx.text("Email", as_="label", size="2", weight="medium", html_for="login-email"),
                    rx.input(name="email", id="login-email", type="email", placeholder="you@example.com",
                             auto_complete="username", required=True, width="100%", size="3"),
                    rx.text("Password", as_="label", size="2", weight="medium", html_for="login-password"),
                    rx.input(name="password", id="login-password", type="password",
                             auto_complete="current-password", required=True, width="100%", size="3"),
                    rx.button("Sign in", type="submit", width="100%", size="3", id="login-submit"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=LoginState.submit,
                reset_on_submit=False,
            ),
            width="24em",
            max_width="92vw",
            padding="2em",
        ),
        min_height="100vh",
        background=rx.color("gray", 2),
    )


PAGES.append({"component": login_page, "route": routes.LOGIN, "title": f"Sign in · {APP_NAME}",
              "on_load": LoginState.open})
