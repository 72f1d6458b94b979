"""Email and SMS: every campaign of one channel with its status and counts, newest first.

The two pages differ only in their channel, so they share one state and one list builder.
"""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.ui import queries, routes
from campaign_dashboard.ui.components import data_table, status_badge, thousands
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.layout import dashboard_page

NOUNS = {"email": "email", "sms": "SMS"}


class CampaignsState(AuthState):
    # The channel `campaigns` belongs to ("" before the first load): a page shows its list only
    # once it holds that page's channel, never the other page's campaigns.
    channel: str = ""
    campaigns: list[queries.CampaignRow] = []

    @rx.event
    def load(self, channel: str):
        if refused := self._refuse():
            return refused
        with session_scope() as session:
            self.campaigns = queries.list_campaigns(session=session, channel=channel)
        self.channel = channel


def campaign_row(campaign: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(campaign.name, weight="medium")),
        rx.table.cell(status_badge(campaign.status)),
        rx.table.cell(thousands(campaign.recipients), text_align="right"),
        rx.table.cell(thousands(campaign.sent), text_align="right"),
        rx.table.cell(thousands(campaign.delivered), text_align="right"),
        rx.table.cell(rx.text(campaign.created_at, size="2", color_scheme="gray")),
        data_status=campaign.status,
    )


def campaigns_list(channel: str) -> rx.Component:
    """The channel's campaigns in a table, or a spinner until they are loaded."""
    return rx.cond(
        CampaignsState.channel == channel,
        data_table(
            ["Name", "Status", "Recipients", "Sent", "Delivered", "Created"],
            CampaignsState.campaigns,
            campaign_row,
            empty=f"No {NOUNS[channel]} campaigns yet. Create one through the API, or run `campaign-dashboard seed-demo`.",
            table_id=f"{channel}-campaigns",
        ),
        rx.center(rx.spinner(size="3"), padding="3em"),
    )


def EmailCampaignsList() -> rx.Component:  # noqa: N802 - the product spec's component name
    return campaigns_list("email")


def SmsCampaignsList() -> rx.Component:  # noqa: N802 - the product spec's component name
    return campaigns_list("sms")


@dashboard_page(route=routes.EMAIL_CAMPAIGNS, title="Email campaigns", on_load=CampaignsState.load("email"))
def email_campaigns_page() -> rx.Component:
    return EmailCampaignsList()


@dashboard_page(route=routes.SMS_CAMPAIGNS, title="SMS campaigns", on_load=CampaignsState.load("sms"))
def sms_campaigns_page() -> rx.Component:
    return SmsCampaignsList()
