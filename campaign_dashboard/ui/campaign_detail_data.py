"""What a campaign's live page shows, read in one go through the services (outside the state lock).

`SnapshotQuery.read()` is the page's whole read: the campaign and its numbers, the actions it
allows, who changed its status (the audit log), the charts' series, top links and replies (only
when their counters moved), the newest events and one page of recipients. Every read is indexed
and bounded; counters come from the campaign row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import CampaignStatus, Channel, RecipientStatus, Topic
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.audience import segments
from campaign_dashboard.services.campaigns import follow_ups
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.services.events import replies
from campaign_dashboard.services.events.breaker import paused_by_breaker
from campaign_dashboard.services.stats import (
    StatsSummary,
    StatusChange,
    last_change,
    live,
    status_changes,
    summary_of,
    top_links,
)
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.activity_feed import FeedRow, feed_row
from campaign_dashboard.ui.campaign_ab_data import AbPanel, read_ab_panel
from campaign_dashboard.ui.campaign_waiting import WaitingPanel, quiet_hours_until, read_waiting, refresh_slot
from campaign_dashboard.ui.components import iso_utc

FEED_SIZE = 30
PAGE_SIZE = 25
LINKS_LISTED = 50  # rows of the clicks-per-link table (the chart draws the first CHARTED_LINKS)
CHARTED_LINKS = 10
ALL = "all"
RECIPIENT_FILTERS = [ALL, *[s.value for s in RecipientStatus]]
# The page's buttons, in this order, when the campaign allows them. Start and schedule stay on the
# list and in the form (they ask first there); edit opens the form.
PAGE_ACTIONS = ("start", "pause", "resume", "cancel", "edit", "duplicate", "follow_up")
MARKED = ("pause", "resume")  # drawn on the activity chart
ACTIVITY_METRICS = {
    Channel.EMAIL: ("sent", "delivered", "opened", "clicked"),
    Channel.SMS: ("sent", "delivered", "failed"),
}


@dataclass
class CampaignInfo:
    id: int = 0
    name: str = ""
    status: str = ""
    status_reason: str = ""
    status_note: str = ""  # the reason as the page says it: "Cancelled by ann@…: wrong list"
    breaker: bool = False  # paused by the reputation breaker: resuming asks first
    actions: list[str] = field(default_factory=list)  # of PAGE_ACTIONS
    subject: str = ""
    sender: str = ""
    reply_to: str = ""
    body: str = ""
    segment: str = ""
    topic: str = ""  # the topic's name ("": none); its leavers are not in the audience
    follows_up: str = ""  # a follow-up's campaign and audience: '“Spring sale” — did not open'
    follows_up_href: str = ""
    frequency_cap: str = ""  # "12 contacts skipped by the frequency cap", or that the campaign ignores it
    local_time: str = ""  # "09:00 in each contact's time zone (without one: Europe/Paris)"
    created_at: str = ""
    scheduled_at: str = ""
    started_at: str = ""
    completed_at: str = ""
    progress: float = 0.0  # percent, one decimal (recipients and processed are in the stats)


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
    waits_until: str = ""  # a pending row's quiet-hours window start (ISO UTC)


@dataclass
class LinkRow:
    url: str
    clicks: int


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
    marks: list[tuple[datetime, str]] = field(default_factory=list)  # pauses and resumes
    replies: list[ReplyRow] | None = None
    events: list[FeedRow] = field(default_factory=list)
    newest_event: datetime | None = None
    recipients: list[RecipientRow] = field(default_factory=list)
    next_cursor: str = ""
    waiting: WaitingPanel = field(default_factory=WaitingPanel)
    ab: AbPanel = field(default_factory=AbPanel)


@dataclass(frozen=True)
class SnapshotQuery:
    """One read of a campaign's page. Top links and replies are only re-read when the counters
    that feed them moved (`clicks_seen`, `answers_seen`: what the page last showed)."""

    channel: str
    campaign_id: int
    recipient_filter: str
    cursor: str
    events_since: datetime | None
    clicks_seen: int | None
    answers_seen: int | None

    def read(self) -> Snapshot:
        with session_scope() as session:
            return self._read(session)

    def _read(self, session) -> Snapshot:
        channel, campaign_id = self.channel, self.campaign_id
        try:
            campaign = campaigns.get(session=session, channel=channel, campaign_id=campaign_id)
        except DomainError:
            return Snapshot(found=False)
        stats = summary_of(campaign, channel)
        changes = status_changes(session=session, channel=channel, campaign_id=campaign_id)
        snapshot = Snapshot(
            found=True,
            marker=iso_utc(campaign.last_activity_at) + refresh_slot(),
            info=_info(campaign, _segment_name(session, campaign.segment_id), stats, channel, changes),
            stats=stats,
            marks=[(c.at, c.action) for c in changes if c.action in MARKED],
        )
        snapshot.info.follows_up, snapshot.info.follows_up_href = _follows_up(session, channel, campaign)
        topic = session.get(Topic, campaign.topic_id) if campaign.topic_id else None
        snapshot.info.topic = topic.name if topic else ""
        snapshot.waiting = read_waiting(session, channel, campaign)
        snapshot.ab = read_ab_panel(session, channel, campaign)
        snapshot.series = live.minute_series(
            session=session, channel=channel, campaign_id=campaign_id, metrics=ACTIVITY_METRICS[Channel(channel)]
        )
        if channel == Channel.EMAIL and stats.clicked != self.clicks_seen:
            snapshot.links = top_links(session=session, campaign_id=campaign_id, limit=LINKS_LISTED)
        if stats.replied + stats.unsubscribed != self.answers_seen:
            answers = replies.campaign_replies(session=session, channel=channel, campaign_id=campaign_id)
            snapshot.replies = [
                ReplyRow(r.id, r.kind, r.from_address, r.subject, r.text, iso_utc(r.received_at)) for r in answers
            ]
        feed = live.recent_events(
            session=session, channel=channel, campaign_id=campaign_id, since=self.events_since, limit=FEED_SIZE
        )
        snapshot.events = [feed_row(e) for e in feed]
        snapshot.newest_event = feed[0].received_at if feed else self.events_since
        page = campaigns.recipients_page(
            session=session,
            channel=channel,
            campaign_id=campaign_id,
            status=None if self.recipient_filter == ALL else self.recipient_filter,
            cursor=self.cursor or None,
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
                waits_until=quiet_hours_until(r.status, r.last_error),
            )
            for r in page.items
        ]
        snapshot.next_cursor = page.next_cursor or ""
        return snapshot


def _info(campaign, segment: str, stats: StatsSummary, channel: str, changes: list[StatusChange]) -> CampaignInfo:
    public = campaigns.to_dict(campaign, channel)
    allowed = {*public["allowed_actions"], "duplicate", *(["edit"] if public["can_edit"] else [])}
    if follow_ups.can_follow_up(campaign):
        allowed.add("follow_up")
    return CampaignInfo(
        id=campaign.id,
        name=campaign.name,
        status=campaign.status,
        status_reason=campaign.status_reason or "",
        status_note=status_note(campaign.status, campaign.status_reason or "", changes),
        breaker=paused_by_breaker(campaign),
        actions=[a for a in PAGE_ACTIONS if a in allowed],
        subject=getattr(campaign, "subject", ""),
        sender=(getattr(campaign, "from_email", None) or getattr(campaign, "from_number", None) or ""),
        reply_to=getattr(campaign, "reply_to", None) or "",
        body=getattr(campaign, "body", ""),
        segment=segment,
        frequency_cap=frequency_cap_words(campaign),
        local_time=local_time_words(campaign),
        created_at=iso_utc(campaign.created_at),
        scheduled_at=iso_utc(campaign.scheduled_at),
        started_at=iso_utc(campaign.started_at),
        completed_at=iso_utc(campaign.completed_at),
        progress=round(100 * stats.progress, 1),
    )


def local_time_words(campaign) -> str:
    """When a campaign sent at a local time goes out, as its page says it ("": as fast as it can)."""
    if not campaign.local_send_time:
        return ""
    return f"{campaign.local_send_time} in each contact's time zone (without one: {campaign.local_time_zone or 'UTC'})"


def frequency_cap_words(campaign) -> str:
    """What the frequency cap did to the campaign, as its page says it ("": nothing to say)."""
    if campaign.frequency_capped:
        n = campaign.frequency_capped
        return f"{n:,} contact{'' if n == 1 else 's'} skipped by the frequency cap"
    return "Ignored for this campaign (an urgent notice)" if campaign.ignore_frequency_cap else ""


def status_note(status: str, reason: str, changes: list[StatusChange]) -> str:
    """What the header says under the status: who cancelled and why, else the stored reason."""
    if status != CampaignStatus.CANCELLED:
        return reason
    who = last_change(changes, "cancel")
    if who is None or not who.actor:
        return reason  # the badge already says cancelled; the log does not say by whom
    return f"Cancelled by {who.actor}: {reason}" if reason else f"Cancelled by {who.actor}."


def _follows_up(session, channel: str, campaign) -> tuple[str, str]:
    """What a follow-up follows up, in words, and the page of that campaign ("", "" if none)."""
    if not campaign.follow_up_of:
        return "", ""
    label = follow_ups.AUDIENCES[Channel(channel)].get(campaign.follow_up_audience or "", "Some recipients")
    try:
        source = campaigns.get(session=session, channel=channel, campaign_id=campaign.follow_up_of)
    except DomainError:  # deleted since
        return f"campaign #{campaign.follow_up_of} — {label.lower()}", ""
    return f"“{source.name}” — {label.lower()}", routes.campaign_detail(channel, campaign.follow_up_of)


def _segment_name(session, segment_id: int | None) -> str:
    if not segment_id:
        return ""
    try:
        return segments.get_segment(session=session, segment_id=segment_id).name
    except DomainError:  # deleted since
        return ""


def read_marker(channel: str, campaign_id: int) -> str:
    """The campaign's "something moved" marker (one primary-key read)."""
    with session_scope() as session:
        return iso_utc(live.activity_marker(session=session, channel=channel, campaign_id=campaign_id)) + refresh_slot()


def funnel_steps(channel: str, stats: StatsSummary) -> list[tuple[str, int]]:
    steps = [("Recipients", stats.recipients), ("Sent", stats.sent), ("Delivered", stats.delivered)]
    if channel == Channel.EMAIL:
        steps += [("Opened", stats.unique_human_opens), ("Clicked", stats.unique_human_clicks)]  # by people
    return steps
