"""A small button that copies a text to the clipboard and says so."""

from __future__ import annotations

import reflex as rx


def copy_button(text: rx.Var[str] | str, *, done: str = "Copied to the clipboard.", **props) -> rx.Component:
    return rx.icon_button(
        rx.icon("copy", size=14),
        on_click=[rx.set_clipboard(text), rx.toast.success(done)],
        variant="soft",
        aria_label="Copy",
        title="Copy",
        **props,
    )
