"""A dialog holding one form: each field with its error (or a hint) under it, Cancel and submit.

Errors are a state var `{field name: message}` filled from a service error by `field_errors`;
what names no field of the form is shown above the fields under the key "".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import reflex as rx
from sqlmodel import Session

from campaign_dashboard.db import session_scope
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.ui.fields import close_button, dialog_buttons, error_text, hint_text, labelled


def field_errors(exc: DomainError, fields: Iterable[str]) -> dict[str, str]:
    """The error's message under the one form field it names, else under ""."""
    named = {str(d.get("field")) for d in exc.details} & set(fields)
    if len(named) == 1:
        return {named.pop(): exc.message}
    return {"": exc.message}


Made = TypeVar("Made")


def submit(fields: Iterable[str], work: Callable[[Session], Made]) -> tuple[Made | None, dict[str, str]]:
    """Run a form's service call in its own transaction: what it made (read inside the
    transaction), or nothing and the refusal under the field it names."""
    try:
        with session_scope() as session:
            return work(session), {}
    except DomainError as exc:
        return None, field_errors(exc, fields)


@dataclass(frozen=True)
class Field:
    """One field of a form dialog: `control` (`rx.input`, or a `partial` of it with its own props)
    is called with the field's `name`, its id `{form_id}-{name}` and the full width."""

    name: str
    label: str
    control: Callable[..., rx.Component]
    hint: str = ""


def form_field(errors: rx.Var, form_id: str, field: Field) -> rx.Component:
    """The field's label, control, then its error (`#{form_id}-{name}-error`) or else its hint."""
    control_id, error = f"{form_id}-{field.name}", errors.get(field.name, "")
    control = field.control(name=field.name, id=control_id, width="100%")
    hint = hint_text(field.hint) if field.hint else rx.fragment()
    return labelled(
        field.label, control, control_id, rx.cond(error != "", error_text(error, id=f"{control_id}-error"), hint)
    )


def form_dialog(state, *, form_id: str, title: str, description: str, fields: list[Field], submit: str) -> rx.Component:
    """The create dialog of `state`: open while `state.creating`, opened and closed by
    `state.open_create`, submitted to `state.create`, which fills `state.errors`."""
    general = state.errors.get("", "")
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
                    *[form_field(state.errors, form_id, field) for field in fields],
                    dialog_buttons(
                        close_button("Cancel", type="button"), rx.button(submit, type="submit", id=f"{form_id}-submit")
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=state.create,
                reset_on_submit=False,
            ),
            max_width="28em",
        ),
        open=state.creating,
        on_open_change=state.open_create,
    )
