"""Overview: how much there is, and how many campaigns are in each status per channel."""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.ui import queries, routes
from campaign_dashboard.ui.components import data_table, stat_card, status_badge, thousands
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.layout import dashboard_page


class OverviewState(AuthState):
    totals: queries.Totals = queries.Totals()
    status_counts: list[queries.StatusCount] = []

    @rx.event
    def load(self):
        if refused := self._refuse():
            return refused
        with session_scope() as session:
            self.totals, self.status_counts = queries.overview(session=session)


def status_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(status_badge(row.status)),
        rx.table.cell(thousands(row.email), text_align="right"),
        rx.table.cell(thousands(row.sms), text_align="right"),
    )


@dashboard_page(route=routes.OVERVIEW, title="Overview", on_load=OverviewState.load)
def overview_page() -> rx.Component:
    totals = OverviewState.totals
    return rx.vstack(
        rx.flex(
            stat_card("Contacts", thousands(totals.contacts), "users"),
            stat_card("Email campaigns", thousands(totals.email_campaigns), "mail"),
            stat_card("SMS campaigns", thousands(totals.sms_campaigns), "message-square"),
            stat_card("Messages sent", thousands(totals.messages_sent), "send"),
            stat_card("Segments", thousands(totals.segments), "filter"),
            stat_card("Templates", thousands(totals.templates), "file-text"),
            wrap="wrap",
            spacing="4",
        ),
        rx.heading("Campaigns by status", size="4", padding_top="1em"),
        rx.box(
            data_table(
                ["Status", "Email", "SMS"],
                OverviewState.status_counts,
                status_row,
                empty="Loading…",
                table_id="status-counts",
            ),
            max_width="30em",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
