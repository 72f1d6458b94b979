"""Why a campaign is not moving, and when it should be done.

A campaign at 67.8% can be waiting for its recipients' quiet hours or for its A/B test's winner,
held to the provider's rate, retrying provider errors, paused by the system (a used-up quota, the
reputation breaker), or stuck with no worker running. `progress` says which, in words, with the counts behind it and an
estimate of when the last message goes out (the configured rate plus the quiet-hours waits). It
reads the campaign row, the worker heartbeats and one grouped pass over the campaign's unsent rows
(index campaign_id, status, id): cheap enough for the live page. `reason_word` answers the
overview with index probes only, never a count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlmodel import Session, col

from campaign_dashboard.config import Settings
from campaign_dashboard.models import CampaignStatus, Channel, RecipientStatus, utcnow
from campaign_dashboard.services.channels import campaign_model, recipient_model
from campaign_dashboard.services.events.breaker import paused_by_breaker
from campaign_dashboard.services.operations.disk_space import disk_full
from campaign_dashboard.services.operations.workers import last_seen, live_workers
from campaign_dashboard.services.sending.ab_split import test_of
from campaign_dashboard.services.sending.ledger import CHUNK
from campaign_dashboard.services.sending.throttle import QUIET_HOURS_NOTE

METRIC_WORDS = {
    "open_rate": "open rate",
    "click_rate": "click rate",
    "reply_rate": "reply rate",
    "delivery_rate": "delivery rate",
}
MOVING = (CampaignStatus.SENDING, CampaignStatus.SCHEDULED)  # what a worker has to move
RATE_LIMITED_AFTER = timedelta(minutes=1)  # ready work the rate needs longer than this for: say so

NO_WORKER, DISK_FULL, PAUSED, BREAKER, QUIET_HOURS, SEND_TIME, PROVIDER_ERRORS, RATE_LIMITED, AB_TEST = (
    "no_worker",
    "disk_full",
    "paused",
    "breaker",
    "quiet_hours",
    "send_time",
    "provider_errors",
    "rate_limited",
    "ab_test",
)
WORDS = {
    NO_WORKER: "no worker",
    DISK_FULL: "disk full",
    PAUSED: "paused",
    BREAKER: "reputation breaker",
    QUIET_HOURS: "quiet hours",
    SEND_TIME: "local send time",
    PROVIDER_ERRORS: "provider errors",
    RATE_LIMITED: "rate limited",
    AB_TEST: "A/B test",
}
# Reasons that only hold some recipients back: the overview's word once nothing else can go.
PARTIAL = (QUIET_HOURS, SEND_TIME, AB_TEST)


@dataclass(frozen=True)
class Reason:
    """One reason, in words. `at` is the time the sentence ends with (the next quiet-hours window,
    when a worker was last seen), kept apart so each reader shows it in its own time zone."""

    kind: str
    message: str
    at: datetime | None = None
    at_label: str = ""  # "Next window opens", "Last worker seen"

    @property
    def word(self) -> str:
        return WORDS[self.kind]

    @property
    def sentence(self) -> str:
        """The whole sentence, the time in UTC (for API readers)."""
        if self.at is None:
            return self.message
        return f"{self.message} {self.at_label} {self.at:%Y-%m-%d %H:%M} UTC."


@dataclass(frozen=True)
class Progress:
    """Where one campaign's unsent recipients are, why they wait, and when the last should go."""

    channel: str
    campaign_id: int
    status: str
    remaining: int = 0  # recipients without a send outcome yet
    ready: int = 0  # pending and claimable now
    in_flight: int = 0  # claimed by a worker, being sent
    waiting_quiet_hours: int = 0  # SMS deferred until their quiet hours end
    waiting_send_time: int = 0  # waiting for the campaign's local send time in their time zone
    retrying: int = 0  # pending or claimed after a provider error
    next_window: datetime | None = None  # the earliest end of a deferred row's quiet hours
    next_send_time: datetime | None = None  # the next zone's turn (local send time)
    last_send_time: datetime | None = None  # the last zone's turn
    rate_per_second: float = 0.0  # messages a second the configured limit allows (0: no limit)
    eta: datetime | None = None  # when the last message should go out; None: nothing to estimate
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class _Rows:
    ready: int = 0
    in_flight: int = 0
    retrying: int = 0
    quiet: dict[datetime, int] = field(default_factory=dict)  # quiet-hours window start -> rows
    send_time: dict[datetime, int] = field(default_factory=dict)  # local send time -> rows
    last_error: str | None = None
    held: int = 0  # an A/B test's remainder, waiting for the winner
    winner_at: datetime | None = None  # when the tick picks it (the wait's end)
    metric: str = ""

    @property
    def deferred(self) -> dict[datetime, int]:
        """Every row waiting for a time, by that time."""
        merged = dict(self.quiet)
        for at, n in self.send_time.items():
            merged[at] = merged.get(at, 0) + n
        return merged


def progress(
    *, session: Session, settings: Settings, channel: str, campaign_id: int, now: datetime | None = None
) -> Progress | None:
    """Counts, reasons and ETA of one campaign; None when it does not exist."""
    now = now or utcnow()
    campaign = session.get(campaign_model(channel), campaign_id)
    if campaign is None:
        return None
    timeout = timedelta(seconds=settings.worker_heartbeat_timeout_seconds)
    workers = live_workers(session, timeout=timeout, now=now) if campaign.status in MOVING else 0
    return progress_of(session=session, settings=settings, channel=channel, campaign=campaign, workers=workers, now=now)


def progress_of(
    *, session: Session, settings: Settings, channel: str, campaign: Any, workers: int, now: datetime | None = None
) -> Progress:
    """`progress` of a campaign row already read, `workers` alive (`operations.workers.live_workers`)."""
    now = now or utcnow()
    status = campaign.status
    if status not in (*MOVING, CampaignStatus.PAUSED):
        return Progress(channel=channel, campaign_id=campaign.id, status=status)
    remaining = max(0, campaign.recipients - campaign.processed)
    rows = _count_rows(session, channel, campaign.id, remaining, now)
    _hold_for_winner(session, channel, campaign, rows)
    rate = send_rate(settings, channel)
    free = disk_full(settings.database_url)  # one look at the disk per read of the page
    stuck = status == CampaignStatus.PAUSED or not workers or free is not None
    return Progress(
        channel=channel,
        campaign_id=campaign.id,
        status=status,
        remaining=remaining,
        ready=rows.ready,
        in_flight=rows.in_flight,
        waiting_quiet_hours=sum(rows.quiet.values()),
        waiting_send_time=sum(rows.send_time.values()),
        retrying=rows.retrying,
        next_window=min(rows.quiet, default=None),
        next_send_time=min(rows.send_time, default=None),
        last_send_time=max(rows.send_time, default=None),
        rate_per_second=rate,
        eta=None if stuck else _eta(rows, rate, start=max(now, campaign.scheduled_at or now)),
        reasons=_reasons(session, settings, channel, campaign, rows, rate, workers=workers, free=free),
    )


def send_rate(settings: Settings, channel: str) -> float:
    """Messages a second the configured limit allows one campaign: Resend's requests a second
    times the emails a batch call carries; Twilio's messages a second per sender (a campaign sends
    from one). 0: no limit. The buckets are per account or sender, so campaigns sharing one
    share the rate: this is an upper bound."""
    if channel == Channel.EMAIL:
        return max(0.0, settings.resend_requests_per_second) * CHUNK
    return max(0.0, settings.twilio_mps_per_sender)


def _erroring(recipient: Any) -> ColumnElement[bool]:
    """A provider error is noted on the row (a quiet-hours note is not one)."""
    return and_(col(recipient.last_error).is_not(None), ~_quiet(recipient))


def _quiet(recipient: Any) -> ColumnElement[bool]:
    return col(recipient.last_error).startswith(QUIET_HOURS_NOTE)


def _count_rows(session: Session, channel: str, campaign_id: int, remaining: int, now: datetime) -> _Rows:
    """The claimed rows (a few batches) grouped by whether a provider error is noted on them; the
    deferred rows by time, quiet hours (a note on the row) apart from the local send time (index
    campaign_id, status, not_before: only those rows are read). Pending rows are never scanned:
    the ready ones are what the counters leave."""
    Recipient = recipient_model(channel)
    rows = _Rows()
    claimed = [col(Recipient.campaign_id) == campaign_id, col(Recipient.status) == RecipientStatus.CLAIMED]
    erroring = case((_erroring(Recipient), 1), else_=0).label("erroring")
    result: Any = session.execute(select(erroring, func.count()).where(*claimed).group_by(erroring))
    for error, count in result:
        rows.in_flight += count
        rows.retrying += count if error else 0
    if rows.retrying:
        rows.last_error = session.scalar(
            select(col(Recipient.last_error))
            .where(*claimed, _erroring(Recipient))
            .order_by(col(Recipient.id).desc())
            .limit(1)
        )
    quiet = case((_quiet(Recipient), 1), else_=0).label("quiet")
    result = session.execute(
        select(col(Recipient.not_before), quiet, func.count())
        .where(
            col(Recipient.campaign_id) == campaign_id,
            col(Recipient.status) == RecipientStatus.PENDING,
            col(Recipient.not_before) > now,
        )
        .group_by(col(Recipient.not_before), quiet)
    )
    for until, for_quiet_hours, count in result:
        (rows.quiet if for_quiet_hours else rows.send_time)[until] = count
    rows.ready = max(0, remaining - rows.in_flight - sum(rows.deferred.values()))
    return rows


def _hold_for_winner(session: Session, channel: str, campaign: Any, rows: _Rows) -> None:
    """The remainder of an A/B test not decided yet is not ready: it waits for the winner."""
    test = test_of(session, channel, campaign.id)
    if test is None or test.decided_at is not None or not test.remainder:
        return
    rows.held = min(test.remainder, rows.ready)
    rows.ready -= rows.held
    rows.winner_at = (campaign.started_at or utcnow()) + timedelta(minutes=test.wait_minutes)
    rows.metric = METRIC_WORDS.get(test.metric, test.metric)


def _eta(rows: _Rows, rate: float, *, start: datetime) -> datetime | None:
    """When the last message should go out: what is ready now at the rate, then each quiet-hours
    group once its window opens. Rows not yet claimed may still meet their quiet hours, so with
    SMS this is the soonest it can be."""
    if not (rows.ready or rows.in_flight or rows.deferred or rows.held):
        return None
    pace = (lambda n: timedelta(seconds=n / rate)) if rate > 0 else (lambda n: timedelta(0))
    done = start + pace(rows.ready + rows.in_flight)
    if rows.held and rows.winner_at is not None:
        done = max(done, rows.winner_at) + pace(rows.held)
    for until in sorted(rows.deferred):
        done = max(done, until) + pace(rows.deferred[until])
    return done


def _reasons(
    session, settings, channel, campaign, rows: _Rows, rate: float, *, workers: int, free: int | None
) -> list[Reason]:
    """The reasons, the one that stops everything first."""
    reasons = []
    if paused_by_breaker(campaign):
        # the reason holds the counts and the rates (services/events/breaker.Trip.reason)
        return [Reason(BREAKER, campaign.status_reason or "Paused by the reputation breaker.")]
    if campaign.status == CampaignStatus.PAUSED:
        why = campaign.status_reason
        message = f"Paused: {why}" if why else "Paused: nothing is sent until someone resumes it."
        return [Reason(PAUSED, message)]
    if free is not None:  # bytes left on a (nearly) full SQLite disk
        reasons.append(
            Reason(
                DISK_FULL,
                f"The disk holding the database is full ({free // 1024:,} KB free), so nothing can be"
                " recorded and sending waits; nothing is lost. Free some space and the campaign carries"
                " on by itself.",
            )
        )
    if not workers:
        seen = last_seen(session)
        reasons.append(
            Reason(
                NO_WORKER,
                "No worker is running, so nothing is sent. Start one (campaign-dashboard worker) "
                "and the campaign carries on where it stopped.",
                at=seen,
                at_label="Last worker seen" if seen else "",
            )
        )
    if campaign.status != CampaignStatus.SENDING:
        return reasons
    if rows.send_time:
        waiting = sum(rows.send_time.values())
        zones = f" (contacts without one: {campaign.local_time_zone})" if campaign.local_time_zone else ""
        turns = len(rows.send_time)
        reasons.append(
            Reason(
                SEND_TIME,
                f"{_count(waiting, 'recipient', verb=True)} waiting for {campaign.local_send_time} in their own "
                f"time zone{zones}: {_count(turns, 'send time')} to come.",
                at=min(rows.send_time),
                at_label="Next zone's turn",
            )
        )
    if rows.quiet:
        waiting = sum(rows.quiet.values())
        reasons.append(
            Reason(
                QUIET_HOURS,
                f"{_count(waiting, 'recipient', verb=True)} waiting for their quiet hours to end: SMS goes out between "
                f"{settings.quiet_hours_start:02d}:00 and {settings.quiet_hours_end:02d}:00 in each "
                "recipient's own time zone.",
                at=min(rows.quiet),
                at_label="Next window opens",
            )
        )
    if rows.held:
        reasons.append(
            Reason(
                AB_TEST,
                f"{_count(rows.held, 'recipient', verb=True)} waiting for the A/B test's winner: the variant "
                f"with the best {rows.metric} once the test messages are out and the wait is over, or sooner "
                "if someone picks it now.",
                at=rows.winner_at,
                at_label="The wait ends",
            )
        )
    if rows.retrying:
        reasons.append(
            Reason(
                PROVIDER_ERRORS,
                f"The provider answered with an error; {_count(rows.retrying, 'recipient', verb=True)} being retried "
                f"with backoff. Last error: {rows.last_error}",
            )
        )
    ready = rows.ready + rows.in_flight
    if workers and rate > 0 and ready and timedelta(seconds=ready / rate) > RATE_LIMITED_AFTER:
        reasons.append(Reason(RATE_LIMITED, _rate_sentence(settings, channel, ready, rate)))
    return reasons


def _rate_sentence(settings: Settings, channel: str, ready: int, rate: float) -> str:
    if channel == Channel.EMAIL:
        per = settings.resend_requests_per_second
        limit = f"Resend takes {_per_second(per, 'request')} (RESEND_REQUESTS_PER_SECOND) of {CHUNK} emails each"
    else:
        limit = f"Twilio takes {_per_second(rate, 'message')} per sender (TWILIO_MPS_PER_SENDER)"
    return f"Rate limited: {limit}, so the {_count(ready, 'recipient')} ready now take about {_duration(ready / rate)}."


def _per_second(rate: float, noun: str) -> str:
    return f"{rate:g} {noun}{'' if rate == 1 else 's'} a second"


def _count(n: int, noun: str, verb: bool = False) -> str:
    """`3 recipients`, or with `verb` `3 recipients are` / `1 recipient is`."""
    words = f"{n:,} {noun}{'' if n == 1 else 's'}"
    return f"{words} {'is' if n == 1 else 'are'}" if verb else words


def _duration(seconds: float) -> str:
    """Seconds in words a person reads at a glance: "3 minutes", "2 hours 5 minutes", "4 days"."""
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}" + (f" {minutes} minutes" if minutes else "")
    return f"{round(hours / 24)} days"


def reason_word(
    *, session: Session, settings: Settings, channel: str, campaign: Any, workers: int, now: datetime | None = None
) -> str:
    """The overview's word for a campaign that is held up ("" while it just sends): the first
    reason, where waiting for quiet hours or a send time only counts once nothing else can go."""
    found = progress_of(
        session=session, settings=settings, channel=channel, campaign=campaign, workers=workers, now=now
    )
    for reason in found.reasons:
        if reason.kind not in PARTIAL or not (found.ready or found.in_flight):
            return reason.word
    return ""
