"""One campaign, live: `/email/<id>` and `/sms/<id>` (one module, the channel picks the tables).

Header (with the lifecycle buttons the campaign allows, for writers), `CampaignStatsCards`,
progress, charts, clicks per link, recipients (status filter, cursor pages), the event
feed and the replies. The state (`campaign_detail_state`) keeps them live; what it reads is in
`campaign_detail_data`.
"""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.models import Channel
from campaign_dashboard.ui import charts, routes
from campaign_dashboard.ui.activity_feed import feed_card
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.campaign_ab_test import ab_test_panel
from campaign_dashboard.ui.campaign_detail_actions import action_buttons
from campaign_dashboard.ui.campaign_detail_data import RECIPIENT_FILTERS
from campaign_dashboard.ui.campaign_detail_state import CampaignDetailState
from campaign_dashboard.ui.campaign_form import CreateEmailCampaignDialog, CreateSmsCampaignDialog
from campaign_dashboard.ui.campaign_waiting import last_error_cell, waiting_panel
from campaign_dashboard.ui.components import (
    back_link,
    data_table,
    list_card,
    loading,
    local_time,
    status_badge,
    thousands,
)
from campaign_dashboard.ui.fields import page_buttons
from campaign_dashboard.ui.layout import dashboard_page
from campaign_dashboard.ui.stats_cards import CampaignStatsCards

BACK = {
    Channel.EMAIL: ("All email campaigns", routes.EMAIL_CAMPAIGNS),
    Channel.SMS: ("All SMS campaigns", routes.SMS_CAMPAIGNS),
}


def detail_line(label: str, value: rx.Var, **props) -> rx.Component:
    return rx.cond(
        value != "",
        rx.hstack(
            rx.text(label, size="2", color_scheme="gray", min_width="7em"),
            rx.text(value, size="2", **props),
            align="start",
            spacing="2",
        ),
    )


def follows_up_line() -> rx.Component:
    """A follow-up names the campaign it follows up, linked to its page."""
    info = CampaignDetailState.info
    return rx.cond(
        info.follows_up != "",
        rx.hstack(
            rx.text("Follows up", size="2", color_scheme="gray", min_width="7em"),
            rx.cond(
                info.follows_up_href != "",
                rx.link(info.follows_up, href=info.follows_up_href, size="2"),
                rx.text(info.follows_up, size="2"),
            ),
            align="start",
            spacing="2",
            id="campaign-follows-up",
        ),
    )


def header(channel: str) -> rx.Component:
    info = CampaignDetailState.info
    content = (
        [
            detail_line("Subject", info.subject, weight="medium"),
            detail_line("From", info.sender),
            detail_line("Reply-to", info.reply_to),
        ]
        if channel == Channel.EMAIL
        else [
            detail_line("Message", info.body, weight="medium", white_space="pre-wrap"),
            detail_line("From", info.sender),
        ]
    )
    return rx.card(
        rx.vstack(
            back_link(*BACK[Channel(channel)]),
            rx.hstack(
                rx.heading(info.name, size="6", id="campaign-name"),
                rx.box(status_badge(info.status), id="campaign-status"),
                rx.spacer(),
                rx.cond(AuthState.can_write, action_buttons()),
                align="center",
                spacing="3",
                wrap="wrap",
                width="100%",
            ),
            rx.cond(
                info.status_note != "",
                rx.callout(
                    info.status_note,
                    icon="info",
                    size="1",
                    color_scheme=rx.cond(info.status == "failed", "red", rx.cond(info.breaker, "orange", "gray")),
                    id="campaign-status-note",
                ),
            ),
            rx.grid(
                rx.vstack(
                    *content,
                    detail_line("Audience", info.segment),
                    detail_line("Topic", info.topic, id="campaign-topic"),
                    detail_line("Frequency cap", info.frequency_cap, id="campaign-frequency-capped"),
                    detail_line("Sends at", info.local_time, id="campaign-local-time"),
                    follows_up_line(),
                    spacing="1",
                ),
                rx.vstack(
                    detail_line("Created", local_time(info.created_at)),
                    detail_line("Scheduled for", local_time(info.scheduled_at)),
                    detail_line("Started", local_time(info.started_at)),
                    detail_line("Finished", local_time(info.completed_at)),
                    spacing="1",
                ),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def progress_bar() -> rx.Component:
    info, stats = CampaignDetailState.info, CampaignDetailState.stats
    return rx.cond(
        CampaignDetailState.is_live,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text(rx.cond(info.status == "paused", "Paused", "Sending"), weight="medium", size="2"),
                    rx.spacer(),
                    rx.text(
                        thousands(stats.processed),
                        " of ",
                        thousands(stats.recipients),
                        " recipients processed · ",
                        info.progress.to_string(),
                        "%",
                        size="2",
                        id="campaign-progress-text",
                    ),
                    width="100%",
                ),
                rx.progress(
                    value=info.progress.to(int),
                    max=100,
                    width="100%",
                    id="campaign-progress",
                    aria_label="Campaign progress",
                ),
                width="100%",
                spacing="2",
            ),
            width="100%",
        ),
    )


def charts_section(channel: str) -> rx.Component:
    activity = charts.chart(
        "Activity",
        CampaignDetailState.activity_figure,
        chart_id="chart-activity",
        empty=~CampaignDetailState.has_activity,
        empty_text="Nothing sent yet: the chart fills in as messages go out and events come back.",
    )
    funnel = charts.chart(
        "Delivery funnel",
        CampaignDetailState.funnel_figure,
        chart_id="chart-funnel",
        empty=CampaignDetailState.stats.recipients == 0,
        empty_text="No recipients yet: the funnel appears once the campaign starts.",
    )
    lower = [funnel]
    if channel == Channel.EMAIL:
        lower.append(
            charts.chart(
                "Top links",
                CampaignDetailState.links_figure,
                chart_id="chart-links",
                empty=~CampaignDetailState.has_links,
                empty_text="No clicks yet.",
            )
        )
    grid = rx.grid(*lower, columns=rx.breakpoints(initial="1", md=str(len(lower))), spacing="3", width="100%")
    if channel == Channel.EMAIL:
        return rx.vstack(activity, grid, link_clicks(), spacing="3", width="100%")
    return rx.vstack(activity, grid, spacing="3", width="100%")


def link_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row.url, href=row.url, is_external=True, size="2", word_break="break-all")),
        rx.table.cell(thousands(row.clicks), text_align="right"),
    )


def link_clicks() -> rx.Component:
    """Clicks per link, every clicked link (the chart above draws the top ten)."""
    return rx.vstack(
        rx.heading("Clicks per link", size="4"),
        data_table(
            ["Link", "Clicks"],
            CampaignDetailState.links,
            link_row,
            empty="No clicks yet: each link's clicks appear here as the provider reports them.",
            table_id="link-clicks",
        ),
        width="100%",
        spacing="2",
    )


def recipient_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(row.address, size="2", weight="medium", class_name="recipient-address"),
            # The provider's id, for a support ticket: under the address, small, never a column of its own.
            rx.text(row.provider_message_id, size="1", color_scheme="gray", truncate=True, max_width="16em"),
        ),
        rx.table.cell(status_badge(row.status)),
        rx.table.cell(row.attempts, text_align="right"),
        rx.table.cell(last_error_cell(row)),
        rx.table.cell(rx.text(local_time(row.sent_at), size="1")),
        rx.table.cell(rx.text(local_time(row.updated_at), size="1")),
        data_status=row.status,
    )


def recipients_section() -> rx.Component:
    s = CampaignDetailState
    previous, next = page_buttons("recipients", s)
    return rx.vstack(
        rx.hstack(
            rx.heading("Recipients", size="4"),
            rx.spacer(),
            rx.text("Status", size="2", color_scheme="gray"),
            rx.select(
                RECIPIENT_FILTERS,
                value=CampaignDetailState.recipient_filter,
                on_change=CampaignDetailState.filter_recipients,
                size="2",
                id="recipient-filter",
                custom_attrs={"aria-label": "Recipient status"},  # rx.select gives the trigger no aria_label
            ),
            align="center",
            width="100%",
        ),
        data_table(
            ["Address", "Status", "Attempts", "Last error", "Sent", "Updated"],
            CampaignDetailState.recipients,
            recipient_row,
            empty="No recipients with this status. Pick another status, or wait: the list fills in when the "
            "campaign starts.",
            table_id="recipients",
        ),
        rx.hstack(
            previous, rx.text("Page ", s.page_number, size="2", id="recipients-page"), next, align="center", spacing="3"
        ),
        width="100%",
        spacing="3",
    )


def feed_section() -> rx.Component:
    return feed_card(
        "Events",
        CampaignDetailState.events,
        feed_id="event-feed",
        empty="No events yet: deliveries, opens, clicks and bounces appear here as the provider reports them.",
    )


def reply_item(reply: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(reply.from_address, size="2", weight="medium"),
            rx.cond(reply.kind != "reply", rx.badge(reply.kind, color_scheme="orange", variant="soft")),
            rx.spacer(),
            rx.text(local_time(reply.received_at), size="1", color_scheme="gray"),
            width="100%",
            align="center",
        ),
        rx.cond(reply.subject != "", rx.text(reply.subject, size="2")),
        rx.text(reply.text, size="2", color_scheme="gray"),
        spacing="1",
        width="100%",
        class_name="reply-item",
    )


def replies_section() -> rx.Component:
    return list_card(
        "Replies",
        CampaignDetailState.replies,
        reply_item,
        list_id="replies",
        empty="No replies yet: answers to this campaign appear here as they arrive.",
    )


def edit_dialog(channel: str) -> rx.Component:
    """The campaign form (opened by Edit); saving re-reads the page."""
    dialog = CreateEmailCampaignDialog if channel == Channel.EMAIL else CreateSmsCampaignDialog
    return dialog([CampaignDetailState.refresh])


def not_found(channel: str) -> rx.Component:
    back = BACK[Channel(channel)][1]
    return rx.callout(
        rx.text(
            "Campaign not found. It may have been deleted, or the address is wrong. ",
            rx.link("Back to the campaigns", href=back),
        ),
        icon="search-x",
        color_scheme="orange",
        id="campaign-not-found",
    )


def campaign_detail(channel: str) -> rx.Component:
    return rx.cond(
        CampaignDetailState.loaded_key.startswith(f"{channel}/"),
        rx.cond(
            CampaignDetailState.found,
            rx.vstack(
                header(channel),
                CampaignStatsCards(CampaignDetailState.stats, channel=channel),
                progress_bar(),
                waiting_panel(CampaignDetailState.waiting),
                ab_test_panel(),
                charts_section(channel),
                recipients_section(),
                rx.grid(
                    feed_section(),
                    replies_section(),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    spacing="3",
                    width="100%",
                ),
                edit_dialog(channel),
                spacing="4",
                width="100%",
                id="campaign-detail",
            ),
            not_found(channel),
        ),
        loading(),
    )


@dashboard_page(
    route=routes.campaign_detail("email", "[campaign_id]"),
    title="Email campaign",
    on_load=CampaignDetailState.load("email"),
)
def email_campaign_page() -> rx.Component:
    return campaign_detail("email")


@dashboard_page(
    route=routes.campaign_detail("sms", "[campaign_id]"), title="SMS campaign", on_load=CampaignDetailState.load("sms")
)
def sms_campaign_page() -> rx.Component:
    return campaign_detail("sms")
