"""Create or edit a segment: a rule builder with the live matching count, or a static list built
by pasting addresses or searching contacts."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx
from sqlmodel import select

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Contact, Role
from campaign_dashboard.services.audience import contact_search, segments
from campaign_dashboard.services.audience.contact_search import ContactFilter
from campaign_dashboard.services.errors import DomainError, ValidationFailed
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import back_link, found_or_message, thousands
from campaign_dashboard.ui.guard import BAD_REQUEST, guarded
from campaign_dashboard.ui.layout import dashboard_page
from campaign_dashboard.ui.rule_builder import ATTRIBUTE, FIELD_LABELS, OP_LABELS, RuleRow, to_rows, to_rules

MEMBERS_SHOWN = 200
SEARCH_SHOWN = 10
MAX_RULES = 50


@dataclass
class MemberRow:
    id: int
    name: str
    email: str


def _member_rows(contacts: list[Contact]) -> list[MemberRow]:
    return [
        MemberRow(id=c.id, name=f"{c.first_name} {c.last_name}".strip(), email=c.email or c.phone or "")
        for c in contacts
    ]


class SegmentEditorState(AuthState):
    segment_key: int = 0  # 0: a new segment
    found: bool = False
    message: str = ""
    name: str = ""
    kind: str = "rules"
    match: str = "all"
    rules: list[RuleRow] = []
    count: int = 0
    count_error: str = ""
    name_error: str = ""
    # static lists
    member_ids: list[int] = []
    members: list[MemberRow] = []
    paste: str = ""
    paste_report: str = ""
    member_search: str = ""
    search_results: list[MemberRow] = []

    @guarded(Role.VIEWER)
    def load(self):
        arg = routes.path_arg(self.router.url.path)
        self.found, self.message, self.name_error, self.paste, self.paste_report = False, "", "", "", ""
        self.member_search, self.search_results = "", []
        if arg == routes.NEW:
            self.segment_key, self.name, self.kind, self.match = 0, "", "rules", "all"
            self.rules, self.member_ids = [RuleRow()], []
        elif arg.isdigit():
            with session_scope() as session:
                try:
                    segment = segments.get_segment(session=session, segment_id=int(arg))
                except DomainError as exc:
                    self.message = exc.message
                    return
                self.member_ids = segments.member_ids(session=session, segment_ids=[segment.id])[segment.id]
            self.segment_key, self.name, self.kind, self.match = segment.id, segment.name, segment.kind, segment.match
            self.rules = to_rows(segment.rules or [])
        else:
            self.message = f"{arg!r} is not a segment id."
            return
        self.found = True
        self._refresh()

    def _refresh(self) -> None:
        """The live count: what the rules match now, or the static list's size."""
        self.count_error = ""
        if self.kind == "static":
            self.count = len(self.member_ids)
            with session_scope() as session:
                shown = self.member_ids[:MEMBERS_SHOWN]
                found = {c.id: c for c in session.exec(select(Contact).where(Contact.id.in_(shown))).all()}
            self.members = _member_rows([found[i] for i in shown if i in found])
            return
        try:
            with session_scope() as session:
                self.count = segments.preview_count(session=session, rules=to_rules(self.rules), match=self.match)
        except ValidationFailed as exc:
            self.count_error = "; ".join(f"{d['field']}: {d['message']}" for d in exc.details) or exc.message

    # -- definition ----------------------------------------------------------------------------

    @guarded(Role.VIEWER)
    def set_name(self, value: str):
        self.name, self.name_error = value, ""

    @guarded(Role.VIEWER)
    def set_kind(self, value: str | list[str]):
        self.kind = value if value in ("rules", "static") else "rules"
        self._refresh()

    @guarded(Role.VIEWER)
    def set_match(self, value: str):
        self.match = value
        self._refresh()

    @guarded(Role.VIEWER)
    def add_rule(self):
        if len(self.rules) >= MAX_RULES:
            return rx.toast.error(f"A segment has at most {MAX_RULES} rules.")
        self.rules = [*self.rules, RuleRow()]
        self._refresh()

    @guarded(Role.VIEWER)
    def remove_rule(self, index: int):
        self.rules = [r for i, r in enumerate(self.rules) if i != index]
        self._refresh()

    def _replace(self, index: int, **changes):
        """Change rule `index`; an index or field that does not exist changes nothing."""
        if not 0 <= index < len(self.rules) or changes.get("field", ATTRIBUTE) not in FIELD_LABELS:
            return rx.toast.error(BAD_REQUEST)
        old = self.rules[index]
        values = {"field": old.field, "key": old.key, "op": old.op, "value": old.value, **changes}
        self.rules = [RuleRow(**values) if i == index else r for i, r in enumerate(self.rules)]
        self._refresh()

    @guarded(Role.VIEWER)
    def set_rule_field(self, index: int, value: str):
        same = 0 <= index < len(self.rules) and value == self.rules[index].field
        return self._replace(index, field=value, value=self.rules[index].value if same else "")

    @guarded(Role.VIEWER)
    def set_rule_key(self, index: int, value: str):
        return self._replace(index, key=value)

    @guarded(Role.VIEWER)
    def set_rule_op(self, index: int, value: str):
        return self._replace(index, op=value)

    @guarded(Role.VIEWER)
    def set_rule_value(self, index: int, value: str):
        return self._replace(index, value=value)

    # -- static members ------------------------------------------------------------------------

    @guarded(Role.VIEWER)
    def set_paste(self, value: str):
        self.paste = value

    @guarded(Role.VIEWER)
    def add_pasted(self):
        addresses = [part for line in self.paste.splitlines() for part in line.replace(";", ",").split(",")]
        with session_scope() as session:
            ids, unknown = contact_search.ids_for_emails(session=session, emails=addresses)
        new = [i for i in ids if i not in set(self.member_ids)]
        self.member_ids = [*self.member_ids, *new]
        self.paste = ""
        self.paste_report = f"Added {len(new)} contact(s)." + (
            f" Not found: {', '.join(unknown[:10])}{' …' if len(unknown) > 10 else ''}." if unknown else ""
        )
        self._refresh()

    @guarded(Role.VIEWER)
    def set_member_search(self, value: str):
        self.member_search = value
        if not value.strip():
            self.search_results = []
            return
        with session_scope() as session:
            page = contact_search.find_contacts(
                session=session, filters=ContactFilter(search=value), limit=SEARCH_SHOWN
            )
        self.search_results = _member_rows(page.items)

    @guarded(Role.VIEWER)
    def add_member(self, contact_id: int):
        with session_scope() as session:
            if session.get(Contact, contact_id) is None:
                return rx.toast.error(f"No contact with id {contact_id}.")
        if contact_id not in self.member_ids:
            self.member_ids = [*self.member_ids, contact_id]
            self._refresh()

    @guarded(Role.VIEWER)
    def remove_member(self, contact_id: int):
        self.member_ids = [i for i in self.member_ids if i != contact_id]
        self._refresh()

    # -- save ----------------------------------------------------------------------------------

    @guarded(Role.MARKETER, writes=True)
    def save(self):
        static = self.kind == "static"
        fields = {
            "name": self.name,
            "kind": self.kind,
            "match": self.match,
            "rules": [] if static else to_rules(self.rules),
            "contact_ids": list(self.member_ids) if static else [],
        }
        try:
            with session_scope() as session:
                if self.segment_key:
                    segments.update_segment(
                        session=session, segment_id=self.segment_key, data=segments.SegmentUpdate(**fields)
                    )
                else:
                    segments.create_segment(session=session, data=segments.SegmentCreate(**fields))
        except DomainError as exc:
            if any(d.get("field") == "name" for d in exc.details):
                self.name_error = exc.message
            return rx.toast.error(exc.message)
        return [rx.toast.success(f"Segment {self.name.strip()!r} saved."), rx.redirect(routes.SEGMENTS)]


# -- components ---------------------------------------------------------------------------------


def rule_editor(rule: rx.Var, index: rx.Var) -> rx.Component:
    s = SegmentEditorState
    return rx.hstack(
        rx.select.root(
            rx.select.trigger(width="11em", class_name="rule-field"),
            rx.select.content(*[rx.select.item(label, value=name) for name, label in FIELD_LABELS.items()]),
            value=rule.field,
            on_change=lambda v: s.set_rule_field(index, v),
        ),
        rx.cond(
            rule.field == ATTRIBUTE,
            rx.input(
                value=rule.key,
                placeholder="attribute name",
                on_change=lambda v: s.set_rule_key(index, v),
                width="9em",
                class_name="rule-key",
            ),
        ),
        rx.select.root(
            rx.select.trigger(width="8em", class_name="rule-op"),
            rx.select.content(
                rx.foreach(rule.ops, lambda op: rx.select.item(rx.match(op, *OP_LABELS.items(), op), value=op))
            ),
            value=rule.op,
            on_change=lambda v: s.set_rule_op(index, v),
        ),
        rx.cond(
            rule.choices.length() > 0,
            rx.select.root(
                rx.select.trigger(width="12em", class_name="rule-value"),
                rx.select.content(rx.foreach(rule.choices, lambda c: rx.select.item(c, value=c))),
                value=rule.value,
                on_change=lambda v: s.set_rule_value(index, v),
            ),
            rx.input(
                value=rule.value,
                on_change=lambda v: s.set_rule_value(index, v),
                placeholder=rx.cond((rule.op == "after") | (rule.op == "before"), "2026-01-31", "value"),
                type=rx.cond(rule.field == "created_at", "date", "text"),
                width="14em",
                class_name="rule-value",
            ),
        ),
        rx.icon_button(
            rx.icon("x", size=16),
            on_click=s.remove_rule(index),
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
    s = SegmentEditorState
    return rx.vstack(
        rx.hstack(
            rx.text("Contacts matching"),
            rx.select.root(
                rx.select.trigger(id="segment-match"),
                rx.select.content(rx.select.item("all", value="all"), rx.select.item("any", value="any")),
                value=s.match,
                on_change=s.set_match,
            ),
            rx.text("of these rules:"),
            align="center",
            spacing="2",
        ),
        rx.foreach(s.rules, rule_editor),
        rx.cond(
            s.rules.length() == 0, rx.text("No rules: the segment holds every contact.", size="2", color_scheme="gray")
        ),
        rx.button(rx.icon("plus", size=16), "Add rule", on_click=s.add_rule, variant="soft", size="2", id="add-rule"),
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
        rx.text("Paste email addresses (one per line, or separated by commas):", size="2"),
        rx.text_area(value=s.paste, on_change=s.set_paste, rows="4", width="100%", id="segment-paste"),
        rx.hstack(
            rx.button("Add these contacts", on_click=s.add_pasted, variant="soft", size="2", id="segment-add-pasted"),
            rx.text(s.paste_report, size="2", color_scheme="gray", id="segment-paste-report"),
            align="center",
        ),
        rx.text("Or search contacts:", size="2"),
        rx.input(
            value=s.member_search,
            on_change=s.set_member_search,
            placeholder="Name, email or phone",
            width="100%",
            id="segment-member-search",
        ),
        rx.foreach(
            s.search_results,
            lambda m: member_line(
                m, rx.button("Add", size="1", variant="soft", on_click=s.add_member(m.id), class_name="add-member")
            ),
        ),
        rx.divider(),
        rx.text("Members", weight="medium"),
        rx.cond(
            s.members.length() > 0,
            rx.vstack(
                rx.foreach(
                    s.members,
                    lambda m: member_line(
                        m,
                        rx.icon_button(
                            rx.icon("x", size=14),
                            size="1",
                            variant="ghost",
                            color_scheme="gray",
                            on_click=s.remove_member(m.id),
                            aria_label="Remove member",
                        ),
                    ),
                ),
                rx.cond(
                    s.count > MEMBERS_SHOWN,
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
    s = SegmentEditorState
    return rx.vstack(
        back_link("All segments", routes.SEGMENTS),
        rx.flex(
            rx.vstack(
                rx.text("Name", size="2", weight="medium"),
                rx.input(
                    value=s.name,
                    on_change=s.set_name,
                    placeholder="e.g. VIP customers",
                    width="22em",
                    id="segment-name",
                    read_only=~AuthState.can_write,
                ),
                rx.cond(s.name_error != "", rx.text(s.name_error, color_scheme="red", size="1")),
                spacing="1",
            ),
            rx.vstack(
                rx.text("Kind", size="2", weight="medium"),
                rx.segmented_control.root(
                    rx.segmented_control.item("Rules", value="rules"),
                    rx.segmented_control.item("Static list", value="static"),
                    value=s.kind,
                    on_change=s.set_kind,
                    id="segment-kind",
                ),
                spacing="1",
            ),
            spacing="5",
            wrap="wrap",
        ),
        rx.card(
            rx.cond(s.kind == "static", static_section(), rules_section()),
            width="100%",
        ),
        rx.hstack(
            rx.cond(
                s.count_error != "",
                rx.callout(s.count_error, icon="triangle-alert", color_scheme="orange", id="segment-count-error"),
                rx.hstack(
                    rx.icon("users", size=18),
                    rx.text(
                        rx.el.strong(thousands(s.count), id="segment-count"),
                        rx.cond(s.kind == "static", " members", " contacts match right now"),
                    ),
                    align="center",
                    spacing="2",
                ),
            ),
            rx.spacer(),
            rx.cond(
                AuthState.can_write,
                rx.button(rx.icon("save", size=16), "Save segment", on_click=s.save, id="segment-save"),
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
    return found_or_message(SegmentEditorState.found, SegmentEditorState.message, editor())
