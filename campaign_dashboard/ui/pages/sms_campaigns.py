"""SMS: every SMS campaign with its status and counts, newest first."""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.ui import queries, routes
from campaign_dashboard.ui.components import campaigns_table
from campaign_dashboard.ui.layout import dashboard_page


class SmsCampaignsState(rx.State):
    campaigns: list[queries.CampaignRow] = []
    loaded: bool = False

    @rx.event
    def load(self):
        with session_scope() as session:
            self.campaigns = queries.list_campaigns(session=session, channel="sms")
        self.loaded = True


def SmsCampaignsList() -> rx.Component:  # noqa: N802 - the product spec's component name
    return rx.cond(
        SmsCampaignsState.loaded,
        campaigns_table(SmsCampaignsState.campaigns, channel="sms", table_id="sms-campaigns"),
        rx.center(rx.spinner(size="3"), padding="3em"),
    )


@dashboard_page(route=routes.SMS_CAMPAIGNS, title="SMS campaigns", on_load=SmsCampaignsState.load)
def sms_campaigns_page() -> rx.Component:
    return SmsCampaignsList()
