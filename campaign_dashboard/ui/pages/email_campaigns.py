"""Email: every email campaign with its status and counts, newest first."""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.ui import queries, routes
from campaign_dashboard.ui.components import campaigns_table
from campaign_dashboard.ui.layout import dashboard_page


class EmailCampaignsState(rx.State):
    campaigns: list[queries.CampaignRow] = []
    loaded: bool = False

    @rx.event
    def load(self):
        with session_scope() as session:
            self.campaigns = queries.list_campaigns(session=session, channel="email")
        self.loaded = True


def EmailCampaignsList() -> rx.Component:  # noqa: N802 - the product spec's component name
    return rx.cond(
        EmailCampaignsState.loaded,
        campaigns_table(EmailCampaignsState.campaigns, channel="email", table_id="email-campaigns"),
        rx.center(rx.spinner(size="3"), padding="3em"),
    )


@dashboard_page(route=routes.EMAIL_CAMPAIGNS, title="Email campaigns", on_load=EmailCampaignsState.load)
def email_campaigns_page() -> rx.Component:
    return EmailCampaignsList()
