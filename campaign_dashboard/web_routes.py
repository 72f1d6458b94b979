"""The paths and cookie the dashboard pages (`ui`) and the login form posts (`api`) share.

A neutral module because `ui` and `api` may not import each other: the server redirects to the
login and overview pages and sets the cookie the pages read; `ui/routes.py` re-exports these.
"""

from __future__ import annotations

OVERVIEW = "/"
LOGIN = "/login"
# Plain HTTP form posts (api/routers/session.py): only the server sets the session cookie.
LOGIN_POST = "/api/session/login"
LOGOUT_POST = "/api/session/logout"
SESSION_COOKIE = "cd_session"


def safe_next(value: str | None) -> str:
    """Where to go after login: only a path on this site (never `//evil.example` or `/\\evil`)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return OVERVIEW
