"""The segment editor's state: a rule builder with the live matching count, or a static list built
by pasting addresses or searching contacts. Reads and writes go through `services.audience`."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Contact, Role, id_of
from campaign_dashboard.services.audience import behaviour_rules, contact_search, contacts, segments
from campaign_dashboard.services.audience.contact_search import ContactFilter
from campaign_dashboard.services.errors import DomainError, ValidationFailed
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.guard import BAD_REQUEST, guarded
from campaign_dashboard.ui.rule_builder import (
    ATTRIBUTE,
    FIELD_LABELS,
    CampaignChoice,
    RuleRow,
    campaign_choices,
    first_value,
    to_rows,
    to_rules,
)
from campaign_dashboard.ui.unsaved import WRITERS, fingerprint

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
    """One idea, the segment being edited: over 200 lines because it holds both kinds (rules and
    static lists); each handler is a few lines over the services."""

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
    # the campaigns behaviour rules can name
    email_campaigns: list[CampaignChoice] = []
    sms_campaigns: list[CampaignChoice] = []
    # static lists
    member_ids: list[int] = []
    members: list[MemberRow] = []
    paste: str = ""
    paste_report: str = ""
    member_search: str = ""
    search_results: list[MemberRow] = []
    _saved: str = ""  # the definition as loaded or last saved (`unsaved.fingerprint`)

    @rx.var
    def unsaved(self) -> bool:
        """Changes a writer would lose by leaving (a viewer explores but cannot save: never asked)."""
        return self.found and self.role in WRITERS and self._definition() != self._saved

    def _definition(self) -> str:
        rules = [] if self.kind == "static" else to_rules(self.rules)
        return fingerprint(self.name.strip(), self.kind, self.match, rules, sorted(self.member_ids))

    @guarded(Role.VIEWER)
    def load(self):
        arg = routes.path_arg(self.router.url.path)
        if self.unsaved and arg == (str(self.segment_key) if self.segment_key else routes.NEW):
            return  # the same editor again (a reconnect, a cancelled reload): keep the changes
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
                segment_id = id_of(segment)
                self.member_ids = segments.member_ids(session=session, segment_ids=[segment_id])[segment_id]
            self.segment_key, self.name, self.kind, self.match = segment_id, segment.name, segment.kind, segment.match
            self.rules = to_rows(segment.rules or [])
        else:
            self.message = f"{arg!r} is not a segment id."
            return
        self.found = True
        self._saved = self._definition()
        self._load_campaigns()
        self._refresh()

    def _load_campaigns(self) -> None:
        with session_scope() as session:
            choices = behaviour_rules.campaign_choices(session, keep=to_rules(self.rules))
        self.email_campaigns = campaign_choices(choices[behaviour_rules.EMAIL_CAMPAIGN])
        self.sms_campaigns = campaign_choices(choices[behaviour_rules.SMS_CAMPAIGN])

    def _refresh(self) -> None:
        """The live count: what the rules match now, or the static list's size."""
        self.count_error = ""
        if self.kind == "static":
            self.count = len(self.member_ids)
            with session_scope() as session:
                shown = contact_search.contacts_by_ids(session=session, contact_ids=self.member_ids[:MEMBERS_SHOWN])
            self.members = _member_rows(shown)
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
        campaigns = {
            behaviour_rules.EMAIL_CAMPAIGN: self.email_campaigns,
            behaviour_rules.SMS_CAMPAIGN: self.sms_campaigns,
        }
        return self._replace(
            index, field=value, value=self.rules[index].value if same else first_value(value, campaigns)
        )

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
        try:
            with session_scope() as session:
                contacts.get_contact(session=session, contact_id=contact_id)
        except DomainError:
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
                self.name_error = exc.message  # at the field: a toast would say it again over the page
                return None
            return rx.toast.error(exc.message)
        self._saved = self._definition()
        return [rx.toast.success(f"Segment {self.name.strip()!r} saved."), rx.redirect(routes.SEGMENTS)]
