"""Every dashboard route in one place, with the sidebar's order and labels."""

from __future__ import annotations

from typing import NamedTuple

# Shared with the login form posts (api/routers/session.py, which may not import ui); re-exported.
from campaign_dashboard.web_routes import (  # noqa: F401
    ACCOUNT,
    LOGIN,
    LOGIN_POST,
    LOGOUT_POST,
    OVERVIEW,
    PASSWORD_POST,
    SESSION_COOKIE,
    safe_next,
)

EMAIL_CAMPAIGNS = "/email"
SMS_CAMPAIGNS = "/sms"
CONTACTS = "/contacts"
SUPPRESSIONS = "/suppressions"
SEGMENTS = "/segments"
TOPICS = "/topics"
TEMPLATES = "/templates"
SETTINGS = "/settings"
AUDIT_LOG = "/audit-log"


def campaign_detail(channel: str, campaign_id: int | str) -> str:
    """`/email/12` or `/sms/3`: one campaign's live page."""
    return f"/{channel}/{campaign_id}"


def contact_detail(contact_id: int | str) -> str:
    return f"{CONTACTS}/{contact_id}"


def template_detail(template_id: int | str) -> str:
    return f"{TEMPLATES}/{template_id}"


def segment_detail(segment_id: int | str) -> str:
    return f"{SEGMENTS}/{segment_id}"


NEW = "new"  # `/segments/new`, `/templates/new`: the editor pages with nothing loaded


def path_arg(path: str) -> str:
    """The last part of a page path (`/contacts/12/` -> `12`): a dynamic route's argument, read
    without a state var of that name (which Reflex reserves for the route)."""
    return path.rstrip("/").rsplit("/", 1)[-1]


class NavItem(NamedTuple):
    route: str
    label: str
    icon: str  # a lucide icon name


NAVIGATION = (
    NavItem(OVERVIEW, "Overview", "layout-dashboard"),
    NavItem(EMAIL_CAMPAIGNS, "Email", "mail"),
    NavItem(SMS_CAMPAIGNS, "SMS", "message-square"),
    NavItem(CONTACTS, "Contacts", "users"),
    NavItem(SUPPRESSIONS, "Suppressions", "ban"),
    NavItem(SEGMENTS, "Segments", "filter"),
    NavItem(TOPICS, "Topics", "tags"),
    NavItem(TEMPLATES, "Templates", "file-text"),
)
# Shown to admins only (the settings page also refuses everyone else on the server).
ADMIN_NAVIGATION = (NavItem(SETTINGS, "Settings", "settings"), NavItem(AUDIT_LOG, "Audit log", "scroll-text"))
