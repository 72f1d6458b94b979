"""A small button that copies a text to the clipboard and says so, and the dialog that shows a
secret once (a new API token, a one-time password) with it."""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.ui.fields import dialog_buttons


def copy_button(text: rx.Var[str] | str, *, done: str = "Copied to the clipboard.", **props) -> rx.Component:
    return rx.icon_button(
        rx.icon("copy", size=14),
        on_click=[rx.set_clipboard(text), rx.toast.success(done)],
        variant="soft",
        aria_label="Copy",
        title="Copy",
        **props,
    )


def shown_once_dialog(
    title: rx.Component | str,
    note: rx.Component | str,
    secret: rx.Var[str],
    *,
    on_open_change,
    value_id: str,
    copy_id: str,
    done_id: str,
    done: str = "Copied to the clipboard.",
) -> rx.Component:
    """Open while `secret` is set: the secret, a copy button and Done (which clears it through
    `on_open_change`); it is never shown again."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.callout(note, icon="info", color_scheme="amber"),
            rx.hstack(
                rx.code(secret, id=value_id, overflow_wrap="anywhere", size="3"),
                copy_button(secret, done=done, id=copy_id),
                align="center",
                margin_y="1em",
            ),
            dialog_buttons(rx.dialog.close(rx.button("Done", id=done_id))),
            max_width="36em",
        ),
        open=secret != "",
        on_open_change=on_open_change,
    )
