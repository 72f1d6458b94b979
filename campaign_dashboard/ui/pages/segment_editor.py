"""Create or edit a segment: a rule builder with the live matching count, or a static list built
by pasting addresses or searching contacts (the state is `segment_editor_state`)."""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.behaviour_rule_inputs import behaviour_value, is_behaviour
from campaign_dashboard.ui.components import back_link, found_or_message, row_button, thousands
from campaign_dashboard.ui.fields import callout_if, error_if, labelled, segmented, select
from campaign_dashboard.ui.layout import dashboard_page
from campaign_dashboard.ui.rule_builder import ATTRIBUTE, FIELD_LABELS, OP_LABELS
from campaign_dashboard.ui.segment_editor_state import MEMBERS_SHOWN, SegmentEditorState
from campaign_dashboard.ui.unsaved import unsaved_marker

# -- components ---------------------------------------------------------------------------------


def rule_editor(rule: rx.Var, index: rx.Var) -> rx.Component:
    return rx.hstack(
        select(
            [rx.select.item(label, value=name) for name, label in FIELD_LABELS.items()],
            rule.field,
            lambda v: SegmentEditorState.set_rule_field(index, v),
            width="11em",
            class_name="rule-field",
            aria_label="Rule field",
        ),
        rx.cond(
            rule.field == ATTRIBUTE,
            rx.input(
                value=rule.key,
                placeholder="attribute name",
                on_change=lambda v: SegmentEditorState.set_rule_key(index, v),
                width="9em",
                class_name="rule-key",
                aria_label="Attribute name",
            ),
        ),
        select(
            [rx.foreach(rule.ops, lambda op: rx.select.item(rx.match(op, *OP_LABELS.items(), op), value=op))],
            rule.op,
            lambda v: SegmentEditorState.set_rule_op(index, v),
            min_width="8em",
            class_name="rule-op",
            aria_label="Rule comparison",
        ),
        rx.cond(
            is_behaviour(rule),
            behaviour_value(rule, index),
            rx.cond(
                rule.choices.length() > 0,
                select(
                    [rx.foreach(rule.choices, lambda c: rx.select.item(c, value=c))],
                    rule.value,
                    lambda v: SegmentEditorState.set_rule_value(index, v),
                    width="12em",
                    class_name="rule-value",
                    aria_label="Rule value",
                ),
                rx.input(
                    value=rule.value,
                    on_change=lambda v: SegmentEditorState.set_rule_value(index, v),
                    placeholder=rx.cond((rule.op == "after") | (rule.op == "before"), "2026-01-31", "value"),
                    type=rx.cond(rule.field == "created_at", "date", "text"),
                    width="14em",
                    class_name="rule-value",
                    aria_label="Rule value",
                ),
            ),
        ),
        rx.icon_button(
            rx.icon("x", size=16),
            on_click=SegmentEditorState.remove_rule(index),
            variant="ghost",
            color_scheme="gray",
            aria_label="Remove rule",
            class_name="remove-rule",
        ),
        align="center",
        spacing="2",
        wrap="wrap",
        class_name="rule",
    )


def rules_section() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Contacts matching"),
            select(
                [rx.select.item("all", value="all"), rx.select.item("any", value="any")],
                SegmentEditorState.match,
                SegmentEditorState.set_match,
                id="segment-match",
                aria_label="Contacts match all or any rule",
            ),
            rx.text("of these rules:"),
            align="center",
            spacing="2",
        ),
        rx.foreach(SegmentEditorState.rules, rule_editor),
        rx.cond(
            SegmentEditorState.rules.length() == 0,
            rx.text("No rules: the segment holds every contact.", size="2", color_scheme="gray"),
        ),
        rx.button(
            rx.icon("plus", size=16),
            "Add rule",
            on_click=SegmentEditorState.add_rule,
            variant="soft",
            size="2",
            id="add-rule",
        ),
        spacing="3",
        width="100%",
    )


def member_line(member: rx.Var, action: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.text(member.name, weight="medium"),
        rx.text(member.email, color_scheme="gray", size="2"),
        rx.spacer(),
        action,
        align="center",
        width="100%",
    )


def static_section() -> rx.Component:
    s = SegmentEditorState
    return rx.vstack(
        labelled(
            "Paste email addresses (one per line, or separated by commas):",
            rx.text_area(value=s.paste, on_change=s.set_paste, rows="4", width="100%", id="segment-paste"),
            "segment-paste",
        ),
        rx.hstack(
            rx.button(
                "Add these contacts",
                on_click=SegmentEditorState.add_pasted,
                variant="soft",
                size="2",
                id="segment-add-pasted",
            ),
            rx.text(SegmentEditorState.paste_report, size="2", color_scheme="gray", id="segment-paste-report"),
            align="center",
        ),
        labelled(
            "Or search contacts:",
            rx.input(
                value=s.member_search,
                on_change=s.set_member_search,
                placeholder="Name, email or phone",
                width="100%",
                id="segment-member-search",
            ),
            "segment-member-search",
        ),
        rx.foreach(
            s.search_results,
            lambda m: member_line(m, row_button("Add", on_click=s.add_member(m.id), class_name="add-member")),
        ),
        rx.divider(),
        rx.text("Members", weight="medium"),
        rx.cond(
            SegmentEditorState.members.length() > 0,
            rx.vstack(
                rx.foreach(
                    SegmentEditorState.members,
                    lambda m: member_line(
                        m,
                        rx.icon_button(
                            rx.icon("x", size=14),
                            size="1",
                            variant="ghost",
                            color_scheme="gray",
                            on_click=SegmentEditorState.remove_member(m.id),
                            aria_label="Remove member",
                        ),
                    ),
                ),
                rx.cond(
                    SegmentEditorState.count > MEMBERS_SHOWN,
                    rx.text(f"Showing the first {MEMBERS_SHOWN}.", size="1", color_scheme="gray"),
                ),
                width="100%",
                id="segment-members",
            ),
            rx.text("No members yet: paste addresses or search above.", size="2", color_scheme="gray"),
        ),
        spacing="3",
        width="100%",
    )


def editor() -> rx.Component:
    return rx.vstack(
        back_link("All segments", routes.SEGMENTS),
        rx.flex(
            labelled(
                "Name",
                rx.input(
                    value=SegmentEditorState.name,
                    on_change=SegmentEditorState.set_name,
                    placeholder="e.g. VIP customers",
                    width="22em",
                    id="segment-name",
                    read_only=~AuthState.can_write,
                ),
                "segment-name",
                error_if(SegmentEditorState.name_error, id="segment-name-error"),
                width="auto",
            ),
            rx.vstack(
                rx.text("Kind", size="2", weight="medium", id="segment-kind-label"),
                segmented(
                    [("Rules", "rules"), ("Static list", "static")],
                    SegmentEditorState.kind,
                    SegmentEditorState.set_kind,
                    id="segment-kind",
                    aria_labelledby="segment-kind-label",
                ),
                spacing="1",
            ),
            spacing="5",
            wrap="wrap",
        ),
        rx.card(
            rx.cond(SegmentEditorState.kind == "static", static_section(), rules_section()),
            width="100%",
        ),
        rx.hstack(
            callout_if(
                SegmentEditorState.count_error,
                icon="triangle-alert",
                color_scheme="orange",
                id="segment-count-error",
                otherwise=rx.hstack(
                    rx.icon("users", size=18),
                    rx.text(
                        rx.el.strong(thousands(SegmentEditorState.count), id="segment-count"),
                        rx.cond(SegmentEditorState.kind == "static", " members", " contacts match right now"),
                    ),
                    align="center",
                    spacing="2",
                ),
            ),
            rx.spacer(),
            rx.cond(
                AuthState.can_write,
                rx.button(
                    rx.icon("save", size=16), "Save segment", on_click=SegmentEditorState.save, id="segment-save"
                ),
            ),
            width="100%",
            align="center",
        ),
        spacing="4",
        width="100%",
        max_width="60em",
    )


@dashboard_page(route=routes.SEGMENTS + "/[segment_id]", title="Segment", on_load=SegmentEditorState.load)
def segment_editor_page() -> rx.Component:
    return found_or_message(
        SegmentEditorState.found,
        SegmentEditorState.message,
        rx.fragment(editor(), unsaved_marker(SegmentEditorState.unsaved)),
    )
