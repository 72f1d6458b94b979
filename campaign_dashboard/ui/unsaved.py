"""Editors warn before unsaved changes are lost.

An editor renders `unsaved_marker(State.unsaved)`; the app's script `assets/unsaved_guard.js`
asks before a link, a reload or closing the tab leaves a page whose marker says "true". The
state decides what "unsaved" means: its fields differ from what was loaded or last saved
(`fingerprint`).
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from campaign_dashboard.models import Role

GUARD_SCRIPT = "/unsaved_guard.js"  # in assets/, served at the site's root
WRITERS = (Role.MARKETER.value, Role.ADMIN.value)  # who can save, so who has something to lose


def fingerprint(*values: Any) -> str:
    """One string for an editor's fields: equal exactly when the fields are."""
    return json.dumps(values, sort_keys=True, default=str)


def unsaved_marker(unsaved: rx.Var[bool]) -> rx.Component:
    """The marker the guard script reads, and the script (loaded once, into the head)."""
    return rx.fragment(
        rx.script(src=GUARD_SCRIPT),
        rx.el.span(id="unsaved-marker", hidden=True, custom_attrs={"data-unsaved": rx.cond(unsaved, "true", "false")}),
    )
