"""The state of a campaign's live page (`/email/<id>`, `/sms/<id>`).

While the page is open `polling.follow` reads the campaign's `last_activity_at` every second and
re-reads the rest (`SnapshotQuery`) only when it moved; each load starts a new loop and retires
the previous one. Figures go to the browser only when their numbers moved.
"""

from __future__ import annotations

from datetime import datetime

import plotly.graph_objects as go
import reflex as rx

from campaign_dashboard.models import Channel, Role
from campaign_dashboard.services.stats import StatsSummary
from campaign_dashboard.ui import charts, polling, routes
from campaign_dashboard.ui.activity_feed import FeedRow, look_back, merge, newer
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.campaign_ab_data import AbPanel
from campaign_dashboard.ui.campaign_detail_data import (
    ALL,
    CHARTED_LINKS,
    FEED_SIZE,
    RECIPIENT_FILTERS,
    CampaignInfo,
    LinkRow,
    RecipientRow,
    ReplyRow,
    Snapshot,
    SnapshotQuery,
    funnel_steps,
    read_marker,
)
from campaign_dashboard.ui.campaign_waiting import WaitingPanel
from campaign_dashboard.ui.guard import BAD_REQUEST, guarded

LIVE_STATUSES = ("sending", "paused")


class CampaignDetailState(AuthState):
    channel: str = ""
    # "email/8" once the vars below hold that campaign ("" while loading): the page never shows
    # the previous campaign's numbers under a new URL.
    loaded_key: str = ""
    found: bool = True
    info: CampaignInfo = CampaignInfo()
    stats: StatsSummary = StatsSummary()
    waiting: WaitingPanel = WaitingPanel()
    ab: AbPanel = AbPanel()  # the A/B test's cards and decision (not shown without one)
    activity_figure: go.Figure = go.Figure()
    funnel_figure: go.Figure = go.Figure()
    links_figure: go.Figure = go.Figure()
    has_activity: bool = False
    has_links: bool = False
    links: list[LinkRow] = []  # clicks per URL, the table under the chart
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
    _marks: list = []  # (when, "pause" | "resume") drawn on the activity chart
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
        self._poll_id = polling.new_poll_id()
        self._reset_view()
        raw = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        self._campaign_id = int(raw) if raw.isdigit() else 0
        if not self._campaign_id:
            self.found = False
            self.loaded_key = f"{channel}/{raw}"
            return
        self._apply(self._query(events_since=None).read())
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
        self._series, self._funnel, self._marks = {}, [], []
        self.links = []
        self.has_links = self.has_activity = False

    @guarded(Role.VIEWER)
    def set_timezone(self, timezone: str):
        if isinstance(timezone, str) and timezone and timezone != self.timezone:
            self.timezone = timezone
            self._draw_activity()

    @guarded(Role.VIEWER)
    def refresh(self):
        """Re-read the page now (after an action on it: its audit entry is written by then)."""
        if self._campaign_id:
            return self._reload_recipients()

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
        self._apply(self._query(events_since=look_back(self._newest_event)).read())
        return None

    def _query(self, *, events_since: datetime | None) -> SnapshotQuery:
        return SnapshotQuery(
            channel=self.channel,
            campaign_id=self._campaign_id,
            recipient_filter=self.recipient_filter,
            cursor=self._cursor(),
            events_since=events_since,
            clicks_seen=self._clicks_seen,
            answers_seen=self._answers_seen,
        )

    def _cursor(self) -> str:
        return self._cursors[-1] if self._cursors else ""

    def _apply(self, snapshot: Snapshot) -> None:
        self.found = snapshot.found
        if not snapshot.found:
            return
        self.marker = snapshot.marker
        self.info = snapshot.info
        self.stats = snapshot.stats
        self.waiting = snapshot.waiting
        if snapshot.ab != self.ab:
            self.ab = snapshot.ab
        # figures go to the browser whole: only send them again when their numbers moved
        if snapshot.series != self._series or snapshot.marks != self._marks or not self.has_activity:
            self._series, self._marks = snapshot.series, snapshot.marks
            self._draw_activity()
        steps = funnel_steps(self.channel, snapshot.stats)
        if steps != self._funnel:
            self._funnel = steps
            self.funnel_figure = charts.funnel_figure(steps)
        if snapshot.links is not None:
            self._clicks_seen = snapshot.stats.clicked
            self.has_links = bool(snapshot.links)
            self.links_figure = charts.links_figure(snapshot.links[:CHARTED_LINKS])
            self.links = [LinkRow(url=url, clicks=clicks) for url, clicks in snapshot.links]
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
        self.activity_figure = charts.activity_figure(self._series, timezone=self.timezone, marks=self._marks)

    # -- live (`polling.follow`) -----------------------------------------------------------------

    def _live_path(self) -> str:
        return routes.campaign_detail(self.channel, self._campaign_id)

    def _marker_reader(self):
        channel, campaign_id = self.channel, self._campaign_id
        return lambda: read_marker(channel, campaign_id)

    def _live_read(self) -> SnapshotQuery:
        return self._query(events_since=look_back(self._newest_event))

    def _apply_live(self, request: SnapshotQuery, snapshot: Snapshot) -> None:
        if (request.recipient_filter, request.cursor) != (self.recipient_filter, self._cursor()):
            return  # the user moved in the table meanwhile: read again next tick
        self._apply(snapshot)

    @guarded(Role.VIEWER, background=True)
    async def poll(self, poll_id: str):
        """Every second: has the campaign moved? Then re-read the page (outside the state lock)."""
        await polling.follow(self, poll_id)
