"""The value inputs of behaviour rules in the segment editor's rule builder: a campaign chooser for
campaign rules, a number of days for engagement, a date for the last engagement."""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.services.audience.behaviour_rules import (
    EMAIL_CAMPAIGN,
    EMAIL_ENGAGEMENT,
    LAST_ENGAGEMENT,
    OPS,
    SMS_CAMPAIGN,
)
from campaign_dashboard.services.audience.rule_values import MAX_DAYS
from campaign_dashboard.ui.segment_editor_state import SegmentEditorState


def is_behaviour(rule: rx.Var) -> rx.Var:
    """Whether the rule's field is a behaviour field (its value input comes from here)."""
    fields = list(OPS)
    condition = rule.field == fields[0]
    for field in fields[1:]:
        condition = condition | (rule.field == field)
    return condition


def behaviour_value(rule: rx.Var, index: rx.Var) -> rx.Component:
    return rx.match(
        rule.field,
        (EMAIL_CAMPAIGN, _campaign(rule, index, SegmentEditorState.email_campaigns, "email")),
        (SMS_CAMPAIGN, _campaign(rule, index, SegmentEditorState.sms_campaigns, "SMS")),
        (EMAIL_ENGAGEMENT, _days(rule, index)),
        (LAST_ENGAGEMENT, _date(rule, index)),
        rx.fragment(),
    )


def _campaign(rule: rx.Var, index: rx.Var, choices: rx.Var, kind: str) -> rx.Component:
    return rx.cond(
        choices.length() > 0,
        rx.select.root(
            rx.select.trigger(
                placeholder=f"Choose an {kind} campaign",
                width="18em",
                class_name="rule-value rule-campaign",
                aria_label=f"{kind[0].upper()}{kind[1:]} campaign",
            ),
            rx.select.content(rx.foreach(choices, lambda c: rx.select.item(c.label, value=c.value))),
            value=rule.value,
            on_change=lambda v: SegmentEditorState.set_rule_value(index, v),
        ),
        rx.text(f"No {kind} campaign has been sent yet.", size="2", color_scheme="gray", class_name="rule-value"),
    )


def _days(rule: rx.Var, index: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.input(
            value=rule.value,
            on_change=lambda v: SegmentEditorState.set_rule_value(index, v),
            type="number",
            min=1,
            max=MAX_DAYS,
            width="6em",
            class_name="rule-value rule-days",
            aria_label="Number of days",
        ),
        rx.text("days", size="2"),
        align="center",
        spacing="2",
    )


def _date(rule: rx.Var, index: rx.Var) -> rx.Component:
    return rx.input(
        value=rule.value,
        on_change=lambda v: SegmentEditorState.set_rule_value(index, v),
        type="date",
        width="14em",
        class_name="rule-value",
        aria_label="Date",
    )
