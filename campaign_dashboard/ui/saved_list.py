"""A page listing saved building blocks (segments, templates): a line saying what they are with a
"New …" button, the table once loaded, and on each row a delete button that asks first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from campaign_dashboard.db import session_scope
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.confirm import confirm_button


class _ListState(Protocol):
    """A list page's state: `load` reads its list again."""

    def load(self) -> object: ...


def delete_and_reload(state: _ListState, delete: Callable[[Session], object], done: str):
    """A marketer's delete from a list page (its handler is guarded for marketers): the service's
    refusal as a toast, else the list is read again (`state.load`) and `done` is shown."""
    try:
        with session_scope() as session:
            delete(session)
    except DomainError as exc:
        return rx.toast.error(exc.message, duration=8000)
    state.load()
    return rx.toast.success(done)


def delete_button(noun: str, name: rx.Var, *, description: str, on_confirm: EventSpec) -> rx.Component:
    """A trash icon (class `delete-<noun>`) asking "Delete <noun> <name>?" (`confirm-delete-<noun>`)."""
    return confirm_button(
        rx.icon_button(
            rx.icon("trash-2", size=16),
            color_scheme="red",
            variant="ghost",
            size="1",
            aria_label=f"Delete {noun}",
            class_name=f"delete-{noun}",
        ),
        title=rx.text(f"Delete {noun} ", name, "?"),
        description=description,
        action="Delete",
        on_confirm=on_confirm,
        confirm_class=f"confirm-delete-{noun}",
    )


def saved_list_page(*, intro: str, noun: str, new_href: str, loaded: rx.Var[bool], table: rx.Component) -> rx.Component:
    """`intro`, a "New <noun>" button (`new-<noun>`, for those who may write) to `new_href`, then
    `table` once `loaded` (a spinner before)."""
    return rx.vstack(
        rx.hstack(
            rx.text(intro, color_scheme="gray", size="2"),
            rx.spacer(),
            rx.cond(
                AuthState.can_write,
                rx.link(rx.button(rx.icon("plus", size=16), f"New {noun}", id=f"new-{noun}"), href=new_href),
            ),
            width="100%",
            align="center",
        ),
        rx.cond(loaded, table, rx.spinner(size="3")),
        width="100%",
        spacing="4",
    )
