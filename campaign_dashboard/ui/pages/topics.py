"""Topics ("Newsletter", "Offers"): what campaigns are about, so contacts can leave one topic in the
preference centre instead of everything. Everyone reads; marketers and admins add, rename and
delete one no campaign targets (the refusal names the campaigns)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import reflex as rx
from sqlmodel import Session

from campaign_dashboard.config import get_settings
from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role, id_of
from campaign_dashboard.services.audience import topics
from campaign_dashboard.services.audience.signup_form import signup_form_html
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import data_table, row_button
from campaign_dashboard.ui.copy_button import copy_button
from campaign_dashboard.ui.fields import close_button, dialog_buttons
from campaign_dashboard.ui.form_dialog import Field, form_dialog, form_field, submit
from campaign_dashboard.ui.guard import guarded
from campaign_dashboard.ui.layout import dashboard_page
from campaign_dashboard.ui.saved_list import delete_and_reload, delete_button

FIELDS = ("name", "description")


@dataclass
class TopicRow:
    id: int
    name: str
    description: str
    opted_out: int
    campaigns: int


class TopicsState(AuthState):
    rows: list[TopicRow] = []
    loaded: bool = False
    creating: bool = False  # the add dialog (`form_dialog`'s names)
    errors: dict[str, str] = {}
    editing_id: int = 0  # the topic being renamed (0: none)
    editing_name: str = ""
    editing_description: str = ""
    edit_errors: dict[str, str] = {}
    form_topic: str = ""  # the topic whose sign-up form is shown ("": none)
    form_html: str = ""
    form_page: str = ""

    @rx.var
    def editing(self) -> bool:
        return self.editing_id != 0

    @guarded(Role.VIEWER)
    def load(self):
        with session_scope() as session:
            counts = topics.opted_out_counts(session=session)
            self.rows = [
                TopicRow(
                    id=id_of(t),
                    name=t.name,
                    description=t.description,
                    opted_out=counts.get(id_of(t), 0),
                    campaigns=len(topics.campaigns_using(session=session, topic_id=id_of(t))),
                )
                for t in topics.list_topics(session=session)
            ]
        self.loaded = True

    @guarded(Role.MARKETER)
    def open_create(self, value: bool = True):
        self.creating, self.errors = value, {}

    @guarded(Role.MARKETER, writes=True)
    def create(self, form: dict):
        def add(session: Session) -> str:
            name, about = str(form.get("name") or ""), str(form.get("description") or "")
            return topics.create_topic(session=session, name=name, description=about).name

        name, self.errors = submit(FIELDS, add)
        if name is None:
            return rx.toast.error("Nothing was added: see the form.")
        self.creating = False
        self.load()
        return rx.toast.success(f"Topic {name} added: campaigns can now be about it.")

    @guarded(Role.MARKETER)
    def ask_edit(self, topic_id: int):
        row = next((r for r in self.rows if r.id == topic_id), None)
        self.editing_id = row.id if row else 0
        self.editing_name, self.editing_description = (row.name, row.description) if row else ("", "")
        self.edit_errors = {}

    @guarded(Role.MARKETER)
    def close_edit(self, value: bool = False):
        if not value:
            self.editing_id, self.edit_errors = 0, {}

    @guarded(Role.MARKETER, writes=True)
    def save(self, topic_id: int, form: dict):
        def rename(session: Session) -> str:
            name, about = str(form.get("name") or ""), str(form.get("description") or "")
            return topics.update_topic(session=session, topic_id=topic_id, name=name, description=about).name

        name, self.edit_errors = submit(FIELDS, rename)
        if name is None:
            return rx.toast.error("Nothing was changed: see the form.")
        self.editing_id = 0
        self.load()
        return rx.toast.success(f"Topic {name} saved.")

    @guarded(Role.VIEWER)
    def show_signup_form(self, topic_id: int):
        """The embeddable sign-up form for the topic (docs/signup.md): HTML to paste into a site."""
        row = next((r for r in self.rows if r.id == topic_id), None)
        if row is None:
            self.form_topic = ""
            return
        base_url = get_settings().public_base_url.rstrip("/")
        self.form_html = signup_form_html(base_url=base_url, topic_id=row.id, topic_name=row.name)
        self.form_page = f"{base_url}/signup/form?topic={row.id}"
        self.form_topic = row.name

    @guarded(Role.VIEWER)
    def close_signup_form(self, value: bool = False):
        if not value:
            self.form_topic = ""

    @guarded(Role.MARKETER, writes=True)
    def delete(self, topic_id: int):
        return delete_and_reload(
            self, lambda session: topics.delete_topic(session=session, topic_id=topic_id), "Topic deleted."
        )


def topic_row(row: rx.Var) -> rx.Component:
    s = TopicsState
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row.name, weight="medium")),
        rx.table.cell(rx.text(row.description, size="2", color_scheme="gray")),
        rx.table.cell(row.opted_out.to_string()),
        rx.table.cell(row.campaigns.to_string()),
        rx.table.cell(
            rx.hstack(
                row_button(
                    "Sign-up form",
                    on_click=s.show_signup_form(row.id),
                    class_name="topic-signup-form",
                    aria_label="Sign-up form for " + row.name,
                ),
                rx.cond(
                    AuthState.can_write,
                    row_button(
                        "Edit",
                        on_click=s.ask_edit(row.id),
                        class_name="edit-topic",
                        aria_label="Edit " + row.name,
                    ),
                ),
                rx.cond(
                    AuthState.can_write,
                    delete_button(
                        "topic",
                        row.name,
                        description="A topic that campaigns are about cannot be deleted: change their topic first."
                        " The contacts' choices about it go too; their consent history stays.",
                        on_confirm=s.delete(row.id),
                    ),
                ),
                spacing="2",
                align="center",
            )
        ),
        class_name="topic-row",
        data_name=row.name,
    )


def _fields(name: rx.Var | None = None, description: rx.Var | None = None) -> list[Field]:
    """The name and description fields, empty (add) or holding the topic's values (edit)."""
    shown = {"default_value": name} if name is not None else {}
    about = {"default_value": description} if description is not None else {}
    return [
        Field(
            "name",
            "Name",
            partial(rx.input, max_length=topics.MAX_NAME, **shown),
            "Contacts see it in the preference centre.",
        ),
        Field(
            "description",
            "Description",
            partial(rx.input, max_length=topics.MAX_DESCRIPTION, **about),
            "One line under the name: what and how often.",
        ),
    ]


def edit_dialog() -> rx.Component:
    s = TopicsState
    general = s.edit_errors.get("", "")
    fields = _fields(s.editing_name, s.editing_description)
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Edit topic"),
            rx.dialog.description(
                "The consent history keeps the name each choice was made under.", size="2", color_scheme="gray"
            ),
            rx.form(
                rx.vstack(
                    rx.cond(
                        general != "", rx.callout(general, icon="triangle-alert", color_scheme="red", width="100%")
                    ),
                    *[form_field(s.edit_errors, "edit-topic", f) for f in fields],
                    dialog_buttons(
                        close_button("Cancel", type="button"), rx.button("Save", type="submit", id="edit-topic-submit")
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=s.save(s.editing_id),
                reset_on_submit=False,
            ),
            max_width="28em",
        ),
        open=s.editing,
        on_open_change=s.close_edit,
    )


def signup_form_dialog() -> rx.Component:
    s = TopicsState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Sign-up form: " + s.form_topic),
            rx.dialog.description(
                "Paste this HTML into any page of your site. People who fill it in get an email to confirm"
                " (double opt-in); only then are they subscribed to this topic.",
                size="2",
                color_scheme="gray",
            ),
            rx.hstack(
                rx.text_area(
                    value=s.form_html,
                    read_only=True,
                    rows="12",
                    width="100%",
                    font_family="monospace",
                    id="signup-form-html",
                    aria_label="The sign-up form's HTML",
                ),
                copy_button(s.form_html, done="The form's HTML is copied.", id="copy-signup-form"),
                align="start",
                width="100%",
                margin_y="1em",
            ),
            rx.text(
                "Or link to the form as a page: ",
                rx.link(s.form_page, href=s.form_page, is_external=True, id="signup-form-page"),
                size="2",
            ),
            dialog_buttons(close_button("Close", type="button")),
            max_width="44em",
        ),
        open=s.form_topic != "",
        on_open_change=s.close_signup_form,
    )


@dashboard_page(route=routes.TOPICS, title="Topics", on_load=TopicsState.load)
def topics_page() -> rx.Component:
    s = TopicsState
    return rx.vstack(
        rx.hstack(
            rx.text(
                "What campaigns are about. A contact can leave one topic from the unsubscribe link and keep"
                " the rest; a campaign about a topic skips those who left it.",
                color_scheme="gray",
                size="2",
            ),
            rx.spacer(),
            rx.cond(
                AuthState.can_write,
                rx.button(rx.icon("plus", size=16), "New topic", on_click=s.open_create(True), id="new-topic"),
            ),
            width="100%",
            align="center",
        ),
        rx.cond(
            s.loaded,
            data_table(
                ["Name", "Description", "Opted out", "Campaigns", ""],
                s.rows,
                topic_row,
                empty="No topics yet. Add one (Newsletter, Offers...), then choose it on a campaign.",
                table_id="topics",
            ),
            rx.spinner(size="3"),
        ),
        form_dialog(
            s,
            form_id="add-topic",
            title="New topic",
            description="Campaigns can be about it, and contacts can leave it in the preference centre.",
            fields=_fields(),
            submit="Add topic",
        ),
        edit_dialog(),
        signup_form_dialog(),
        width="100%",
        spacing="4",
    )
