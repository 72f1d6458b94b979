"""Demo data for an empty database: contacts, segments, templates and campaigns in every status.

Deterministic (a seeded random generator), fast (set-based inserts) and safe: email addresses use
the reserved `example.com`/`example.org` domains and phone numbers the fictional 555-01XX range,
so even a live provider account could never reach a real person.

Campaign counters are computed from the recipient ledger rows the seed writes, so they are
consistent the way the send path keeps them: delivered <= sent <= processed <= recipients,
unique opens <= delivered, unique clicks <= unique opens, and so on. Each counter is also spread
over per-minute buckets (what the charts and the overview's periods read), summing to it exactly.
The demo's content (people, campaigns, texts) is `demo_content`; what sending left, `seed_activity`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from campaign_dashboard.devtools import seed_consent, seed_signups
from campaign_dashboard.devtools.demo_content import (
    CAMPAIGN_TOPICS,
    CITIES,
    DEMO_ADMIN_EMAIL,
    DEMO_ADMIN_PASSWORD,
    EMAIL_PLANS,
    EMAIL_SUBJECTS,
    FIRST_NAMES,
    FROM_EMAIL,
    LAST_NAMES,
    NEWSLETTER_HTML,
    PLANS,
    REPLY_TO,
    SMS_BODIES,
    SMS_FROM,
    SMS_PLANS,
    SOURCES,
    TAGS,
    Plan,
)
from campaign_dashboard.devtools.seed_ab_test import AB_WAIT, ab_groups, record_ab_test
from campaign_dashboard.devtools.seed_activity import (
    DELIVERED_STATUSES,
    apply_counters,
    apply_human_counters,
    error,
    insert_minute_buckets,
    insert_sent_emails,
    message_id,
    outcome,
)
from campaign_dashboard.models import (
    BreakerState,
    CampaignStatus,
    Contact,
    ContactTag,
    EmailCampaign,
    EmailCampaignRecipient,
    EmailStatus,
    EmailTemplate,
    RecipientStatus,
    Role,
    Segment,
    SegmentContact,
    SmsCampaign,
    SmsCampaignRecipient,
    SmsStatus,
    Suppression,
    User,
    id_of,
    utcnow,
)
from campaign_dashboard.models.ab_tests import REMAINDER
from campaign_dashboard.services.accounts import audit
from campaign_dashboard.services.campaigns import SENT_RECIPIENT_STATUSES
from campaign_dashboard.services.events import breaker


@dataclass
class SeedSummary:
    contacts: int = 0
    segments: int = 0
    templates: int = 0
    topics: int = 0
    consent_entries: int = 0
    email_campaigns: int = 0
    sms_campaigns: int = 0
    recipients: int = 0
    admin_email: str | None = None
    admin_password: str | None = None
    statuses: dict[str, list[str]] = field(default_factory=dict)


def seed_demo(
    *, session: Session, contacts: int = 3000, create_admin: bool | None = None, seed: int = 2026
) -> SeedSummary | None:
    """Fill an empty database with demo data; returns None (and changes nothing) if it has data.

    `create_admin` (default: only when ENV=development) adds the login admin@example.com / admin.
    """
    if _has_data(session):
        return None
    if create_admin is None:
        from campaign_dashboard.config import get_settings

        create_admin = get_settings().env == "development"

    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    summary = SeedSummary()

    people = _insert_contacts(session, rng, now, contacts)
    summary.contacts = len(people)
    segments = _insert_segments(session, rng, now, people)
    summary.segments = len(segments)
    template_id = _insert_templates(session, now)
    summary.templates = 2
    consent_rng = random.Random(seed + 1)  # its own generator: the campaigns' draws stay as they were
    topics = seed_consent.insert_topics(session, now)
    summary.topics = len(topics)
    seed_consent.choose_topic_leavers(consent_rng, people, now)

    for channel, plans in (("email", EMAIL_PLANS), ("sms", SMS_PLANS)):
        for plan in plans:
            summary.recipients += _insert_campaign(
                session, rng, now, channel, plan, people, segments, template_id, topics
            )
            summary.statuses.setdefault(channel, []).append(plan.status.value)
    summary.email_campaigns, summary.sms_campaigns = len(EMAIL_PLANS), len(SMS_PLANS)
    signup_rng = random.Random(seed + 2)  # its own generator too
    signed_up = seed_signups.confirmed_entries(signup_rng, now, people)
    summary.consent_entries = seed_consent.insert_opt_outs_and_ledger(
        session, consent_rng, now, people, topics, extra=signed_up
    )
    seed_signups.insert_pending(session, signup_rng, now, topics)
    session.commit()
    summary.segments += _insert_behaviour_examples(session, now)
    summary.email_campaigns += 1

    if create_admin and session.exec(select(User).where(User.email == DEMO_ADMIN_EMAIL)).first() is None:
        from campaign_dashboard.services.accounts.users import create_user

        create_user(
            session=session,
            email=DEMO_ADMIN_EMAIL,
            name="Demo Admin",
            password=DEMO_ADMIN_PASSWORD,
            role=Role.ADMIN,
            check_strength=False,
        )
        summary.admin_email, summary.admin_password = DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD
    return summary


def _has_data(session: Session) -> bool:
    for model in (EmailCampaign, SmsCampaign, Contact):
        if session.exec(select(func.count()).select_from(model)).one():
            return True
    return False


@dataclass
class _Person:
    id: int
    email: str
    phone: str | None
    tags: frozenset[str]
    email_ok: bool
    sms_ok: bool
    email_status: str = EmailStatus.SUBSCRIBED
    created: datetime = field(default_factory=utcnow)
    topics_out: set[tuple[str, str]] = field(default_factory=set)  # (channel, topic) left


def _insert_contacts(session: Session, rng: random.Random, now: datetime, n: int) -> list[_Person]:
    rows: list[dict[str, Any]] = []
    tags_per_row: list[frozenset[str]] = []
    plans, weights = [plan for plan, _ in PLANS], [weight for _, weight in PLANS]
    for i in range(n):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, tz, area_codes = rng.choice(CITIES)
        email = f"{first}.{last}.{i + 1}@{rng.choice(('example.com', 'example.org'))}".lower()
        phone = f"+1{rng.choice(area_codes)}55501{rng.randrange(100):02d}" if rng.random() < 0.85 else None
        tags_per_row.append(frozenset(tag for tag, p in TAGS if rng.random() < p))
        email_status = _weighted(
            rng,
            (
                (EmailStatus.SUBSCRIBED, 95),
                (EmailStatus.UNSUBSCRIBED, 3),
                (EmailStatus.BOUNCED, 1.5),
                (EmailStatus.COMPLAINED, 0.5),
            ),
        )
        sms_status = SmsStatus.OPTED_OUT if phone and rng.random() < 0.04 else SmsStatus.SUBSCRIBED
        created = now - timedelta(days=rng.uniform(1, 540), minutes=rng.randrange(1440))
        rows.append(
            {
                "email": email,
                "phone": phone,
                "first_name": first,
                "last_name": last,
                "timezone": tz,
                "attributes": {
                    "plan": rng.choices(plans, weights)[0],
                    "city": city,
                    "source": rng.choice(SOURCES),
                    "lifetime_value": round(rng.lognormvariate(4.5, 1.0), 2),
                },
                "email_status": email_status,
                "sms_status": sms_status,
                "created_at": created,
                "updated_at": created,
            }
        )
    session.execute(insert(Contact), rows)
    ids = {
        email: contact_id
        for email, contact_id in session.exec(select(col(Contact.email), col(Contact.id)))
        if email is not None and contact_id is not None
    }

    people = [
        _Person(
            id=ids[row["email"]],
            email=row["email"],
            phone=row["phone"],
            tags=tags,
            email_ok=row["email_status"] == EmailStatus.SUBSCRIBED,
            sms_ok=bool(row["phone"]) and row["sms_status"] == SmsStatus.SUBSCRIBED,
            email_status=row["email_status"],
            created=row["created_at"],
        )
        for row, tags in zip(rows, tags_per_row, strict=True)
    ]
    tag_rows = [{"contact_id": p.id, "tag": t} for p in people for t in sorted(p.tags)]
    if tag_rows:
        session.execute(insert(ContactTag), tag_rows)

    suppressions = {}
    for row in rows:
        if row["email_status"] != EmailStatus.SUBSCRIBED:
            suppressions[("email", row["email"])] = row["email_status"]
        if row["sms_status"] == SmsStatus.OPTED_OUT:
            suppressions[("sms", row["phone"])] = "opted_out"
    if suppressions:
        session.execute(
            insert(Suppression),
            [
                {"channel": ch, "address": addr, "reason": reason, "source": "demo", "created_at": now}
                for (ch, addr), reason in suppressions.items()
            ],
        )
    return people


NOVEMBER = "November newsletter"
BEHAVIOUR_SEGMENTS: dict[str, list[dict[str, Any]]] = {
    "Opened an email in the last 30 days": [{"field": "email_engagement", "op": "opened_within_days", "value": 30}],
    f"Did not open the {NOVEMBER}": [{"field": "email_campaign", "op": "not_opened"}],  # value: its id
}
FOLLOW_UP_SUBJECT = "In case you missed it: our November news"
FOLLOW_UP_NAME = "Follow-up: November news, not opened"


def _insert_behaviour_examples(session: Session, now: datetime) -> int:
    """Segments on what contacts did, and a draft follow-up to those who did not open the November
    newsletter (made as the campaign page makes it: its frozen static segment). Returns how many
    segments it added."""
    from campaign_dashboard.services.campaigns.follow_ups import create_follow_up

    november = session.exec(select(EmailCampaign).where(col(EmailCampaign.name) == NOVEMBER)).one()
    for name, rules in BEHAVIOUR_SEGMENTS.items():
        rules = [{**rule, "value": rule.get("value", november.id)} for rule in rules]
        session.add(Segment(name=name, kind="rules", rules=rules, match="all", created_at=now, updated_at=now))
    session.commit()
    create_follow_up(
        session=session,
        channel="email",
        campaign_id=id_of(november),
        audience="not_opened",
        subject=FOLLOW_UP_SUBJECT,
        name=FOLLOW_UP_NAME,
    )
    return len(BEHAVIOUR_SEGMENTS) + 1  # and the follow-up's frozen one


def _insert_segments(session: Session, rng: random.Random, now: datetime, people: list[_Person]) -> dict[str, int]:
    """Rule segments per audience tag, an everyone segment, and a static beta list."""
    definitions = {
        "all": ("Everyone subscribed", [{"field": "email_status", "op": "is", "value": "subscribed"}], "all"),
        "newsletter": ("Newsletter subscribers", [{"field": "tag", "op": "is", "value": "newsletter"}], "all"),
        "customer": ("Customers", [{"field": "tag", "op": "is", "value": "customer"}], "all"),
        "vip": ("VIP customers", [{"field": "tag", "op": "is", "value": "vip"}], "all"),
        "trial": (
            "Trials on paid plans",
            [
                {"field": "tag", "op": "is", "value": "trial"},
                {"field": "attributes.plan", "op": "is_not", "value": "free"},
            ],
            "all",
        ),
        "west": (
            "West coast",
            [
                {"field": "attributes.city", "op": "is", "value": "Seattle"},
                {"field": "attributes.city", "op": "is", "value": "San Francisco"},
                {"field": "attributes.city", "op": "is", "value": "Los Angeles"},
                {"field": "attributes.city", "op": "is", "value": "Portland"},
            ],
            "any",
        ),
    }
    ids: dict[str, int] = {}
    for key, (name, rules, match) in definitions.items():
        segment = Segment(name=name, kind="rules", rules=rules, match=match, created_at=now, updated_at=now)
        session.add(segment)
        session.flush()
        ids[key] = id_of(segment)
    beta = Segment(name="Beta testers (static)", kind="static", rules=[], created_at=now, updated_at=now)
    session.add(beta)
    session.flush()
    ids["beta"] = id_of(beta)
    members = [p for p in people if "beta" in p.tags] or people[:20]
    session.execute(insert(SegmentContact), [{"segment_id": beta.id, "contact_id": p.id} for p in members])
    return ids


def _insert_templates(session: Session, now: datetime) -> int:
    newsletter = EmailTemplate(
        name="Monthly newsletter",
        subject="{{ first_name }}, what's new at Northwind",
        html=NEWSLETTER_HTML,
        text="Hi {{ first_name | default('there') }}, here is what is new at Northwind: https://example.com/new",
        created_at=now - timedelta(days=60),
        updated_at=now - timedelta(days=20),
    )
    promo = EmailTemplate(
        name="Promotion",
        subject="{{ first_name }}, a deal for you",
        html="<h1>{{ headline | default('Big savings') }}</h1><p>Hi {{ first_name | default('there') }}, "
        'shop the sale at <a href="https://example.com/sale">example.com/sale</a>.</p>',
        text="Hi {{ first_name | default('there') }}, shop the sale: https://example.com/sale",
        created_at=now - timedelta(days=45),
        updated_at=now - timedelta(days=45),
    )
    session.add_all([newsletter, promo])
    session.flush()
    return id_of(newsletter)


def _audience(people: list[_Person], channel: str, tag: str, topic: str | None = None) -> list[tuple[int, str]]:
    """(contact id, address) of the people with `tag`, minus suppressed addresses and the people
    who left `topic` on `channel`, one row per address: what the real snapshot does. (Contacts may
    share a phone number; if one of them texted STOP, the number is suppressed for all.)"""
    members = [p for p in people if (tag == "all" or tag in p.tags) and (channel, topic) not in p.topics_out]
    if channel == "email":
        blocked = {p.email for p in people if not p.email_ok}
        pairs = [(p.id, p.email) for p in members]
    else:
        blocked = {p.phone for p in people if p.phone and not p.sms_ok}
        pairs = [(p.id, p.phone) for p in members if p.phone]
    seen: dict[str, int] = {}
    for contact_id, address in pairs:
        if address not in blocked:
            seen.setdefault(address, contact_id)
    return [(contact_id, address) for address, contact_id in seen.items()]


def _insert_campaign(
    session: Session,
    rng: random.Random,
    now: datetime,
    channel: str,
    plan: Plan,
    people: list[_Person],
    segments: dict[str, int],
    template_id: int,
    topics: dict[str, int],
) -> int:
    created = now - timedelta(days=plan.days_ago)
    topic = CAMPAIGN_TOPICS.get(plan.name)
    fields: dict[str, Any] = {
        "name": plan.name,
        "topic_id": topics[topic] if topic else None,
        "status": plan.status,
        "status_reason": plan.reason,
        "segment_id": segments[plan.audience],
        "created_at": created,
        "updated_at": created,
        "last_activity_at": created,
    }
    if plan.local_send_time:
        fields.update(local_send_time=plan.local_send_time, local_time_zone="America/New_York")
    if plan.status == CampaignStatus.SCHEDULED:
        fields["scheduled_at"] = (now + timedelta(days=2 if channel == "email" else 1)).replace(minute=0, second=0)
    campaign: EmailCampaign | SmsCampaign
    if channel == "email":
        uses_template = plan.audience == "newsletter"
        campaign = EmailCampaign(
            **fields,
            subject=EMAIL_SUBJECTS[plan.name],
            from_email=FROM_EMAIL,
            reply_to=REPLY_TO,
            template_id=template_id if uses_template else None,
            html=None if uses_template else NEWSLETTER_HTML.replace("this month", "this week"),
        )
    else:
        campaign = SmsCampaign(**fields, body=SMS_BODIES[plan.name], from_number=SMS_FROM)
    session.add(campaign)
    session.flush()
    if plan.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        return 0

    audience = _audience(people, channel, plan.audience, topic)
    started = created + timedelta(minutes=rng.randrange(5, 90))
    statuses = [outcome(rng, channel, i, len(audience), plan) for i in range(len(audience))]
    groups = ab_groups(campaign, plan, audience, statuses, rng)
    rows = []
    for i, ((contact_id, address), status) in enumerate(zip(audience, statuses, strict=True)):
        processed = status not in (RecipientStatus.PENDING, RecipientStatus.CANCELLED)
        sent_at = started + timedelta(seconds=i // 50) if status in SENT_RECIPIENT_STATUSES else None
        if sent_at is not None and groups.get(contact_id) == REMAINDER:  # sent once the winner was picked
            sent_at += AB_WAIT
        row = {
            "campaign_id": campaign.id,
            "contact_id": contact_id,
            "address": address,
            "status": status,
            "batch_id": f"demo-{channel}-{campaign.id}-{i // 500}" if processed else None,
            "chunk": (i % 500) // 100 if processed else None,
            "attempts": 1 if processed else 0,
            "provider_message_id": message_id(rng, channel) if status in SENT_RECIPIENT_STATUSES else None,
            "last_error": error(channel) if status == RecipientStatus.FAILED else None,
            "sent_at": sent_at,
            "updated_at": sent_at or started,
            "ab_group": groups.get(contact_id),
        }
        if isinstance(campaign, SmsCampaign):  # the channel is sms
            row["segments"] = 1 if len(campaign.body) <= 160 else 2
        rows.append(row)
    if rows:
        session.execute(insert(EmailCampaignRecipient if channel == "email" else SmsCampaignRecipient), rows)

    if channel == "email":
        insert_sent_emails(session, campaign, rng, now)
    apply_counters(campaign, statuses, rng)
    if channel == "email":
        apply_human_counters(session, campaign)
    campaign.started_at = started
    if plan.ab_subjects:
        record_ab_test(session, campaign, plan, decided_at=started + AB_WAIT)
    if plan.breaker:
        _trip_breaker(session, campaign, statuses, at=started + timedelta(seconds=len(audience) // 100))
    if plan.status in (CampaignStatus.SENT, CampaignStatus.FAILED, CampaignStatus.CANCELLED):
        campaign.completed_at = started + timedelta(seconds=len(audience) // 50 + 30)
        if plan.ab_subjects:
            campaign.completed_at += AB_WAIT
    campaign.updated_at = campaign.last_activity_at = (
        now - timedelta(seconds=rng.randrange(2, 30))
        if plan.status == CampaignStatus.SENDING
        else campaign.completed_at or started + timedelta(seconds=len(audience) // 100)
    )
    insert_minute_buckets(session, channel, campaign, now)
    session.add(campaign)
    return len(rows)


def _trip_breaker(
    session: Session, campaign: EmailCampaign | SmsCampaign, statuses: list[RecipientStatus], at: datetime
) -> None:
    """The reason and the audit entry the reputation breaker leaves: its numbers are those at the
    bounce that tripped it, in send order (the chunk in flight went out after)."""
    limits, delivered, bounced = breaker.Limits(), 0, 0
    for status in statuses:
        delivered += status in DELIVERED_STATUSES
        bounced += status == RecipientStatus.BOUNCED
        trip = breaker.evaluate(
            limits, delivered=delivered, recipients=len(statuses), hard_bounces=bounced, complaints=0
        )
        if trip is not None:
            break
    else:
        raise AssertionError(f"the demo's {campaign.name!r} does not pass the breaker's limits")
    campaign.status_reason, campaign.breaker = trip.reason, BreakerState.TRIPPED.value
    audit.record(
        session,
        at=at,
        system=breaker.WHO,
        action="email_campaign.pause",
        object_type="email_campaign",
        object_id=campaign.id,
        detail={"reason": trip.reason},
    )


def _weighted(rng: random.Random, options) -> str:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights)[0]
