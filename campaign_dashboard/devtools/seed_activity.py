"""What sending left on a demo campaign: each recipient's ledger status, the counters those statuses
imply, and the counters spread over per-minute buckets and click events, consistent the way the
send path keeps them (the demo seed and `bench pages` build campaigns this way)."""

from __future__ import annotations

import itertools
import math
import random
import uuid
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from campaign_dashboard.devtools.demo_content import DEMO_LINKS, Plan
from campaign_dashboard.models import (
    CampaignStatsMinute,
    CampaignStatus,
    EmailCampaignRecipient,
    EmailEvent,
    RecipientStatus,
    SentEmail,
)
from campaign_dashboard.services.campaigns import SENT_RECIPIENT_STATUSES
from campaign_dashboard.services.events.breaker import HARD_BOUNCED, Limits
from campaign_dashboard.services.events.counters import minute_of

# A complaint comes from a mailbox the message reached, so it counts as delivered too.
DELIVERED_STATUSES = frozenset(
    {RecipientStatus.DELIVERED, RecipientStatus.OPENED, RecipientStatus.CLICKED, RecipientStatus.COMPLAINED}
)


MACHINE_OPEN_SHARE = 0.3
MACHINE_CLICK_SHARE = 0.1

# Per bucket metric: how long after its message was sent an event comes (mean minutes; 0 = it is
# the send itself). Deliveries and bounces within minutes, opens and clicks over hours, replies and
# unsubscribes a little later.
BUCKET_DELAY = {
    "sent": 0,
    "failed": 0,
    "delivered": 2,
    "bounced": 3,
    "opened": 150,
    "unique_opens": 120,
    "clicked": 170,
    "unique_clicks": 140,
    "unique_human_opens": 120,
    "unique_human_clicks": 140,
    "complained": 240,
    "unsubscribed": 240,
    "replied": 300,
}


def insert_minute_buckets(session: Session, channel: str, campaign, now: datetime) -> None:
    """Spread every counter over minutes (summing to it): sends evenly over the sending time, each
    other event some random delay after a send, never after `now`."""
    rng = random.Random(f"buckets-{channel}-{campaign.id}")
    start = minute_of(campaign.started_at)
    sending_end = campaign.completed_at or (now if campaign.status == CampaignStatus.SENDING else campaign.updated_at)
    last = int((minute_of(now) - start).total_seconds() // 60)
    send_span = max(1, min(last, int((minute_of(sending_end) - start).total_seconds() // 60)) + 1)
    sends = rng.choices(range(send_span), k=max(1, campaign.sent))
    counts: Counter[tuple[datetime, str]] = Counter()
    for metric, delay in BUCKET_DELAY.items():
        for _ in range(getattr(campaign, metric)):
            if delay == 0:
                offset = rng.randrange(send_span)
            else:  # an exponential delay after a send, cut off at now
                sent_at = rng.choice(sends)
                room = max(0, last - sent_at)
                offset = sent_at + int(-delay * math.log(1 - rng.random() * (1 - math.exp(-room / delay))))
            counts[(start + timedelta(minutes=min(offset, max(last, 0))), metric)] += 1
            if metric == "bounced" and channel == "email":  # the demo's bounces are all hard
                counts[(start + timedelta(minutes=min(offset, max(last, 0))), HARD_BOUNCED)] += 1
    if not counts:
        return
    session.execute(
        insert(CampaignStatsMinute),
        [
            {"channel": channel, "campaign_id": campaign.id, "minute": minute, "metric": metric, "count": n}
            for (minute, metric), n in sorted(counts.items())
        ],
    )
    # every event moves the activity marker: it is never older than the newest bucket
    newest = max(minute for minute, _ in counts)
    campaign.last_activity_at = max(campaign.last_activity_at, min(newest + timedelta(seconds=59), now))
    if channel == "email":
        _insert_click_events(session, campaign, counts, rng, now)


def _insert_click_events(session: Session, campaign, counts: Counter, rng: random.Random, now: datetime) -> None:
    """One `clicked` event per click in the buckets: every clicking recipient once, then repeats."""
    clickers = session.execute(
        select(
            EmailCampaignRecipient.id,
            EmailCampaignRecipient.provider_message_id,
            col(SentEmail.human_clicked_at).is_(None),  # a scanner's click (insert_sent_emails)
        )
        .join(SentEmail, col(SentEmail.recipient_id) == EmailCampaignRecipient.id)
        .where(
            col(EmailCampaignRecipient.campaign_id) == campaign.id,
            col(EmailCampaignRecipient.status) == RecipientStatus.CLICKED,
        )
        .order_by(col(EmailCampaignRecipient.id))
    ).all()
    minutes = sorted(
        itertools.chain.from_iterable([minute] * n for (minute, metric), n in counts.items() if metric == "clicked")
    )
    if not clickers or not minutes:
        return
    who = list(clickers) + [rng.choice(clickers) for _ in range(len(minutes) - len(clickers))]
    links, weights = [link for link, _ in DEMO_LINKS], [weight for _, weight in DEMO_LINKS]
    rows = []
    for n, (minute, (recipient_id, message_id, machine)) in enumerate(zip(minutes, who, strict=False)):
        at = min(max(minute + timedelta(seconds=rng.randrange(60)), campaign.started_at), now)
        rows.append(
            {
                "provider_event_id": f"demo-click-{campaign.id}-{n}",
                "type": "clicked",
                "campaign_id": campaign.id,
                "recipient_id": recipient_id,
                "provider_message_id": message_id,
                "link": rng.choices(links, weights)[0],
                "machine": machine,
                "payload": {},
                "occurred_at": at,
                "received_at": min(at + timedelta(seconds=1), now),
            }
        )
    session.execute(insert(EmailEvent), rows)


def insert_sent_emails(session: Session, campaign, rng: random.Random, now: datetime) -> None:
    """The sent email of every accepted recipient, with when it was opened and clicked as the
    event path records it (what the behaviour rules of segments read)."""
    recipients = session.exec(
        select(EmailCampaignRecipient).where(
            col(EmailCampaignRecipient.campaign_id) == campaign.id,
            col(EmailCampaignRecipient.status).in_(SENT_RECIPIENT_STATUSES),
        )
    ).all()
    rows = []
    for r in recipients:
        assert r.sent_at is not None and r.provider_message_id is not None
        engaged = r.status in (RecipientStatus.OPENED, RecipientStatus.CLICKED)
        opened_at = min(r.sent_at + timedelta(minutes=rng.expovariate(1 / BUCKET_DELAY["opened"])), now)
        clicked_at = min(opened_at + timedelta(minutes=rng.randrange(1, 30)), now)
        clicked = r.status == RecipientStatus.CLICKED
        # Some opens are a privacy proxy's (a third, near what Apple Mail Privacy Protection
        # makes), some clicks a link scanner's: the demo's human rates sit below the raw ones.
        human_open = engaged and rng.random() >= MACHINE_OPEN_SHARE
        human_click = clicked and rng.random() >= MACHINE_CLICK_SHARE
        rows.append(
            {
                "campaign_id": campaign.id,
                "recipient_id": r.id,
                "contact_id": r.contact_id,
                "provider_message_id": r.provider_message_id,
                "to_address": r.address,
                "subject": getattr(campaign, "subject", ""),
                "status": r.status,
                "sent_at": r.sent_at,
                "updated_at": r.updated_at,
                "first_opened_at": opened_at if engaged else None,
                "first_clicked_at": clicked_at if clicked else None,
                "human_opened_at": opened_at if human_open else None,
                "human_clicked_at": clicked_at if human_click else None,
                "last_engaged_at": (clicked_at if human_click else opened_at if human_open else None),
                "last_clicked_at": clicked_at if human_click else None,
                "open_count": int(engaged),
                "click_count": int(clicked),
            }
        )
    if rows:
        session.execute(insert(SentEmail), rows)


def apply_human_counters(session: Session, campaign) -> None:
    """The campaign's human open and click counters, as its sent emails say (insert_sent_emails)."""
    of_campaign = col(SentEmail.campaign_id) == campaign.id
    count = select(func.count()).select_from(SentEmail).where(of_campaign)
    campaign.unique_human_opens = session.scalar(count.where(col(SentEmail.human_opened_at).is_not(None))) or 0
    campaign.unique_human_clicks = session.scalar(count.where(col(SentEmail.human_clicked_at).is_not(None))) or 0


def outcome(rng: random.Random, channel: str, i: int, total: int, plan: Plan) -> RecipientStatus:
    """The ledger status of recipient `i` of `total` for a campaign following `plan`."""
    if plan.breaker:
        if i >= breaker_reach(total):
            return RecipientStatus.PENDING
        if i % 4 == 3:
            return RecipientStatus.BOUNCED  # a hard bounce (the demo's bounces all are)
    elif i >= int(total * plan.progress):
        # not reached yet: still pending while sending or paused, cancelled when the campaign stopped
        return (
            RecipientStatus.PENDING
            if plan.status in (CampaignStatus.SENDING, CampaignStatus.PAUSED)
            else RecipientStatus.CANCELLED
        )
    if plan.status == CampaignStatus.FAILED:
        return RecipientStatus.FAILED  # the provider rejected the very first batches
    r = rng.random()
    if plan.breaker:
        r = 0.05 + 0.95 * r  # its bounces are the ones above; no failures, complaints or others
    if channel == "sms":
        return RecipientStatus.FAILED if r < 0.02 else RecipientStatus.SENT if r < 0.035 else RecipientStatus.DELIVERED
    recent = plan.status in (CampaignStatus.SENDING, CampaignStatus.PAUSED)  # fewer opens so far
    if r < 0.008:
        return RecipientStatus.FAILED
    if r < 0.028:
        return RecipientStatus.BOUNCED
    if r < 0.03:
        return RecipientStatus.COMPLAINED
    if r < 0.045:
        return RecipientStatus.SENT  # accepted, no delivery event yet
    r = rng.random()
    open_rate = 0.22 if recent else 0.38
    if r < open_rate * 0.27:
        return RecipientStatus.CLICKED
    if r < open_rate:
        return RecipientStatus.OPENED
    return RecipientStatus.DELIVERED


def breaker_reach(total: int) -> int:
    """How many recipients of `total` a campaign whose every 4th address hard-bounces reaches
    before the reputation breaker (default limits) pauses it: its tripping bounce, plus the chunk
    in flight meanwhile."""
    limits = Limits()
    tripping = int(limits.hard_bounce_rate * min(limits.window, total)) + 1
    return min(total - 1, 4 * tripping + 20)


def apply_counters(campaign, statuses: list[RecipientStatus], rng: random.Random) -> None:
    """Set `campaign`'s counters exactly as its ledger `statuses` say, plus repeat opens/clicks and
    replies/unsubscribes drawn from `rng` (the demo seed and `bench pages` build campaigns this way)."""
    c: Counter[str] = Counter(statuses)
    campaign.recipients = len(statuses)
    campaign.processed = len(statuses) - c[RecipientStatus.PENDING] - c[RecipientStatus.CLAIMED]
    campaign.sent = sum(c[s] for s in SENT_RECIPIENT_STATUSES)
    campaign.delivered = sum(c[s] for s in DELIVERED_STATUSES)
    campaign.failed = c[RecipientStatus.FAILED]
    campaign.bounced = c[RecipientStatus.BOUNCED]
    campaign.complained = c[RecipientStatus.COMPLAINED]
    campaign.unique_opens = c[RecipientStatus.OPENED] + c[RecipientStatus.CLICKED]
    campaign.opened = campaign.unique_opens + int(campaign.unique_opens * rng.uniform(0.3, 0.6))
    campaign.unique_clicks = c[RecipientStatus.CLICKED]
    campaign.clicked = campaign.unique_clicks + int(campaign.unique_clicks * rng.uniform(0.1, 0.4))
    # Every open and click a person's, unless the sent emails say otherwise (apply_human_counters).
    campaign.unique_human_opens, campaign.unique_human_clicks = campaign.unique_opens, campaign.unique_clicks
    campaign.unsubscribed = int(campaign.delivered * rng.uniform(0.002, 0.006))
    campaign.replied = int(campaign.delivered * rng.uniform(0.002, 0.01))


def message_id(rng: random.Random, channel: str) -> str:
    if channel == "sms":
        return "SM" + uuid.UUID(int=rng.getrandbits(128)).hex
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def error(channel: str) -> str:
    if channel == "sms":
        return "21211: The 'To' number is not a valid phone number."
    return "422 validation_error: The recipient address is not valid."
