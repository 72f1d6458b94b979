"""Who is looking: the session cookie, the signed-in user and the role checks every page makes.

Every page state subclasses `AuthState`, and every one of their event handlers is `@guarded`
(see `guard.py`; a subclass with an unguarded handler fails at import). The session is the
HttpOnly `cd_session` cookie set by the login route (`api/session_routes.py`): the browser sends
it with the websocket's HTTP request, so the state reads it from that request's headers, never
from a var the client could set. The role shown in the browser only decides which buttons are
drawn; the guard asks the database again at every event.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import reflex as rx

from campaign_dashboard.config import get_settings
from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role, User
from campaign_dashboard.services.accounts import users
from campaign_dashboard.services.errors import AuthenticationFailed
from campaign_dashboard.services.operations import workers
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.guard import BAD_REQUEST, guard_of, guarded

SESSION_COOKIE = routes.SESSION_COOKIE
WORKER_CHECK_SECONDS = 10.0


def session_token(cookie_header: str) -> str:
    """The session token in a `Cookie:` header ("" without one)."""
    for part in (cookie_header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE:
            return value.strip().strip('"')
    return ""


@guarded(Role.VIEWER)
def refuse_setvar(self, var_name: str, value: Any):
    """Reflex's generic `setvar` would set any var by name; no dashboard page uses it."""
    return rx.toast.error(BAD_REQUEST)


refuse_setvar.__name__ = refuse_setvar.__qualname__ = "setvar"  # registered under Reflex's name


class AuthState(rx.State):
    user_name: str = ""
    user_email: str = ""
    role: str = ""
    # Shown to every role on every page: campaigns are waiting and no worker is running.
    worker_warning: str = ""
    # Where to send this tab once a read found its session over (logged out in another tab,
    # expired): the frame redirects there at once (`layout.session_end`); the login page clears it.
    session_ended_to: str = ""
    # An admin reset this user's password: every page sends them to the account page to change it.
    must_change_password: bool = False
    _workers_checked_at: float = 0.0

    @classmethod
    def __init_subclass__(cls, mixin: bool = False, **kwargs):
        super().__init_subclass__(mixin=mixin, **kwargs)
        if not mixin:
            cls._seal()

    @classmethod
    def _seal(cls) -> None:
        """Replace Reflex's `setvar`, and refuse a handler without a guard."""
        cls.setvar = cls.event_handlers["setvar"] = cls._create_event_handler(refuse_setvar)
        unguarded = [name for name, handler in cls.event_handlers.items() if guard_of(handler.fn) is None]
        if unguarded:
            raise TypeError(f"{cls.__name__}: every event handler needs @guarded(...): {', '.join(unguarded)}")

    @rx.var
    def can_write(self) -> bool:
        return self.role in (Role.MARKETER.value, Role.ADMIN.value)

    @rx.var
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    def _session_token(self) -> str:
        return session_token(self.router.headers.cookie)

    def _caller(self) -> User | None:
        """The user behind the session cookie, read from the database now (sessions expire and
        end); changes nothing, so background tasks may ask outside their lock."""
        token = self._session_token()
        if not token:
            return None
        with session_scope() as session:
            try:
                return users.user_for_session(session=session, token=token)
            except AuthenticationFailed:
                return None

    def _user(self) -> User | None:
        """`_caller`, also showing who is signed in (or nobody)."""
        user = self._caller()
        if user is None:
            if self.user_email:  # this tab showed someone: their session ended since
                self.session_ended_to = self._login_url()
            self.user_name = self.user_email = self.role = ""
        else:
            if self.session_ended_to:
                self.session_ended_to = ""
            self.user_name, self.user_email, self.role = user.name or user.email, user.email, user.role
            if self.must_change_password != user.must_change_password:  # sent only when it changes
                self.must_change_password = user.must_change_password
        return user

    def _signed_in(self) -> bool:
        """For reads repeated after the page's load (filters, pages, live refreshes): a session
        that ended or expired since then gets no more data, and the tab goes to the login page."""
        return self._user() is not None

    def _login_url(self) -> str:
        return login_url(self.router.url.path)

    def _password_change_url(self) -> str:
        path = str(self.router.url.path)
        if not path or path.rstrip("/") == routes.ACCOUNT:
            return routes.ACCOUNT
        return f"{routes.ACCOUNT}?next={quote(path, safe='/')}"

    def _check_workers(self, *, every: float = WORKER_CHECK_SECONDS) -> None:
        """Say so when campaigns are sending or scheduled and no worker has been seen within
        WORKER_HEARTBEAT_TIMEOUT_SECONDS (they would sit still with no explanation otherwise).
        Asked at every page load and, at most every `every` seconds, by the live pages' loops."""
        now = time.monotonic()
        if now - self._workers_checked_at < every:
            return
        self._workers_checked_at = now
        timeout = timedelta(seconds=get_settings().worker_heartbeat_timeout_seconds)
        with session_scope() as session:
            warning = workers.missing_worker(session, timeout=timeout)
        self.worker_warning = "" if warning is None else worker_warning_text(warning)

    @guarded(Role.VIEWER, before_password_change=True)
    def check_login(self):
        """First on_load of every dashboard page: the guard sends visitors without a session to
        log in, and shows who is signed in; the page also says if no worker is running. A user
        who must change their password goes to the account page first."""
        if self.must_change_password and str(self.router.url.path).rstrip("/") != routes.ACCOUNT:
            return rx.redirect(self._password_change_url())
        self._check_workers(every=0)


AuthState._seal()


def worker_warning_text(warning: workers.WorkerWarning) -> str:
    waiting = f"{warning.waiting_campaigns:,} campaign{'s' if warning.waiting_campaigns != 1 else ''}"
    seen = (
        "No worker has run yet"
        if warning.last_seen is None
        else f"The last worker stopped answering at {warning.last_seen:%Y-%m-%d %H:%M} UTC"
    )
    return (
        f"No worker is running: campaigns will not send ({waiting} sending or scheduled). {seen}. "
        "Start one with `campaign-dashboard worker`."
    )


def login_url(next_path: str | None) -> str:
    if not next_path or next_path == routes.LOGIN or not next_path.startswith("/"):
        return routes.LOGIN
    return f"{routes.LOGIN}?next={quote(next_path, safe='/')}"


safe_next = routes.safe_next
