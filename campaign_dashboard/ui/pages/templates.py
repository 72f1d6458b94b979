"""Templates: reusable email content, each opened in the editor with its live preview."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role
from campaign_dashboard.services import templates
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.services.pagination import MAX_LIMIT
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import data_table, iso_utc, local_time
from campaign_dashboard.ui.confirm import confirm_button
from campaign_dashboard.ui.layout import dashboard_page


@dataclass
class TemplateRow:
    id: int
    name: str
    subject: str
    updated_at: str
    href: str


class TemplatesState(AuthState):
    templates: list[TemplateRow] = []
    loaded: bool = False

    @rx.event
    def load(self):
        if refused := self._refuse():
            return refused
        with session_scope() as session:
            page = templates.list_templates(session=session, limit=MAX_LIMIT)
        self.templates = [
            TemplateRow(id=t.id, name=t.name, subject=t.subject, updated_at=iso_utc(t.updated_at),
                        href=routes.template_detail(t.id))
            for t in sorted(page.items, key=lambda t: t.name.lower())
        ]
        self.loaded = True

    @rx.event
    def delete(self, template_id: int):
        if refused := self._refuse(Role.MARKETER):
            return refused
        try:
            with session_scope() as session:
                templates.delete_template(session=session, template_id=template_id)
        except DomainError as exc:
            return rx.toast.error(exc.message, duration=8000)
        self.load()
        return rx.toast.success("Template deleted.")


def delete_button(template: rx.Var) -> rx.Component:
    return confirm_button(
        rx.icon_button(rx.icon("trash-2", size=16), color_scheme="red", variant="ghost", size="1",
                       aria_label="Delete template", class_name="delete-template"),
        title=rx.text("Delete template ", template.name, "?"),
        description="A template that a campaign uses cannot be deleted.",
        action="Delete",
        on_confirm=TemplatesState.delete(template.id),
        confirm_class="confirm-delete-template",
    )


def template_row(template: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(template.name, href=template.href, weight="medium")),
        rx.table.cell(template.subject),
        rx.table.cell(rx.text(local_time(template.updated_at), size="2", color_scheme="gray"), white_space="nowrap"),
        rx.table.cell(rx.cond(AuthState.can_write, delete_button(template))),
    )


@dashboard_page(route=routes.TEMPLATES, title="Templates", on_load=TemplatesState.load)
def templates_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Reusable email content with {{ first_name }}-style fields, previewed for a sample contact.",
                    color_scheme="gray", size="2"),
            rx.spacer(),
            rx.cond(
                AuthState.can_write,
                rx.link(rx.button(rx.icon("plus", size=16), "New template", id="new-template"),
                        href=routes.template_detail(routes.NEW)),
            ),
            width="100%",
            align="center",
        ),
        rx.cond(
            TemplatesState.loaded,
            data_table(
                ["Name", "Subject", "Updated", ""],
                TemplatesState.templates,
                template_row,
                empty="No templates yet. Create one with New template, then pick it when creating an email campaign.",
                table_id="templates",
            ),
            rx.spinner(size="3"),
        ),
        width="100%",
        spacing="4",
    )
