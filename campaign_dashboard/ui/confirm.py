"""A button that asks before it does something that cannot be undone (delete, unsubscribe)."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec


def confirm_button(
    trigger: rx.Component,
    *,
    title: rx.Component | str,
    description: rx.Component | str,
    action: str,
    on_confirm: EventSpec,
    confirm_id: str | None = None,
    confirm_class: str | None = None,
) -> rx.Component:
    """`trigger` opens a dialog; only its red `action` button runs `on_confirm`."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(action, color_scheme="red", on_click=on_confirm, id=confirm_id, class_name=confirm_class),
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
    )
