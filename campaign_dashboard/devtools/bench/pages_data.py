"""The data `bench pages` measures the pages on: --contacts contacts (some tagged), --campaigns
campaigns in every status with recipient ledgers and counters consistent like real sending left
them, the newest an email campaign to --recipients of those contacts with its sent emails, events
and per-minute stats, all inserted set-based (INSERT ... SELECT): no row travels through Python,
so memory stays flat and 100,000 recipients take seconds. `build_data` returns what the pages
should then show."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, case, cast, func, insert, literal, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from campaign_dashboard.devtools.bench.database import RECIPIENT_COLUMNS, insert_contacts, insert_sent_emails
from campaign_dashboard.devtools.seed_activity import apply_counters
from campaign_dashboard.models import (
    CampaignStatsMinute,
    CampaignStatus,
    Contact,
    ContactTag,
    EmailCampaign,
    EmailCampaignRecipient,
    EmailEvent,
    EmailStatus,
    EmailTemplate,
    RecipientStatus,
    Segment,
    SentEmail,
    SmsCampaign,
    SmsCampaignRecipient,
    SmsStatus,
    id_of,
    table_of,
    utcnow,
)

# Recipient outcomes per 1,000 sent recipients (cumulative upper bounds), like a healthy list.
EMAIL_OUTCOMES = (
    (8, RecipientStatus.FAILED),
    (28, RecipientStatus.BOUNCED),
    (30, RecipientStatus.COMPLAINED),
    (45, RecipientStatus.SENT),
    (145, RecipientStatus.CLICKED),
    (420, RecipientStatus.OPENED),
)  # the rest: delivered
# Statuses of a message the provider accepted (counted as sent).
ACCEPTED = (
    RecipientStatus.SENT,
    RecipientStatus.DELIVERED,
    RecipientStatus.OPENED,
    RecipientStatus.CLICKED,
    RecipientStatus.BOUNCED,
    RecipientStatus.COMPLAINED,
)
SMS_OUTCOMES = ((20, RecipientStatus.FAILED), (35, RecipientStatus.SENT))  # the rest: delivered
# How far each kind of campaign got (share of its audience processed); the rest is pending
# (paused) or cancelled (failed, cancelled).
PROGRESS = {
    CampaignStatus.SENT: 1.0,
    CampaignStatus.PAUSED: 0.45,
    CampaignStatus.FAILED: 0.06,
    CampaignStatus.CANCELLED: 0.3,
}
STATUS_MIX = (CampaignStatus.SENT,) * 12 + (
    CampaignStatus.DRAFT,
    CampaignStatus.DRAFT,
    CampaignStatus.SCHEDULED,
    CampaignStatus.PAUSED,
    CampaignStatus.FAILED,
    CampaignStatus.CANCELLED,
)
THEMES = (
    "Spring sale",
    "Newsletter",
    "Product update",
    "Webinar invite",
    "Win-back",
    "Flash sale",
    "Loyalty reminder",
    "Store opening",
    "Survey",
    "Holiday hours",
)
# Tags set-based on every n-th contact: a rare one for the tag filter to find, and a common one.
TAGS = {"vip": 100, "newsletter": 3}
FILTERED_TAG = "vip"


@dataclass
class BenchData:
    """What the pages should show once loaded (names to wait for)."""

    big_campaign_id: int
    big_campaign: str
    newest_email: str
    newest_sms: str
    segment: str
    template: str
    contacts: int = 0
    searched_contact: str = ""  # the newest contact's email: a search the id-ordered scan finds last
    filtered_tag: str = FILTERED_TAG
    email_campaigns: int = 0
    sms_campaigns: int = 0
    recipient_rows: int = 0
    event_rows: int = 0


def _outcome(position, outcomes, default: RecipientStatus):
    """The recipient status for `position % 1000` per the cumulative `outcomes` table (SQL CASE)."""
    per_mille = position % 1000
    return case(
        *[(per_mille < bound, literal(status.value)) for bound, status in outcomes], else_=literal(default.value)
    )


def _insert_readers(engine: Engine, count: int, now: datetime) -> None:
    """`count` contacts in one INSERT ... SELECT: ~1% unsubscribed, ~0.5% bounced, 3% opted out of SMS."""

    def columns(i):
        return {
            "first_name": case(
                *[(i % 5 == k, literal(n)) for k, n in enumerate(("Ada", "Ben", "Chloe", "Dev"))], else_=literal("Eve")
            ),
            "last_name": literal("Reader") + cast(i, String),
            "timezone": literal("America/New_York"),
            "attributes": literal({"plan": "pro", "source": "bench"}, type_=table_of(Contact).c.attributes.type),
            "email_status": case(
                (i % 200 == 0, literal(EmailStatus.UNSUBSCRIBED.value)),
                (i % 200 == 1, literal(EmailStatus.BOUNCED.value)),
                else_=literal(EmailStatus.SUBSCRIBED.value),
            ),
            "sms_status": case(
                (i % 33 == 0, literal(SmsStatus.OPTED_OUT.value)), else_=literal(SmsStatus.SUBSCRIBED.value)
            ),
        }

    insert_contacts(
        engine, count, prefix="reader", phone_start=2125550000, created_at=now - timedelta(days=30), columns=columns
    )
    with engine.begin() as conn:
        for tag, every in TAGS.items():
            tagged = select(col(Contact.id), literal(tag)).where(col(Contact.id) % every == 0)
            conn.execute(insert(ContactTag).from_select(["contact_id", "tag"], tagged))


def _insert_recipients(
    conn, channel: str, campaign_id: int, audience: int, status: CampaignStatus, sent_at: datetime, *, first: int
) -> None:
    """Ledger rows for the contacts with ids `first .. first + audience - 1`, in one INSERT ... SELECT."""
    Recipient = EmailCampaignRecipient if channel == "email" else SmsCampaignRecipient
    address = col(Contact.email) if channel == "email" else col(Contact.phone)
    position = col(Contact.id) - first
    reached = position < int(audience * PROGRESS[status])
    outcomes = EMAIL_OUTCOMES if channel == "email" else SMS_OUTCOMES
    not_reached = RecipientStatus.PENDING if status == CampaignStatus.PAUSED else RecipientStatus.CANCELLED
    if status == CampaignStatus.FAILED:
        outcome = case((reached, literal(RecipientStatus.FAILED.value)), else_=literal(not_reached.value))
    else:
        outcome = case(
            (reached, _outcome(position, outcomes, RecipientStatus.DELIVERED)), else_=literal(not_reached.value)
        )
    at = literal(sent_at, type_=table_of(Recipient).c.updated_at.type)
    processed = case((reached, literal(1)), else_=literal(0))
    rows = select(
        literal(campaign_id),
        col(Contact.id),
        address,
        outcome,
        processed,
        case((reached, literal(f"bench-{channel}-{campaign_id}-") + cast(col(Contact.id), String)), else_=None),
        case((reached, at), else_=None),
        at,
    ).where(col(Contact.id).between(first, first + audience - 1))
    conn.execute(insert(Recipient).from_select(list(RECIPIENT_COLUMNS), rows))


def _counters_from_ledger(session: Session, channel: str, campaign) -> int:
    """Counters from the ledger, as the send path and event handlers keep them."""
    Recipient = EmailCampaignRecipient if channel == "email" else SmsCampaignRecipient
    counts = (
        session.execute(
            select(col(Recipient.status), func.count())
            .where(col(Recipient.campaign_id) == campaign.id)
            .group_by(col(Recipient.status))
        )
        .tuples()
        .all()
    )
    statuses = list(Counter({RecipientStatus(s): n for s, n in counts}).elements())
    apply_counters(campaign, statuses, random.Random(campaign.id))
    return len(statuses)


def build_data(
    engine: Engine, *, campaigns: int, recipients: int, contacts: int | None = None, seed: int = 5
) -> BenchData:
    """`contacts` contacts (default `recipients`), a segment, templates, `campaigns` campaigns
    (every status, 2/3 email) and the newest one an email campaign sent to `recipients` of the
    contacts, with events and minute stats."""
    contacts = recipients if contacts is None else contacts
    if contacts < recipients:
        raise ValueError(f"the big campaign's {recipients:,} recipients need as many contacts, not {contacts:,}")
    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    _insert_readers(engine, contacts, now)
    with Session(engine, expire_on_commit=False) as session:
        first_contact: int = session.execute(select(func.min(col(Contact.id)))).scalar_one()
        segment = Segment(
            name="Everyone subscribed",
            kind="rules",
            match="all",
            rules=[{"field": "email_status", "op": "is", "value": "subscribed"}],
        )
        template = EmailTemplate(
            name="Monthly newsletter",
            subject="News for {{ first_name }}",
            html="<h1>Hi {{ first_name }}</h1><p>What is new this month.</p>",
            text="Hi",
        )
        session.add_all([segment, template])
        session.flush()
        made: list[tuple[str, EmailCampaign | SmsCampaign, CampaignStatus, int]] = []
        for n in range(campaigns - 1):
            channel = "sms" if n % 3 == 2 else "email"
            status = rng.choice(STATUS_MIX)
            created = now - timedelta(days=campaigns - n, hours=rng.randrange(24))
            fields: dict[str, Any] = dict(
                name=f"{THEMES[n % len(THEMES)]} {n + 1}",
                status=status,
                segment_id=segment.id,
                created_at=created,
                updated_at=created,
                last_activity_at=created,
            )
            if status == CampaignStatus.SCHEDULED:
                fields["scheduled_at"] = now + timedelta(days=30)
            if status in (CampaignStatus.FAILED, CampaignStatus.CANCELLED):
                fields["status_reason"] = (
                    "Cancelled by a marketer." if status == CampaignStatus.CANCELLED else "Provider refused the key."
                )
            campaign = (
                EmailCampaign(
                    **fields,
                    subject="Hello {{ first_name }}",
                    from_email="News <news@example.com>",
                    template_id=template.id,
                )
                if channel == "email"
                else SmsCampaign(**fields, body="News from us. Reply STOP to opt out.", from_number="+15005550006")
            )
            session.add(campaign)
            made.append((channel, campaign, status, min(contacts, rng.randrange(200, 5000))))
        big = EmailCampaign(
            name="The big launch",
            status=CampaignStatus.SENT,
            segment_id=segment.id,
            subject="The big launch",
            from_email="News <news@example.com>",
            template_id=template.id,
            created_at=now - timedelta(hours=3),
            updated_at=now - timedelta(hours=1),
        )
        session.add(big)
        session.commit()

        newest: str = session.execute(select(col(Contact.email)).order_by(col(Contact.id).desc()).limit(1)).scalar_one()
        data = BenchData(
            id_of(big), big.name, "", "", segment.name, template.name, contacts=contacts, searched_contact=newest
        )
        for channel, campaign, status, audience in made:
            if status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
                continue
            started = campaign.created_at + timedelta(minutes=10)
            _insert_recipients(
                session.connection(), channel, id_of(campaign), audience, status, started, first=first_contact
            )
            data.recipient_rows += _counters_from_ledger(session, channel, campaign)
            campaign.started_at = started
            if status != CampaignStatus.PAUSED:
                campaign.completed_at = started + timedelta(minutes=audience // 3000 + 1)
            session.add(campaign)
        data.recipient_rows += _build_big_campaign(session, big, recipients, now, first_contact)
        data.event_rows = session.execute(select(func.count()).select_from(EmailEvent)).scalar_one()
        session.commit()
        emails = [c for ch, c, _, _ in made if ch == "email"] + [big]
        sms = [c for ch, c, _, _ in made if ch == "sms"]
        data.email_campaigns, data.sms_campaigns = len(emails), len(sms)
        data.newest_email = max(emails, key=lambda c: c.created_at).name
        data.newest_sms = max(sms, key=lambda c: c.created_at).name if sms else ""
    if engine.dialect.name == "postgresql":
        # Autovacuum would analyze the new rows within a minute; without statistics the planner
        # guesses badly (the overview's reads took 100 ms instead of 40 ms), which no user sees.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return data


def _build_big_campaign(
    session: Session, big: EmailCampaign, recipients: int, now: datetime, first_contact: int
) -> int:
    """The big campaign's ledger (sent over ~`recipients/1000` minutes), one sent email per
    accepted recipient, the provider events that explain each status, and the minute buckets."""
    started = now - timedelta(hours=2)
    big_id = id_of(big)
    step = 1000  # recipients sent per minute
    conn = session.connection()
    for offset in range(0, recipients, step):
        _insert_recipients(
            conn,
            "email",
            big_id,
            min(step, recipients - offset),
            CampaignStatus.SENT,
            started + timedelta(minutes=offset // step),
            first=first_contact + offset,
        )
    r = EmailCampaignRecipient
    accepted = col(r.status).in_([s.value for s in ACCEPTED])
    insert_sent_emails(conn, col(r.campaign_id) == big_id, accepted, subject=big.subject)
    events = {
        "delivered": (
            RecipientStatus.DELIVERED,
            RecipientStatus.OPENED,
            RecipientStatus.CLICKED,
            RecipientStatus.COMPLAINED,
        ),
        "opened": (RecipientStatus.OPENED, RecipientStatus.CLICKED),
        "clicked": (RecipientStatus.CLICKED,),
        "bounced": (RecipientStatus.BOUNCED,),
        "complained": (RecipientStatus.COMPLAINED,),
    }
    for kind, statuses in events.items():
        conn.execute(
            insert(EmailEvent).from_select(
                [
                    "provider_event_id",
                    "type",
                    "campaign_id",
                    "recipient_id",
                    "sent_email_id",
                    "provider_message_id",
                    "link",
                    "payload",
                    "occurred_at",
                    "received_at",
                ],
                select(
                    literal(f"bench-{kind}-") + cast(col(r.id), String),
                    literal(kind),
                    col(r.campaign_id),
                    col(r.id),
                    col(SentEmail.id),
                    col(r.provider_message_id),
                    literal("https://example.com/launch") if kind == "clicked" else literal(None, String),
                    literal({}, type_=table_of(EmailEvent).c.payload.type),
                    col(r.sent_at),
                    col(r.sent_at),
                )
                .join(SentEmail, col(SentEmail.recipient_id) == col(r.id))
                .where(and_(col(r.campaign_id) == big_id, col(r.status).in_([s.value for s in statuses]))),
            )
        )
    # Minute buckets as the event handlers keep them: one per (minute, metric).
    per_minute = conn.execute(
        select(col(r.sent_at), col(r.status), func.count())
        .where(col(r.campaign_id) == big_id)
        .group_by(col(r.sent_at), col(r.status))
    ).all()
    buckets: Counter[tuple[datetime | None, str]] = Counter()
    for minute, status, n in per_minute:
        for metric, statuses in {
            "sent": ACCEPTED,
            "failed": (RecipientStatus.FAILED,),
            **events,
        }.items():
            if status in {s.value for s in statuses}:
                buckets[(minute, metric)] += n
    session.execute(
        insert(CampaignStatsMinute),
        [
            {"channel": "email", "campaign_id": big_id, "minute": minute, "metric": metric, "count": n}
            for (minute, metric), n in buckets.items()
        ],
    )
    rows = _counters_from_ledger(session, "email", big)
    big.started_at = started
    big.completed_at = big.last_activity_at = started + timedelta(minutes=recipients // step + 1)
    session.add(big)
    session.commit()
    return rows
