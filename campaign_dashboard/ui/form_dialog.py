"""A dialog holding one form: each field with its error (or a hint) under it, Cancel and submit.

Errors are a state var `{field name: message}` filled from a service error by `field_errors`;
what names no field of the form is shown above the fields under the key "".
"""

from __future__ import annotations

from collections.abc import Iterable

import reflex as rx

from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.ui.components import field_label


def field_errors(exc: DomainError, fields: Iterable[str]) -> dict[str, str]:
    """The error's message under the one form field it names, else under ""."""
    named = {str(d.get("field")) for d in exc.details} & set(fields)
    if len(named) == 1:
        return {named.pop(): exc.message}
    return {"": exc.message}


def form_field(
    errors: rx.Var, form_id: str, name: str, label: str, control: rx.Component, hint: str = ""
) -> rx.Component:
    """`control` must carry `id=f"{form_id}-{name}"`; its error gets `{form_id}-{name}-error`."""
    error = errors.get(name, "")
    return rx.vstack(
        field_label(label, f"{form_id}-{name}"),
        control,
        rx.cond(
            error != "",
            rx.text(error, size="1", color_scheme="red", id=f"{form_id}-{name}-error"),
            rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        ),
        spacing="1",
        width="100%",
    )


def form_dialog(
    *,
    form_id: str,
    title: str,
    description: str,
    fields: list[rx.Component],
    errors: rx.Var,
    submit: str,
    on_submit: rx.EventHandler,
    open: rx.Var[bool],
    on_open_change: rx.EventHandler,
) -> rx.Component:
    general = errors.get("", "")
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description(description, size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    rx.cond(
                        general != "",
                        rx.callout(
                            general, icon="triangle-alert", color_scheme="red", width="100%", id=f"{form_id}-error"
                        ),
                    ),
                    *fields,
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button(submit, type="submit", id=f"{form_id}-submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=on_submit,
                reset_on_submit=False,
            ),
            max_width="28em",
        ),
        open=open,
        on_open_change=on_open_change,
    )
