"""Who is looking: the session cookie, the signed-in user and the role checks every page makes.

Every page state subclasses `AuthState`. The role shown in the browser only decides which
buttons are drawn; every load and every action asks the database again through `_refuse`, so a
viewer who calls an action by hand, or a user whose session ended, is refused on the server.
"""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role, User
from campaign_dashboard.services import roles, users
from campaign_dashboard.services.errors import AuthenticationFailed, PermissionDenied
from campaign_dashboard.ui import routes

SESSION_COOKIE = "cd_session"


class AuthState(rx.State):
    session_token: str = rx.Cookie(
        "", name=SESSION_COOKIE, max_age=int(users.SESSION_LIFETIME.total_seconds()), same_site="strict"
    )
    user_name: str = ""
    user_email: str = ""
    role: str = ""

    @rx.var
    def can_write(self) -> bool:
        return self.role in (Role.MARKETER.value, Role.ADMIN.value)

    @rx.var
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    def _user(self) -> User | None:
        """The user behind the cookie, read from the database now (sessions expire and end)."""
        if not self.session_token:
            return None
        with session_scope() as session:
            try:
                user = users.user_for_session(session=session, token=self.session_token)
            except AuthenticationFailed:
                return None
        self.user_name, self.user_email, self.role = user.name or user.email, user.email, user.role
        return user

    def _signed_in(self) -> bool:
        """For reads repeated after the page's load (filters, pages, live refreshes): a session
        that ended or expired since then gets no more data."""
        if self._user() is not None:
            return True
        self.user_name = self.user_email = self.role = ""
        return False

    def _refuse(self, needed: Role = Role.VIEWER):
        """None when the signed-in user has the `needed` role; otherwise what to do instead:
        the login page for nobody, an error toast for a user whose role is too low."""
        user = self._user()
        if user is None:
            self.user_name = self.user_email = self.role = ""
            return rx.redirect(login_url(self.router.url.path))
        try:
            roles.require_role(user.role, needed)
        except PermissionDenied as exc:
            return rx.toast.error(exc.message)
        return None

    @rx.event
    def check_login(self):
        """First on_load of every dashboard page: send visitors without a session to log in."""
        return self._refuse(Role.VIEWER)

    @rx.event
    def logout(self):
        if self.session_token:
            with session_scope() as session:
                users.logout(session=session, token=self.session_token)
        self.session_token = ""
        self.user_name = self.user_email = self.role = ""
        return rx.redirect(routes.LOGIN)


def login_url(next_path: str | None) -> str:
    if not next_path or next_path == routes.LOGIN or not next_path.startswith("/"):
        return routes.LOGIN
    return f"{routes.LOGIN}?next={quote(next_path, safe='/')}"


def safe_next(value: str | None) -> str:
    """Where to go after login: only a path on this site (never `//evil.example`)."""
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return routes.OVERVIEW
