"""The pieces every form and list page is built of: a labelled field with its message under it, a
filter, a message shown only when there is one, Previous / Next paging and a dialog's buttons.

One place for them keeps the pages alike (a label always names its control by `html_for`, an
error always sits under its field in red) and the pages short.
"""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.ui.components import field_label

ANY = "any"  # a filter's "no filter" choice (a select item cannot have an empty value)


def error_text(message: rx.Var[str] | str, **props) -> rx.Component:
    """A field's error message, in red under it."""
    return rx.text(message, size="1", color_scheme="red", **props)


def hint_text(*children: rx.Component | rx.Var | str, **props) -> rx.Component:
    """A short grey note under a field."""
    return rx.text(*children, size="1", color_scheme="gray", **props)


def error_if(message: rx.Var[str], **props) -> rx.Component:
    """`error_text`, only while `message` is not empty."""
    return rx.cond(message != "", error_text(message, **props))


def labelled(
    label: str | rx.Var[str], control: rx.Component, control_id: str, *below: rx.Component, width: str = "100%"
) -> rx.Component:
    """A form field: its `<label for=control_id>`, the control, then what goes under it (its
    error, notes). `control` must carry `id=control_id`."""
    return rx.vstack(field_label(label, control_id), control, *below, spacing="1", width=width)


def filter_field(label: str, control: rx.Component, control_id: str) -> rx.Component:
    """A list's filter: a small grey label over its control (`id=control_id`)."""
    return rx.vstack(
        rx.el.label(rx.text(label, size="1", color_scheme="gray"), html_for=control_id), control, spacing="1"
    )


def select(items: list, value: rx.Var, on_change, **trigger) -> rx.Component:
    """A select of `items` (`rx.select.item`s or an `rx.foreach` of them); `trigger` goes to its
    button (id, aria_label, width)."""
    return rx.select.root(rx.select.trigger(**trigger), rx.select.content(*items), value=value, on_change=on_change)


def filter_bar(*children: rx.Component) -> rx.Component:
    """A list's filters (and its buttons) in a row that wraps, aligned on their controls."""
    return rx.flex(*children, spacing="3", align="end", wrap="wrap", width="100%")


def clear_button(on_click) -> rx.Component:
    return rx.button("Clear filters", on_click=on_click, variant="ghost", size="2")


def any_select(choices: list[str] | rx.Var, value: rx.Var, on_change, select_id: str, **trigger) -> rx.Component:
    """A filter's select whose first choice, `any`, turns the filter off."""
    items = (
        [rx.select.item(choice, value=choice) for choice in choices]
        if isinstance(choices, list)
        else [rx.foreach(choices, lambda choice: rx.select.item(choice, value=choice))]
    )
    return select([rx.select.item(ANY, value=ANY), *items], value, on_change, id=select_id, **trigger)


def segmented(choices: list[tuple[str, str]], value: rx.Var, on_change, **props) -> rx.Component:
    """A segmented control of `(label, value)` choices."""
    items = [rx.segmented_control.item(label, value=choice) for label, choice in choices]
    return rx.segmented_control.root(*items, value=value, on_change=on_change, **props)


def callout_if(
    message: rx.Var[str], *, icon: str, color_scheme: str, otherwise: rx.Component | None = None, **props
) -> rx.Component:
    """A callout saying `message` while it is not empty (and `otherwise` meanwhile, if given)."""
    callout = rx.callout(message, icon=icon, color_scheme=color_scheme, **props)
    return rx.cond(message != "", callout, otherwise) if otherwise is not None else rx.cond(message != "", callout)


def page_buttons(id_prefix: str, state, first: rx.Var[bool] | None = None) -> list[rx.Component]:
    """Previous / Next (`#{id_prefix}-previous`, `#{id_prefix}-next`) calling `state.previous_page`
    and `state.next_page`, each disabled at its end: `first` (by default `state.page_number <= 1`)
    and no `state.next_cursor`."""
    return [
        rx.button(
            rx.icon("chevron-left", size=16),
            "Previous",
            on_click=state.previous_page,
            disabled=state.page_number <= 1 if first is None else first,
            variant="soft",
            id=f"{id_prefix}-previous",
        ),
        rx.button(
            "Next",
            rx.icon("chevron-right", size=16),
            on_click=state.next_page,
            disabled=state.next_cursor == "",
            variant="soft",
            id=f"{id_prefix}-next",
        ),
    ]


def pager_bar(summary: rx.Component, buttons: list[rx.Component]) -> rx.Component:
    """What the list shows (left) and its `page_buttons` (right)."""
    return rx.hstack(summary, rx.spacer(), *buttons, width="100%", align="center")


def dialog_buttons(*buttons: rx.Component, **props) -> rx.Component:
    """A dialog's buttons, on the right under its content."""
    return rx.flex(*buttons, spacing="3", justify="end", width="100%", **props)


def close_button(label: str, **props) -> rx.Component:
    """The grey button that closes a dialog without doing anything."""
    return rx.dialog.close(rx.button(label, variant="soft", color_scheme="gray", **props))


def ask_buttons(keep: str | rx.Var, keep_id: str | None, *actions: rx.Component) -> rx.Component:
    """An alert dialog's buttons: the grey one that backs out, then its `rx.alert_dialog.action`s."""
    return dialog_buttons(
        rx.alert_dialog.cancel(rx.button(keep, variant="soft", color_scheme="gray", id=keep_id)),
        *actions,
        padding_top="1em",
    )
