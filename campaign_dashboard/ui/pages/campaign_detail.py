"""One campaign, live: `/email/<id>` and `/sms/<id>` (one module, the channel picks the tables).

Header, `CampaignStatsCards`, progress, charts, recipients (status filter, cursor pages), the event
feed and the replies. While the page is open a background loop reads the campaign's
`last_activity_at` every second (one primary-key read) and re-reads the rest only when it moved;
the loop ends when the user leaves the page or opens another one (each load starts a new loop
and retires the previous one). Every read is indexed and bounded; counters come from the
campaign row, never from counting recipients.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import plotly.graph_objects as go
import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Channel, RecipientStatus, Role, Segment
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.services.events import replies
from campaign_dashboard.services.stats import StatsSummary, live, summary_of, top_links
from campaign_dashboard.ui import charts, routes
from campaign_dashboard.ui.activity_feed import FeedRow, feed_card, feed_row, look_back, merge, newer
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import (
    back_link,
    data_table,
    iso_utc,
    list_card,
    local_time,
    status_badge,
    thousands,
)
from campaign_dashboard.ui.guard import BAD_REQUEST, guarded
from campaign_dashboard.ui.layout import dashboard_page
from campaign_dashboard.ui.stats_cards import CampaignStatsCards

POLL_SECONDS = 1.0
FEED_SIZE = 30
PAGE_SIZE = 25
ALL = "all"
RECIPIENT_FILTERS = [ALL, *[s.value for s in RecipientStatus]]
ACTIVITY_METRICS = {
    Channel.EMAIL: ("sent", "delivered", "opened", "clicked"),
    Channel.SMS: ("sent", "delivered", "failed"),
}
LIVE_STATUSES = ("sending", "paused")
BACK = {
    Channel.EMAIL: ("All email campaigns", routes.EMAIL_CAMPAIGNS),
    Channel.SMS: ("All SMS campaigns", routes.SMS_CAMPAIGNS),
}


@dataclass
class CampaignInfo:
    id: int = 0
    name: str = ""
    status: str = ""
    status_reason: str = ""
    subject: str = ""
    sender: str = ""
    reply_to: str = ""
    body: str = ""
    segment: str = ""
    created_at: str = ""
    scheduled_at: str = ""
    started_at: str = ""
    completed_at: str = ""
    recipients: int = 0
    processed: int = 0
    progress: float = 0.0  # percent, one decimal


@dataclass
class RecipientRow:
    id: int
    address: str
    status: str
    provider_message_id: str
    attempts: int
    last_error: str
    sent_at: str
    updated_at: str


@dataclass
class ReplyRow:
    id: int
    kind: str
    from_address: str
    subject: str
    text: str
    received_at: str


@dataclass
class Snapshot:
    """Everything the page shows, read in one go outside the state lock."""

    found: bool
    marker: str = ""
    info: CampaignInfo = field(default_factory=CampaignInfo)
    stats: StatsSummary = field(default_factory=StatsSummary)
    series: dict = field(default_factory=dict)
    links: list[tuple[str, int]] | None = None  # None: unchanged since the last read
    replies: list[ReplyRow] | None = None
    events: list[FeedRow] = field(default_factory=list)
    newest_event: datetime | None = None
    recipients: list[RecipientRow] = field(default_factory=list)
    next_cursor: str = ""


def read_snapshot(
    *,
    channel: str,
    campaign_id: int,
    recipient_filter: str,
    cursor: str,
    events_since: datetime | None,
    clicks_seen: int | None,
    answers_seen: int | None,
) -> Snapshot:
    """One campaign's page data. Top links and replies are only re-read when the counters that
    feed them moved (`clicks_seen`, `answers_seen`: what the page last showed)."""
    with session_scope() as session:
        try:
            campaign = campaigns.get(session=session, channel=channel, campaign_id=campaign_id)
        except DomainError:
            return Snapshot(found=False)
        stats = summary_of(campaign, channel)
        segment = session.get(Segment, campaign.segment_id) if campaign.segment_id else None
        info = CampaignInfo(
            id=campaign.id,
            name=campaign.name,
            status=campaign.status,
            status_reason=campaign.status_reason or "",
            subject=getattr(campaign, "subject", ""),
            sender=(getattr(campaign, "from_email", None) or getattr(campaign, "from_number", None) or ""),
            reply_to=getattr(campaign, "reply_to", None) or "",
            body=getattr(campaign, "body", ""),
            segment=segment.name if segment else "",
            created_at=iso_utc(campaign.created_at),
            scheduled_at=iso_utc(campaign.scheduled_at),
            started_at=iso_utc(campaign.started_at),
            completed_at=iso_utc(campaign.completed_at),
            recipients=campaign.recipients,
            processed=campaign.processed,
            progress=round(100 * campaigns.progress(campaign), 1),
        )
        snapshot = Snapshot(found=True, marker=iso_utc(campaign.last_activity_at), info=info, stats=stats)
        snapshot.series = live.minute_series(
            session=session, channel=channel, campaign_id=campaign_id, metrics=ACTIVITY_METRICS[Channel(channel)]
        )
        if channel == Channel.EMAIL and stats.clicked != clicks_seen:
            snapshot.links = top_links(session=session, campaign_id=campaign_id)
        if stats.replied + stats.unsubscribed != answers_seen:
            snapshot.replies = [
                ReplyRow(
                    id=r.id,
                    kind=r.kind,
                    from_address=r.from_address,
                    subject=r.subject,
                    text=r.text,
                    received_at=iso_utc(r.received_at),
                )
                for r in replies.campaign_replies(session=session, channel=channel, campaign_id=campaign_id)
            ]
        feed = live.recent_events(
            session=session, channel=channel, campaign_id=campaign_id, since=events_since, limit=FEED_SIZE
        )
        snapshot.events = [feed_row(e) for e in feed]
        snapshot.newest_event = feed[0].received_at if feed else events_since
        page = campaigns.recipients_page(
            session=session,
            channel=channel,
            campaign_id=campaign_id,
            status=None if recipient_filter == ALL else recipient_filter,
            cursor=cursor or None,
            limit=PAGE_SIZE,
        )
        snapshot.recipients = [
            RecipientRow(
                id=r.id,
                address=r.address,
                status=r.status,
                provider_message_id=r.provider_message_id or "",
                attempts=r.attempts,
                last_error=r.last_error or "",
                sent_at=iso_utc(r.sent_at),
                updated_at=iso_utc(r.updated_at),
            )
            for r in page.items
        ]
        snapshot.next_cursor = page.next_cursor or ""
    return snapshot


def funnel_steps(channel: str, info: CampaignInfo, stats: StatsSummary) -> list[tuple[str, int]]:
    steps = [("Recipients", info.recipients), ("Sent", stats.sent), ("Delivered", stats.delivered)]
    if channel == Channel.EMAIL:
        steps += [("Opened", stats.unique_opens), ("Clicked", stats.unique_clicks)]
    return steps


class CampaignDetailState(AuthState):
    channel: str = ""
    # "email/8" once the vars below hold that campaign ("" while loading): the page never shows
    # the previous campaign's numbers under a new URL.
    loaded_key: str = ""
    found: bool = True
    info: CampaignInfo = CampaignInfo()
    stats: StatsSummary = StatsSummary()
    activity_figure: go.Figure = go.Figure()
    funnel_figure: go.Figure = go.Figure()
    links_figure: go.Figure = go.Figure()
    has_activity: bool = False
    has_links: bool = False
    recipient_filter: str = ALL
    recipients: list[RecipientRow] = []
    page_number: int = 1
    next_cursor: str = ""
    events: list[FeedRow] = []
    replies: list[ReplyRow] = []
    marker: str = ""
    timezone: str = "UTC"

    # backend only
    _campaign_id: int = 0
    _poll_id: str = ""
    _cursors: list[str] = []  # cursor of each page shown so far ("" = first page)
    _newest_event: datetime | None = None
    _clicks_seen: int | None = None
    _answers_seen: int | None = None
    _series: dict = {}
    _funnel: list = []

    @rx.var
    def is_live(self) -> bool:
        return self.info.status in LIVE_STATUSES

    @guarded(Role.VIEWER)
    def load(self, channel: str):
        if channel not in {c.value for c in Channel}:
            return rx.toast.error(BAD_REQUEST)
        self.channel = channel
        self.loaded_key = ""
        self._poll_id = uuid.uuid4().hex
        self._reset_view()
        raw = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        self._campaign_id = int(raw) if raw.isdigit() else 0
        if not self._campaign_id:
            self.found = False
            self.loaded_key = f"{channel}/{raw}"
            return
        self._apply(self._read(events_since=None))
        self.loaded_key = f"{channel}/{self._campaign_id}"
        return [
            rx.call_script(
                "Intl.DateTimeFormat().resolvedOptions().timeZone", callback=CampaignDetailState.set_timezone
            ),
            CampaignDetailState.poll(self._poll_id),
        ]

    def _reset_view(self):
        self.found = True
        self.recipient_filter = ALL
        self._cursors = [""]
        self.page_number = 1
        self.events = []
        self.replies = []
        self._newest_event = None
        self._clicks_seen = self._answers_seen = None
        self._series, self._funnel = {}, []
        self.has_links = self.has_activity = False

    @guarded(Role.VIEWER)
    def set_timezone(self, timezone: str):
        if isinstance(timezone, str) and timezone and timezone != self.timezone:
            self.timezone = timezone
            self._draw_activity()

    @guarded(Role.VIEWER)
    def filter_recipients(self, status: str):
        if status not in RECIPIENT_FILTERS:
            return rx.toast.error(f"Unknown recipient status {status!r}.")
        self.recipient_filter = status
        self._cursors = [""]
        self.page_number = 1
        return self._reload_recipients()

    @guarded(Role.VIEWER)
    def next_page(self):
        if self.next_cursor:
            self._cursors.append(self.next_cursor)
            self.page_number = len(self._cursors)
            return self._reload_recipients()

    @guarded(Role.VIEWER)
    def previous_page(self):
        if len(self._cursors) > 1:
            self._cursors.pop()
            self.page_number = len(self._cursors)
            return self._reload_recipients()

    def _reload_recipients(self):
        self._apply(self._read(events_since=look_back(self._newest_event)))
        return None

    def _read(self, *, events_since: datetime | None) -> Snapshot:
        return read_snapshot(
            channel=self.channel,
            campaign_id=self._campaign_id,
            recipient_filter=self.recipient_filter,
            cursor=self._cursors[-1] if self._cursors else "",
            events_since=events_since,
            clicks_seen=self._clicks_seen,
            answers_seen=self._answers_seen,
        )

    def _apply(self, snapshot: Snapshot) -> None:
        self.found = snapshot.found
        if not snapshot.found:
            return
        self.marker = snapshot.marker
        self.info = snapshot.info
        self.stats = snapshot.stats
        # figures go to the browser whole: only send them again when their numbers moved
        if snapshot.series != self._series or not self.has_activity:
            self._series = snapshot.series
            self._draw_activity()
        steps = funnel_steps(self.channel, snapshot.info, snapshot.stats)
        if steps != self._funnel:
            self._funnel = steps
            self.funnel_figure = charts.funnel_figure(steps)
        if snapshot.links is not None:
            self._clicks_seen = snapshot.stats.clicked
            self.has_links = bool(snapshot.links)
            self.links_figure = charts.links_figure(snapshot.links)
        if snapshot.replies is not None:
            self._answers_seen = snapshot.stats.replied + snapshot.stats.unsubscribed
            self.replies = snapshot.replies
        if (events := merge(snapshot.events, self.events, FEED_SIZE)) != self.events:
            self.events = events
        self._newest_event = newer(self._newest_event, snapshot.newest_event)
        if snapshot.recipients != self.recipients:
            self.recipients = snapshot.recipients
        self.next_cursor = snapshot.next_cursor

    def _draw_activity(self) -> None:
        self.has_activity = any(self._series.values())
        self.activity_figure = charts.activity_figure(self._series, timezone=self.timezone)

    def _still_wanted(self, poll_id: str) -> bool:
        """This loop is the page's current one and the user is still on the page."""
        path = str(self.router.url.path).rstrip("/")
        return (
            self._poll_id == poll_id
            and bool(self.user_email)
            and path == routes.campaign_detail(self.channel, self._campaign_id)
        )

    @guarded(Role.VIEWER, background=True)
    async def poll(self, poll_id: str):
        """Every second: has the campaign moved? Then re-read the page (outside the state lock)."""
        while True:
            await asyncio.sleep(POLL_SECONDS)
            async with self:
                if not self._still_wanted(poll_id):
                    return
                self._check_workers()
                channel, campaign_id, marker = self.channel, self._campaign_id, self.marker
            current = await asyncio.to_thread(_marker, channel, campaign_id)
            if current == marker:
                continue
            async with self:
                if not (self._still_wanted(poll_id) and self._signed_in()):
                    return
                since = look_back(self._newest_event)
                args = dict(
                    channel=channel,
                    campaign_id=campaign_id,
                    recipient_filter=self.recipient_filter,
                    cursor=self._cursors[-1] if self._cursors else "",
                    events_since=since,
                    clicks_seen=self._clicks_seen,
                    answers_seen=self._answers_seen,
                )
            snapshot = await asyncio.to_thread(lambda: read_snapshot(**args))
            async with self:
                if not self._still_wanted(poll_id):
                    return
                if args["recipient_filter"] != self.recipient_filter or args["cursor"] != (
                    self._cursors[-1] if self._cursors else ""
                ):
                    continue  # the user moved in the table meanwhile: read again next tick
                self._apply(snapshot)


def _marker(channel: str, campaign_id: int) -> str:
    with session_scope() as session:
        return iso_utc(live.activity_marker(session=session, channel=channel, campaign_id=campaign_id))


# --- components ----------------------------------------------------------------------------------

S = CampaignDetailState


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


def header(channel: str) -> rx.Component:
    info = S.info
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
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            rx.cond(
                info.status_reason != "",
                rx.callout(
                    info.status_reason,
                    icon="info",
                    size="1",
                    color_scheme=rx.cond(info.status == "failed", "red", "gray"),
                ),
            ),
            rx.grid(
                rx.vstack(*content, detail_line("Audience", info.segment), spacing="1"),
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
    info = S.info
    return rx.cond(
        S.is_live,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text(rx.cond(info.status == "paused", "Paused", "Sending"), weight="medium", size="2"),
                    rx.spacer(),
                    rx.text(
                        thousands(info.processed),
                        " of ",
                        thousands(info.recipients),
                        " recipients processed · ",
                        info.progress.to_string(),
                        "%",
                        size="2",
                        id="campaign-progress-text",
                    ),
                    width="100%",
                ),
                rx.progress(value=info.progress.to(int), max=100, width="100%", id="campaign-progress"),
                width="100%",
                spacing="2",
            ),
            width="100%",
        ),
    )


def charts_section(channel: str) -> rx.Component:
    activity = charts.chart(
        "Activity per minute",
        S.activity_figure,
        chart_id="chart-activity",
        empty=~S.has_activity,
        empty_text="Nothing sent yet: the chart fills in as messages go out and events come back.",
    )
    funnel = charts.chart(
        "Delivery funnel",
        S.funnel_figure,
        chart_id="chart-funnel",
        empty=S.info.recipients == 0,
        empty_text="No recipients yet: the funnel appears once the campaign starts.",
    )
    lower = [funnel]
    if channel == Channel.EMAIL:
        lower.append(
            charts.chart(
                "Top links", S.links_figure, chart_id="chart-links", empty=~S.has_links, empty_text="No clicks yet."
            )
        )
    return rx.vstack(
        activity,
        rx.grid(*lower, columns=rx.breakpoints(initial="1", md=str(len(lower))), spacing="3", width="100%"),
        spacing="3",
        width="100%",
    )


def recipient_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row.address, size="2")),
        rx.table.cell(status_badge(row.status)),
        rx.table.cell(rx.code(row.provider_message_id, size="1", variant="ghost")),
        rx.table.cell(row.attempts, text_align="right"),
        rx.table.cell(rx.text(row.last_error, size="1", color_scheme="red", max_width="22em", trim="both")),
        rx.table.cell(rx.text(local_time(row.sent_at), size="1")),
        rx.table.cell(rx.text(local_time(row.updated_at), size="1")),
        data_status=row.status,
    )


def recipients_section() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Recipients", size="4"),
            rx.spacer(),
            rx.text("Status", size="2", color_scheme="gray"),
            rx.select(
                RECIPIENT_FILTERS,
                value=S.recipient_filter,
                on_change=S.filter_recipients,
                size="2",
                id="recipient-filter",
            ),
            align="center",
            width="100%",
        ),
        data_table(
            ["Address", "Status", "Provider message id", "Attempts", "Last error", "Sent", "Updated"],
            S.recipients,
            recipient_row,
            empty="No recipients with this status. Pick another status, or wait: the list fills in when the campaign starts.",
            table_id="recipients",
        ),
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=16),
                "Previous",
                on_click=S.previous_page,
                variant="soft",
                disabled=S.page_number <= 1,
                id="recipients-previous",
            ),
            rx.text("Page ", S.page_number, size="2", id="recipients-page"),
            rx.button(
                "Next",
                rx.icon("chevron-right", size=16),
                on_click=S.next_page,
                variant="soft",
                disabled=S.next_cursor == "",
                id="recipients-next",
            ),
            align="center",
            spacing="3",
        ),
        width="100%",
        spacing="3",
    )


def feed_section() -> rx.Component:
    return feed_card(
        "Events",
        S.events,
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
        S.replies,
        reply_item,
        list_id="replies",
        empty="No replies yet: answers to this campaign appear here as they arrive.",
    )


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
        S.loaded_key.startswith(f"{channel}/"),
        rx.cond(
            S.found,
            rx.vstack(
                header(channel),
                CampaignStatsCards(S.stats, channel=channel),
                progress_bar(),
                charts_section(channel),
                recipients_section(),
                rx.grid(
                    feed_section(),
                    replies_section(),
                    columns=rx.breakpoints(initial="1", lg="2"),
                    spacing="3",
                    width="100%",
                ),
                spacing="4",
                width="100%",
                id="campaign-detail",
            ),
            not_found(channel),
        ),
        rx.center(rx.spinner(size="3"), padding="3em"),
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
