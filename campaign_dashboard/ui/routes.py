"""Every dashboard route in one place, with the sidebar's order and labels."""

from __future__ import annotations

from typing import NamedTuple

OVERVIEW = "/"
EMAIL_CAMPAIGNS = "/email"
SMS_CAMPAIGNS = "/sms"
CONTACTS = "/contacts"
SEGMENTS = "/segments"
TEMPLATES = "/templates"


class NavItem(NamedTuple):
    route: str
    label: str
    icon: str  # a lucide icon name


NAVIGATION = (
    NavItem(OVERVIEW, "Overview", "layout-dashboard"),
    NavItem(EMAIL_CAMPAIGNS, "Email", "mail"),
    NavItem(SMS_CAMPAIGNS, "SMS", "message-square"),
    NavItem(CONTACTS, "Contacts", "users"),
    NavItem(SEGMENTS, "Segments", "filter"),
    NavItem(TEMPLATES, "Templates", "file-text"),
)
