"""Templates: reusable email content."""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.ui import queries, routes
from campaign_dashboard.ui.components import data_table
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.layout import dashboard_page


class TemplatesState(AuthState):
    templates: list[queries.TemplateRow] = []

    @rx.event
    def load(self):
        if refused := self._refuse():
            return refused
        with session_scope() as session:
            self.templates = queries.list_templates(session=session)


def template_row(template: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(template.name),
        rx.table.cell(template.subject),
        rx.table.cell(rx.text(template.updated_at, size="2", color_scheme="gray")),
    )


@dashboard_page(route=routes.TEMPLATES, title="Templates", on_load=TemplatesState.load)
def templates_page() -> rx.Component:
    return data_table(
        ["Name", "Subject", "Updated"],
        TemplatesState.templates,
        template_row,
        empty="No templates yet. Create one through the API (POST /api/v1/templates).",
        table_id="templates",
    )
