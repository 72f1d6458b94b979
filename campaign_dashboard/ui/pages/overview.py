"""Overview: the headline numbers for a period, the campaigns sending now, and what just happened.

A background loop (`polling.follow`) reads the newest `last_activity_at` of all campaigns every
second (two reads of small tables) and, only when it moved, reads the events of the campaigns that
moved, the sending campaigns and the period's numbers. It ends when the user leaves the page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import CampaignStatus, Channel, Role
from campaign_dashboard.services import campaigns as campaign_service
from campaign_dashboard.services import stats
from campaign_dashboard.services.stats import StatsSummary, StatusCount, Totals, live
from campaign_dashboard.ui import polling, routes
from campaign_dashboard.ui.activity_feed import FeedRow, feed_card, feed_row, look_back, merge, newer
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.campaign_waiting import overview_word, refresh_slot, waiting_word, workers_alive
from campaign_dashboard.ui.components import data_table, iso_utc, list_card, status_badge, thousands
from campaign_dashboard.ui.fields import segmented
from campaign_dashboard.ui.guard import guarded
from campaign_dashboard.ui.layout import dashboard_page
from campaign_dashboard.ui.stats_cards import CampaignStatsCards

FEED_SIZE = 30
SENDING_SHOWN = 10
DEFAULT_PERIOD = "7d"


@dataclass
class SendingRow:
    key: str
    channel: str
    name: str
    href: str
    status: str
    processed: int
    recipients: int
    progress: float  # percent, one decimal
    waiting: str = ""  # why it is held up, in a word (campaign_waiting.overview_word)


@dataclass
class OverviewSnapshot:
    marker: str
    stats: StatsSummary
    sending: list[SendingRow]
    feed: list[FeedRow]
    newest_event: datetime | None
    totals: Totals | None = None
    status_counts: list[StatusCount] = field(default_factory=list)


@dataclass(frozen=True)
class OverviewQuery:
    """One read of the overview; the feed reads only campaigns that moved after `moved_since`."""

    period: str
    moved_since: datetime | None
    events_since: datetime | None
    with_totals: bool

    def read(self) -> OverviewSnapshot:
        return read_overview(**asdict(self))


def read_overview(
    *, period: str, moved_since: datetime | None, events_since: datetime | None, with_totals: bool
) -> OverviewSnapshot:
    """The overview's data (see `OverviewQuery`)."""
    with session_scope() as session:
        marker = live.latest_activity(session=session)
        summary = stats.period_summary(session=session, period=period)
        sending, alive = [], workers_alive(session)
        for channel in (Channel.EMAIL, Channel.SMS):
            page = campaign_service.list_campaigns(
                session=session, channel=channel, status=CampaignStatus.SENDING, limit=SENDING_SHOWN
            )
            sending += [
                SendingRow(
                    key=f"{channel.value}-{c.id}",
                    channel=channel.value,
                    name=c.name,
                    href=routes.campaign_detail(channel.value, c.id),
                    status=c.status,
                    processed=c.processed,
                    recipients=c.recipients,
                    progress=round(100 * stats.progress(c), 1),
                    waiting=overview_word(session, channel, c, alive),
                )
                for c in page.items
            ]
        moved = live.active_campaigns(session=session, since=moved_since)
        names = {(c.channel, c.id): c.name for c in moved}
        events = live.recent_events_across(session=session, campaigns=moved, since=events_since, limit=FEED_SIZE)
        feed = [feed_row(e, campaign=names.get((e.channel, e.campaign_id), "?")) for e in events]
        snapshot = OverviewSnapshot(
            marker=iso_utc(marker),
            stats=summary,
            sending=sending[:SENDING_SHOWN],
            feed=feed,
            newest_event=events[0].received_at if events else events_since,
        )
        if with_totals:
            snapshot.totals, snapshot.status_counts = stats.overview_counts(session=session)
    return snapshot


class OverviewState(AuthState):
    period: str = DEFAULT_PERIOD
    stats: StatsSummary = StatsSummary()
    sending: list[SendingRow] = []
    feed: list[FeedRow] = []
    totals: Totals = Totals()
    status_counts: list[StatusCount] = []
    marker: str = ""

    _poll_id: str = ""
    _marker_at: datetime | None = None
    _newest_event: datetime | None = None

    @guarded(Role.VIEWER)
    def load(self):
        self._poll_id = polling.new_poll_id()
        self.feed = []
        self._newest_event = None
        snapshot = read_overview(period=self.period, moved_since=None, events_since=None, with_totals=True)
        self._apply(snapshot)
        return OverviewState.poll(self._poll_id)

    @guarded(Role.VIEWER)
    def set_period(self, period: str | list[str]):
        if not isinstance(period, str) or period not in stats.PERIODS:
            return rx.toast.error(f"Unknown period {period!r}.")
        self.period = period
        with session_scope() as session:
            self.stats = stats.period_summary(session=session, period=period)
        return None

    def _apply(self, snapshot: OverviewSnapshot) -> None:
        self.marker = snapshot.marker + refresh_slot()  # as `_latest_marker` reads it
        self._marker_at = datetime.fromisoformat(snapshot.marker) if snapshot.marker else None
        self.stats = snapshot.stats
        self.sending = snapshot.sending
        if (feed := merge(snapshot.feed, self.feed, FEED_SIZE)) != self.feed:
            self.feed = feed
        self._newest_event = newer(self._newest_event, snapshot.newest_event)
        if snapshot.totals is not None:
            self.totals, self.status_counts = snapshot.totals, snapshot.status_counts

    # -- live (`polling.follow`) -----------------------------------------------------------------

    def _live_path(self) -> str:
        return routes.OVERVIEW.rstrip("/")

    def _marker_reader(self):
        return _latest_marker

    def _live_read(self) -> OverviewQuery:
        return OverviewQuery(
            period=self.period,
            moved_since=look_back(self._marker_at),
            events_since=look_back(self._newest_event),
            with_totals=False,
        )

    def _apply_live(self, request: OverviewQuery, snapshot: OverviewSnapshot) -> None:
        if self.period != request.period:
            snapshot.stats = self.stats  # the user picked another period meanwhile
        self._apply(snapshot)

    @guarded(Role.VIEWER, background=True)
    async def poll(self, poll_id: str):
        """Every second: did any campaign move? Then read what moved (outside the state lock)."""
        await polling.follow(self, poll_id)


def _latest_marker() -> str:
    with session_scope() as session:
        return iso_utc(live.latest_activity(session=session)) + refresh_slot()


# --- components ----------------------------------------------------------------------------------

PERIOD_ITEMS = [(label, key) for key, (label, _) in stats.PERIODS.items()]


SHORT_LABELS = {"Last 24 hours": "24 h", "Last 7 days": "7 days", "Last 30 days": "30 days", "All time": "All"}


def period_selector() -> rx.Component:
    """The period: written out on wider screens, in short words on a phone (the long labels make
    a control wider than the screen)."""
    return rx.fragment(
        segmented(
            PERIOD_ITEMS,
            OverviewState.period,
            OverviewState.set_period,
            id="period-selector",
            display=rx.breakpoints(initial="none", sm="inline-grid"),
        ),
        segmented(
            [(SHORT_LABELS.get(label, label), key) for label, key in PERIOD_ITEMS],
            OverviewState.period,
            OverviewState.set_period,
            id="period-selector-short",
            aria_label="Period",
            display=rx.breakpoints(initial="inline-grid", sm="none"),
        ),
    )


def sending_row(row: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.badge(row.channel, variant="outline"),
            rx.link(row.name, href=row.href, weight="medium", size="2"),
            rx.spacer(),
            waiting_word(row.waiting),
            rx.text(
                thousands(row.processed),
                " / ",
                thousands(row.recipients),
                " · ",
                row.progress.to_string(),
                "%",
                size="1",
                color_scheme="gray",
            ),
            align="center",
            width="100%",
        ),
        rx.progress(value=row.progress.to(int), max=100, width="100%", aria_label=row.name.to(str) + " progress"),
        spacing="1",
        width="100%",
        class_name="sending-campaign",
    )


def sending_section() -> rx.Component:
    return list_card(
        "Sending now",
        OverviewState.sending,
        sending_row,
        list_id="sending-now",
        empty="No campaign is sending right now. Start one from the Email or SMS page.",
    )


def feed_section() -> rx.Component:
    return feed_card(
        "Live activity",
        OverviewState.feed,
        feed_id="live-feed",
        empty="Nothing has happened yet. Deliveries, opens, clicks and replies appear here as they arrive.",
    )


def status_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(status_badge(row.status)),
        rx.table.cell(thousands(row.email), text_align="right"),
        rx.table.cell(thousands(row.sms), text_align="right"),
    )


def totals_section() -> rx.Component:
    totals = OverviewState.totals
    return rx.card(
        rx.vstack(
            rx.heading("Campaigns by status", size="4"),
            data_table(
                ["Status", "Email", "SMS"],
                OverviewState.status_counts,
                status_row,
                empty="Loading…",
                table_id="status-counts",
            ),
            rx.text(
                thousands(totals.contacts),
                " contacts · ",
                thousands(totals.segments),
                " segments · ",
                thousands(totals.templates),
                " templates",
                size="2",
                color_scheme="gray",
                id="totals",
            ),
            width="100%",
        ),
        width="100%",
    )


@dashboard_page(route=routes.OVERVIEW, title="Overview", on_load=OverviewState.load)
def overview_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Across all campaigns", size="4"),
            rx.spacer(),
            period_selector(),
            align="center",
            width="100%",
            wrap="wrap",
        ),
        CampaignStatsCards(OverviewState.stats),
        rx.grid(
            rx.vstack(sending_section(), totals_section(), spacing="3", width="100%"),
            feed_section(),
            columns=rx.breakpoints(initial="1", lg="2"),
            spacing="3",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
