"""Email and SMS: the pages that list every campaign of one channel (`campaign_list` holds their
shared state), with tabs, search, sort, paging, a row menu of the actions allowed right now and the
create / edit dialog.
"""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.models import Channel
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.campaign_form import CampaignFormState, CreateEmailCampaignDialog, CreateSmsCampaignDialog
from campaign_dashboard.ui.campaign_list import (
    ACTION_LABELS,
    ALL,
    CONFIRM,
    NEWEST,
    NOUNS,
    OLDEST,
    TABS,
    CampaignsState,
)
from campaign_dashboard.ui.components import loading, local_time, percent, status_badge, thousands
from campaign_dashboard.ui.confirm import send_confirm_dialog
from campaign_dashboard.ui.fields import ask_buttons, page_buttons, select
from campaign_dashboard.ui.layout import dashboard_page

__all__ = ["CampaignsState", "EmailCampaignsList", "SmsCampaignsList"]

# --- components ------------------------------------------------------------------------------------


def status_tabs() -> rx.Component:
    return rx.box(
        rx.tabs.root(
            rx.tabs.list(
                *[
                    rx.tabs.trigger(
                        rx.hstack(
                            rx.text("All" if tab == ALL else tab.capitalize()),
                            rx.badge(
                                thousands(CampaignsState.total if tab == ALL else CampaignsState.counts[tab]),
                                variant="soft",
                                radius="full",
                                color_scheme="gray",
                                class_name="tab-count",
                            ),
                            spacing="2",
                            align="center",
                        ),
                        value=tab,
                        id=f"tab-{tab}",
                        aria_controls="",  # no tab panels: the table below follows the tab
                    )
                    for tab in TABS
                ],
                size="2",
            ),
            value=CampaignsState.status,
            on_change=CampaignsState.show_status,
        ),
        overflow_x="auto",
        width="100%",
    )


def toolbar(channel: str) -> rx.Component:
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search by name",
            value=CampaignsState.search,
            on_change=CampaignsState.set_search,
            id="campaign-search",
            width="18em",
            max_width="100%",
        ),
        select(
            [rx.select.item("Newest first", value=NEWEST), rx.select.item("Oldest first", value=OLDEST)],
            CampaignsState.order,
            CampaignsState.set_order,
            id="campaign-order",
            aria_label="Sort by date",
        ),
        rx.spacer(),
        rx.cond(
            AuthState.can_write,
            rx.button(
                rx.icon("plus", size=16),
                "New campaign",
                on_click=CampaignFormState.open_create(channel),
                id="new-campaign",
            ),
        ),
        spacing="3",
        align="center",
        wrap="wrap",
        width="100%",
    )


def progress_cell(row: rx.Var) -> rx.Component:
    return rx.cond(
        (row.status == "sending") | (row.status == "paused"),
        rx.hstack(
            rx.progress(
                value=row.progress,
                max=100,
                width="6em",
                color_scheme=rx.cond(row.status == "paused", "orange", "amber"),
                aria_label=row.name.to(str) + " progress",
            ),
            rx.text(row.progress.to_string() + "%", size="1", color_scheme="gray"),
            align="center",
            spacing="2",
            class_name="campaign-progress",
        ),
        rx.text("–", color_scheme="gray"),
    )


def actions_menu(row: rx.Var) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=16), variant="ghost", aria_label="Actions", class_name="row-actions"
            ),
        ),
        rx.menu.content(
            rx.foreach(
                row.actions,
                lambda action: rx.menu.item(
                    rx.match(action, *ACTION_LABELS.items(), action),
                    color=rx.cond((action == "cancel") | (action == "delete"), rx.color("red", 11), None),
                    on_click=CampaignsState.act(row.id, action, row.name),
                ),
            ),
        ),
    )


def campaign_row(row: rx.Var, channel: str) -> rx.Component:
    when = rx.cond(
        row.status == "scheduled",
        "Sends " + local_time(row.scheduled_at),
        rx.cond(row.sent_on != "", "Sent " + local_time(row.sent_on), "Created " + local_time(row.created_at)),
    )
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.link(row.name, href=row.href, weight="medium", class_name="campaign-link"),
                rx.text(when, size="1", color_scheme="gray"),
                rx.cond(row.reason != "", rx.text(row.reason, size="1", color_scheme="red", max_width="30em")),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.vstack(
                status_badge(row.status),
                rx.cond(
                    row.breaker,
                    rx.badge(
                        "reputation breaker",
                        color_scheme="orange",
                        variant="soft",
                        high_contrast=True,
                        class_name="breaker-badge",
                    ),
                ),
                spacing="1",
            )
        ),
        rx.table.cell(progress_cell(row)),
        rx.table.cell(thousands(row.recipients), text_align="right"),
        rx.table.cell(thousands(row.sent), text_align="right", class_name="sent-count"),
        rx.table.cell(thousands(row.delivered), text_align="right"),
        *(
            [
                rx.table.cell(percent(row.engaged, row.delivered), text_align="right", class_name="open-rate"),
                rx.table.cell(percent(row.clicked, row.delivered), text_align="right", class_name="click-rate"),
            ]
            if channel == Channel.EMAIL
            else [rx.table.cell(thousands(row.engaged), text_align="right")]
        ),
        rx.table.cell(rx.cond(AuthState.can_write, actions_menu(row))),
        data_status=row.status,
        data_campaign_id=row.id,
    )


def campaigns_table(channel: str) -> rx.Component:
    engaged = ["Open rate", "Click rate"] if channel == Channel.EMAIL else ["Replies"]
    headers = ["Name", "Status", "Progress", "Recipients", "Sent", "Delivered", *engaged, ""]
    right = {"Recipients", "Sent", "Delivered", *engaged}
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h, text_align="right" if h in right else None, white_space="nowrap")
                        for h in headers
                    ]
                )
            ),
            rx.table.body(rx.foreach(CampaignsState.rows, lambda row: campaign_row(row, channel))),
            variant="surface",
            size="2",
            width="100%",
            id=f"{channel}-campaigns",
        ),
        width="100%",
        overflow_x="auto",
    )


def empty_state(channel: str) -> rx.Component:
    noun = NOUNS[channel]
    return rx.callout(
        rx.cond(
            (CampaignsState.total == 0) & (CampaignsState.search == ""),
            rx.cond(
                AuthState.can_write,
                f"No {noun} campaigns yet. Click “New campaign” to write the first one.",
                f"No {noun} campaigns yet. A marketer creates them; they will show here.",
            ),
            "No campaigns match: try another status tab or clear the search.",
        ),
        icon="info",
        color_scheme="gray",
        id="campaigns-empty",
    )


def pager() -> rx.Component:
    """Previous / next page, shown only when there is more than one page."""
    s = CampaignsState
    buttons = page_buttons("page", s, first=s.previous.length() == 0)
    return rx.cond((s.previous.length() > 0) | (s.next_cursor != ""), rx.hstack(*buttons, justify="end", width="100%"))


def confirm_dialog() -> rx.Component:
    title = rx.match(CampaignsState.confirm_action, *[(a, t) for a, (t, _, _) in CONFIRM.items()], "")
    text = rx.match(CampaignsState.confirm_action, *[(a, d) for a, (_, d, _) in CONFIRM.items()], "")
    button = rx.match(CampaignsState.confirm_action, *[(a, b) for a, (_, _, b) in CONFIRM.items()], "")
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(rx.text(rx.text.strong(CampaignsState.confirm_name)), rx.text(text)),
            ask_buttons(
                "Keep it",
                "confirm-no",
                rx.alert_dialog.action(
                    rx.button(button, color_scheme="red", on_click=CampaignsState.confirm, id="confirm-yes")
                ),
            ),
            id="confirm-dialog",
        ),
        open=CampaignsState.confirm_action != "",
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), CampaignsState.close_confirm()),
    )


def campaigns_list(channel: str) -> rx.Component:
    """The channel's campaigns with tabs, search, sort and paging, or a spinner until loaded."""
    dialog = CreateEmailCampaignDialog if channel == Channel.EMAIL else CreateSmsCampaignDialog
    return rx.cond(
        CampaignsState.channel == channel,
        rx.vstack(
            toolbar(channel),
            status_tabs(),
            rx.cond(CampaignsState.rows.length() > 0, campaigns_table(channel), empty_state(channel)),
            pager(),
            confirm_dialog(),
            send_confirm_dialog(
                CampaignsState.send,
                is_open=CampaignsState.send.question != "",
                action="Start sending",
                on_confirm=CampaignsState.confirm_start(False),
                on_close=CampaignsState.close_start,
                on_skip=CampaignsState.confirm_start(True),
            ),
            dialog([CampaignsState.reload]),
            spacing="4",
            width="100%",
        ),
        loading(),
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
