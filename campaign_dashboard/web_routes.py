"""The paths and cookie that `ui`, `api` and the sending code share.

A neutral module because `ui` and `api` may not import each other: the server redirects to the
login and overview pages and sets the cookie the pages read (`ui/routes.py` re-exports these); the
settings page shows the webhook addresses the API serves, and every SMS names the status callback.
"""

from __future__ import annotations

OVERVIEW = "/"
LOGIN = "/login"
# Plain HTTP form posts (api/routers/session.py): only the server sets the session cookie.
LOGIN_POST = "/api/session/login"
LOGOUT_POST = "/api/session/logout"
PASSWORD_POST = "/api/session/password"
ACCOUNT = "/account"  # your own account: change your password (a reset password must be changed here)
SESSION_COOKIE = "cd_session"
# The provider webhooks (api/webhooks/): what to paste into the providers' consoles.
RESEND_WEBHOOK = "/webhooks/resend"
TWILIO_STATUS_WEBHOOK = "/webhooks/twilio/status"
TWILIO_INBOUND_WEBHOOK = "/webhooks/twilio/inbound"


def safe_next(value: str | None) -> str:
    """Where to go after login: only a path on this site (never `//evil.example` or `/\\evil`)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return OVERVIEW
