"""Templates: reusable email content, each opened in the editor with its live preview."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role, id_of
from campaign_dashboard.services.campaigns import templates
from campaign_dashboard.services.pagination import MAX_LIMIT
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import data_table, iso_utc, local_time
from campaign_dashboard.ui.guard import guarded
from campaign_dashboard.ui.layout import dashboard_page
from campaign_dashboard.ui.saved_list import delete_and_reload, delete_button, saved_list_page


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

    @guarded(Role.VIEWER)
    def load(self):
        with session_scope() as session:
            page = templates.list_templates(session=session, limit=MAX_LIMIT)
        self.templates = [
            TemplateRow(
                id=id_of(t),
                name=t.name,
                subject=t.subject,
                updated_at=iso_utc(t.updated_at),
                href=routes.template_detail(id_of(t)),
            )
            for t in sorted(page.items, key=lambda t: t.name.lower())
        ]
        self.loaded = True

    @guarded(Role.MARKETER, writes=True)
    def delete(self, template_id: int):
        return delete_and_reload(
            self,
            lambda session: templates.delete_template(session=session, template_id=template_id),
            "Template deleted.",
        )


def delete_template_button(template: rx.Var) -> rx.Component:
    return delete_button(
        "template",
        template.name,
        description="A template that a campaign uses cannot be deleted.",
        on_confirm=TemplatesState.delete(template.id),
    )


def template_row(template: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(template.name, href=template.href, weight="medium")),
        rx.table.cell(template.subject),
        rx.table.cell(rx.text(local_time(template.updated_at), size="2", color_scheme="gray"), white_space="nowrap"),
        rx.table.cell(rx.cond(AuthState.can_write, delete_template_button(template))),
    )


@dashboard_page(route=routes.TEMPLATES, title="Templates", on_load=TemplatesState.load)
def templates_page() -> rx.Component:
    return saved_list_page(
        intro="Reusable email content with {{ first_name }}-style fields, previewed for a sample contact.",
        noun="template",
        new_href=routes.template_detail(routes.NEW),
        loaded=TemplatesState.loaded,
        table=data_table(
            ["Name", "Subject", "Updated", ""],
            TemplatesState.templates,
            template_row,
            empty="No templates yet. Create one with New template, then pick it when creating an email campaign.",
            table_id="templates",
        ),
    )
