"""The campaign dialog's "A/B test" section: a switch, then variant B (and C, D) of the subject or
text, the share of the audience that tests them, the metric and the wait (`ab_fields`)."""

from __future__ import annotations

from typing import Any, cast

import reflex as rx

from campaign_dashboard.ui.campaign_form.ab_fields import EXTRA_VARIANTS, WAITS
from campaign_dashboard.ui.campaign_form.state import CampaignFormState
from campaign_dashboard.ui.fields import error_text, hint_text, labelled


def _error(name: str | rx.Var) -> rx.Component:
    """The service's message for `name` (a variant's name is a Var, known in the browser)."""
    errors: Any = CampaignFormState.errors  # a dict Var: indexed by a Var too
    element_id = f"error-{name}" if isinstance(name, str) else "error-" + cast(Any, name)
    return rx.cond(errors.contains(name), error_text(errors[name], id=element_id, class_name="field-error"))


def _variant(row: rx.Var, what: str) -> rx.Component:
    s = CampaignFormState
    return rx.vstack(
        rx.hstack(
            rx.badge(row.label, size="2", variant="soft"),
            rx.input(
                value=row.text,
                on_change=lambda v: s.set_ab_variant(row.index, v),
                placeholder=f"Another {what}",
                id="campaign-ab-variant-" + row.label.to(str),
                width="100%",
            ),
            rx.cond(
                s.ab_extra.length() > 1,
                rx.icon_button(
                    rx.icon("x", size=14),
                    size="1",
                    variant="ghost",
                    on_click=s.remove_ab_variant(row.index),
                    aria_label="Remove variant " + row.label.to(str),
                ),
            ),
            align="center",
            width="100%",
        ),
        _error("ab_variant_" + (row.index + 1).to(str)),
        spacing="1",
        width="100%",
    )


def ab_test_section(channel: str) -> rx.Component:
    s = CampaignFormState
    what = "subject" if channel == "email" else "text"
    return rx.vstack(
        rx.checkbox(
            f"Test variants of the {what} (A/B)",
            checked=s.ab_on,
            on_change=s.set_ab_on,
            id="campaign-ab-on",
            size="2",
        ),
        rx.cond(
            s.ab_on,
            rx.vstack(
                hint_text(
                    f"A is the {what} above. A share of the audience is split evenly between the variants and "
                    "sent first; when the wait is over the variant with the best rate wins and the rest get it."
                ),
                _error("ab_variant_0"),
                rx.foreach(s.ab_rows, lambda row: _variant(row, what)),
                _error("ab_variants"),
                rx.cond(
                    s.ab_extra.length() < EXTRA_VARIANTS,
                    rx.button("Add a variant", size="1", variant="soft", on_click=s.add_ab_variant, id="ab-add"),
                ),
                rx.flex(
                    labelled(
                        "Test share (%)",
                        rx.input(
                            value=s.ab_share,
                            on_change=lambda v: s.set_ab_setting("ab_share", v),
                            id="campaign-ab-share",
                            type="number",
                            width="100%",
                        ),
                        "campaign-ab-share",
                        _error("test_share"),
                    ),
                    labelled(
                        "Winner by",
                        rx.select.root(
                            rx.select.trigger(id="campaign-ab-metric", width="100%"),
                            rx.select.content(
                                rx.foreach(s.ab_metrics, lambda o: rx.select.item(o.label, value=o.value))
                            ),
                            value=s.ab_metric,
                            on_change=lambda v: s.set_ab_setting("ab_metric", v),
                        ),
                        "campaign-ab-metric",
                        _error("metric"),
                    ),
                    labelled(
                        "Wait (hours)",
                        rx.select.root(
                            rx.select.trigger(id="campaign-ab-wait", width="100%"),
                            rx.select.content(*[rx.select.item(w, value=w) for w in WAITS]),
                            value=s.ab_wait,
                            on_change=lambda v: s.set_ab_setting("ab_wait", v),
                        ),
                        "campaign-ab-wait",
                        _error("wait_minutes"),
                    ),
                    spacing="3",
                    width="100%",
                    direction=rx.breakpoints(initial="column", sm="row"),
                ),
                spacing="2",
                width="100%",
                id="campaign-ab-fields",
            ),
        ),
        spacing="2",
        width="100%",
    )
