"""Email and SMS: every campaign of one channel, by status, with its progress and the actions its
lifecycle allows right now.

The two pages differ only in their channel, so they share one state and one list builder. The
list re-reads itself while a tab shows it (only when `live.channel_marker` moved), so a started
campaign is seen sending and then sent without a reload.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import CampaignStatus, Channel, Role
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.services.stats import live
from campaign_dashboard.tasks.send_queue import queue_after_action
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.campaign_form import CampaignFormState, CreateEmailCampaignDialog, CreateSmsCampaignDialog
from campaign_dashboard.ui.components import iso_utc, local_time, percent, status_badge, thousands
from campaign_dashboard.ui.guard import BAD_REQUEST, guarded
from campaign_dashboard.ui.layout import dashboard_page
from campaign_dashboard.ui.polling import POLL_SECONDS, still_watching

NOUNS = {"email": "email", "sms": "SMS"}
PAGE_SIZE = 20
ALL, ARCHIVED = "all", "archived"
STATUSES = [s.value for s in CampaignStatus]
TABS = [ALL, *STATUSES, ARCHIVED]  # "all" and the statuses leave archived campaigns out
NEWEST, OLDEST = "newest", "oldest"
# Menu entries in this order; lifecycle actions only when `lifecycle.allowed_actions` allows them.
ACTION_LABELS = {
    "start": "Start sending",
    "schedule": "Schedule…",
    "unschedule": "Unschedule",
    "pause": "Pause",
    "resume": "Resume",
    "edit": "Edit…",
    "duplicate": "Duplicate",
    "cancel": "Cancel campaign…",
    "archive": "Archive",
    "delete": "Delete…",
}
CONFIRM = {
    "cancel": (
        "Cancel this campaign?",
        "Messages not sent yet will never be sent. What was already sent stays in its history. This cannot be undone.",
        "Cancel campaign",
    ),
    "delete": (
        "Delete this campaign?",
        "The campaign and its settings are removed for good. This cannot be undone.",
        "Delete campaign",
    ),
}
DONE = {
    "start": "started: sending is queued",
    "schedule": "scheduled",
    "unschedule": "is a draft again",
    "pause": "paused",
    "resume": "resumed",
    "cancel": "cancelled",
    "duplicate": "duplicated as a new draft",
    "archive": "archived",
    "delete": "deleted",
}


@dataclass
class CampaignRow:
    id: int = 0
    name: str = ""
    href: str = ""
    status: str = ""
    reason: str = ""
    recipients: int = 0
    sent: int = 0
    delivered: int = 0
    engaged: int = 0  # unique opens (email) or replies (SMS)
    progress: int = 0  # percent of recipients processed
    created_at: str = ""
    scheduled_at: str = ""
    actions: list[str] = field(default_factory=list)


def to_row(campaign, channel: str) -> CampaignRow:
    data = campaigns.to_dict(campaign, channel)
    actions = [
        a
        for a in ACTION_LABELS
        if a in data["allowed_actions"]
        or (a == "edit" and data["can_edit"])
        or a == "duplicate"
        or (a == "archive" and data["can_archive"])
        or (a == "delete" and data["can_delete"])
    ]
    return CampaignRow(
        id=campaign.id,
        name=campaign.name,
        href=routes.campaign_detail(channel, campaign.id),
        status=campaign.status,
        reason=campaign.status_reason or "",
        recipients=campaign.recipients,
        sent=campaign.sent,
        delivered=campaign.delivered,
        engaged=campaign.unique_opens if channel == Channel.EMAIL else campaign.replied,
        progress=round(100 * data["progress"]),
        created_at=iso_utc(campaign.created_at),
        scheduled_at=iso_utc(campaign.scheduled_at),
        actions=actions,
    )


class CampaignsState(AuthState):
    # The channel `rows` belong to ("" before the first load): a page shows its list only once it
    # holds that page's channel, never the other page's campaigns.
    channel: str = ""
    rows: list[CampaignRow] = []
    counts: dict[str, int] = {}
    status: str = ALL
    search: str = ""
    order: str = NEWEST
    cursor: str = ""  # this page's cursor ("" = first page)
    previous: list[str] = []  # cursors of the pages before this one
    next_cursor: str = ""
    confirm_action: str = ""
    confirm_id: int = 0
    confirm_name: str = ""
    _marker: str = ""
    _watching: bool = False

    @rx.var
    def total(self) -> int:
        return sum(self.counts.get(status, 0) for status in STATUSES)

    @guarded(Role.VIEWER)
    def load(self, channel: str):
        if channel not in NOUNS:
            return rx.toast.error(BAD_REQUEST)
        if channel != self.channel:
            self.status, self.search, self.order = ALL, "", NEWEST
        self.channel = channel
        self._first_page()
        return CampaignsState.watch

    def _first_page(self) -> None:
        self.cursor, self.previous = "", []
        self._read()

    def _read(self) -> None:
        """The current page and the per-status counts, as the filters say."""
        if not self._signed_in():
            return
        with session_scope() as session:
            page = campaigns.list_campaigns(
                session=session,
                channel=self.channel,
                status=self.status if self.status in STATUSES else None,
                search=self.search,
                archived=self.status == ARCHIVED,
                cursor=self.cursor or None,
                limit=PAGE_SIZE,
                newest_first=self.order == NEWEST,
            )
            self.rows = [to_row(c, self.channel) for c in page.items]
            self.next_cursor = page.next_cursor or ""
            self.counts = {
                **campaigns.status_counts(session=session, channel=self.channel, search=self.search),
                ARCHIVED: sum(
                    campaigns.status_counts(
                        session=session, channel=self.channel, search=self.search, archived=True
                    ).values()
                ),
            }
            self._marker = live.channel_marker(session=session, channel=self.channel)

    @guarded(Role.VIEWER, background=True)
    async def watch(self):
        """Re-read the page whenever a campaign of the channel changed, while the tab shows it."""
        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            while True:
                await asyncio.sleep(POLL_SECONDS)
                async with self:
                    watched = await still_watching(self, routes.EMAIL_CAMPAIGNS, routes.SMS_CAMPAIGNS)
                    if not (watched and self.channel):
                        return
                    with session_scope() as session:
                        changed = live.channel_marker(session=session, channel=self.channel) != self._marker
                    if changed:
                        self._read()
        finally:
            async with self:
                self._watching = False

    @guarded(Role.VIEWER)
    def show_status(self, status: str):
        self.status = status if status in TABS else ALL
        self._first_page()

    @guarded(Role.VIEWER)
    def set_search(self, value: str):
        self.search = value
        self._first_page()

    @guarded(Role.VIEWER)
    def set_order(self, value: str):
        self.order = OLDEST if value == OLDEST else NEWEST
        self._first_page()

    @guarded(Role.VIEWER)
    def next_page(self):
        if self.next_cursor:
            self.previous = [*self.previous, self.cursor]
            self.cursor = self.next_cursor
            self._read()

    @guarded(Role.VIEWER)
    def previous_page(self):
        if self.previous:
            self.cursor, self.previous = self.previous[-1], self.previous[:-1]
            self._read()

    @guarded(Role.VIEWER)
    def reload(self):
        if self.channel:
            self._read()

    # --- actions -----------------------------------------------------------------------------

    @guarded(Role.MARKETER, writes=True)
    def act(self, campaign_id: int, action: str, name: str):
        """A row's menu entry: run it, ask first (cancel, delete), or open the form (edit, schedule)."""
        if action not in ACTION_LABELS or self.channel not in NOUNS:
            return rx.toast.error(BAD_REQUEST)
        if action in ("edit", "schedule"):
            return CampaignFormState.open_edit(self.channel, campaign_id, action == "schedule")
        if action in CONFIRM:
            self.confirm_action, self.confirm_id, self.confirm_name = action, campaign_id, name
            return
        return self._run(campaign_id, action, name)

    @guarded(Role.MARKETER, writes=True)
    def confirm(self):
        action, campaign_id, name = self.confirm_action, self.confirm_id, self.confirm_name
        self._forget_confirm()
        if action in CONFIRM and self.channel in NOUNS:
            return self._run(campaign_id, action, name)

    @guarded(Role.VIEWER)
    def close_confirm(self):
        self._forget_confirm()

    def _forget_confirm(self) -> None:
        self.confirm_action, self.confirm_id, self.confirm_name = "", 0, ""

    def _run(self, campaign_id: int, action: str, name: str):
        channel = self.channel
        try:
            with session_scope() as session:
                if action == "duplicate":
                    campaigns.duplicate(session=session, channel=channel, campaign_id=campaign_id)
                elif action == "archive":
                    campaigns.archive(session=session, channel=channel, campaign_id=campaign_id)
                elif action == "delete":
                    campaigns.delete(session=session, channel=channel, campaign_id=campaign_id)
                else:
                    campaign = campaigns.apply_action(
                        session=session, channel=channel, campaign_id=campaign_id, action=Action(action)
                    )
                    queue_after_action(channel, campaign, action)
        except (DomainError, ValueError) as exc:
            self._read()
            return rx.toast.error(getattr(exc, "message", f"Unknown action {action!r}."))
        self._read()
        return rx.toast.success(f"“{name}” {DONE[action]}.")


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
        rx.select.root(
            rx.select.trigger(id="campaign-order", aria_label="Sort by date"),
            rx.select.content(
                rx.select.item("Newest first", value=NEWEST),
                rx.select.item("Oldest first", value=OLDEST),
            ),
            value=CampaignsState.order,
            on_change=CampaignsState.set_order,
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
        row.status == "scheduled", "Sends " + local_time(row.scheduled_at), "Created " + local_time(row.created_at)
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
        rx.table.cell(status_badge(row.status)),
        rx.table.cell(progress_cell(row)),
        rx.table.cell(thousands(row.recipients), text_align="right"),
        rx.table.cell(thousands(row.sent), text_align="right", class_name="sent-count"),
        rx.table.cell(thousands(row.delivered), text_align="right"),
        rx.table.cell(
            percent(row.engaged, row.delivered) if channel == Channel.EMAIL else thousands(row.engaged),
            text_align="right",
        ),
        rx.table.cell(rx.cond(AuthState.can_write, actions_menu(row))),
        data_status=row.status,
        data_campaign_id=row.id,
    )


def campaigns_table(channel: str) -> rx.Component:
    engaged = "Open rate" if channel == Channel.EMAIL else "Replies"
    headers = ["Name", "Status", "Progress", "Recipients", "Sent", "Delivered", engaged, ""]
    right = {"Recipients", "Sent", "Delivered", engaged}
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
    return rx.cond(
        (CampaignsState.previous.length() > 0) | (CampaignsState.next_cursor != ""),
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=16),
                "Previous",
                variant="soft",
                disabled=CampaignsState.previous.length() == 0,
                on_click=CampaignsState.previous_page,
                id="page-previous",
            ),
            rx.button(
                "Next",
                rx.icon("chevron-right", size=16),
                variant="soft",
                disabled=CampaignsState.next_cursor == "",
                on_click=CampaignsState.next_page,
                id="page-next",
            ),
            justify="end",
            width="100%",
        ),
    )


def confirm_dialog() -> rx.Component:
    title = rx.match(CampaignsState.confirm_action, *[(a, t) for a, (t, _, _) in CONFIRM.items()], "")
    text = rx.match(CampaignsState.confirm_action, *[(a, d) for a, (_, d, _) in CONFIRM.items()], "")
    button = rx.match(CampaignsState.confirm_action, *[(a, b) for a, (_, _, b) in CONFIRM.items()], "")
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(rx.text(rx.text.strong(CampaignsState.confirm_name)), rx.text(text)),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray", id="confirm-no")),
                rx.alert_dialog.action(
                    rx.button(button, color_scheme="red", on_click=CampaignsState.confirm, id="confirm-yes")
                ),
                spacing="3",
                justify="end",
                padding_top="1em",
            ),
            id="confirm-dialog",
        ),
        open=CampaignsState.confirm_action != "",
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), CampaignsState.close_confirm()),
    )


def campaigns_list(channel: str) -> rx.Component:
    """The channel's campaigns with tabs, search, sort and paging, or a spinner until loaded."""
    return rx.cond(
        CampaignsState.channel == channel,
        rx.vstack(
            toolbar(channel),
            status_tabs(),
            rx.cond(CampaignsState.rows.length() > 0, campaigns_table(channel), empty_state(channel)),
            pager(),
            confirm_dialog(),
            CreateEmailCampaignDialog() if channel == Channel.EMAIL else CreateSmsCampaignDialog(),
            spacing="4",
            width="100%",
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
