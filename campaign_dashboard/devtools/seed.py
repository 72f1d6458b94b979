"""Demo data for an empty database: contacts, segments, templates and campaigns in every status.

Deterministic (a seeded random generator), fast (set-based inserts) and safe: email addresses use
the reserved `example.com`/`example.org` domains and phone numbers the fictional 555-01XX range,
so even a live provider account could never reach a real person.

Campaign counters are computed from the recipient ledger rows the seed writes, so they are
consistent the way the send path keeps them: delivered <= sent <= processed <= recipients,
unique opens <= delivered, unique clicks <= unique opens, and so on. Each counter is also spread
over per-minute buckets (what the charts and the overview's periods read), summing to it exactly.
"""

from __future__ import annotations

import itertools
import math
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, insert
from sqlmodel import Session, select

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
    Role,
    Segment,
    SegmentContact,
    SmsCampaign,
    SmsCampaignRecipient,
    SmsStatus,
    Suppression,
    User,
    utcnow,
)
from campaign_dashboard.services.campaigns import SENT_RECIPIENT_STATUSES
from campaign_dashboard.services.events.counters import minute_of

DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_ADMIN_PASSWORD = "admin"
BRAND = "Northwind Outfitters"
FROM_EMAIL = "Northwind Outfitters <news@example.com>"
REPLY_TO = "hello@example.com"
SMS_FROM = "+15005550006"

FIRST_NAMES = (
    "Olivia Liam Emma Noah Ava Elijah Sophia James Isabella Lucas Mia Mateo Amelia Ethan Harper "
    "Benjamin Evelyn Levi Abigail Daniel Emily Henry Ella Jack Elizabeth Owen Camila Samuel Luna "
    "Sebastian Sofia Aiden Avery Wyatt Mila Carter Aria Julian Scarlett Grace Chloe Maya Priya Wei "
    "Hiroshi Fatima Omar Aisha Diego Lucia Andre Zoe Nora Leo"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Chen Patel Kim"
).split()
# (city, timezone, area codes)
CITIES = (
    ("New York", "America/New_York", ("212", "646", "718")),
    ("Boston", "America/New_York", ("617", "857")),
    ("Miami", "America/New_York", ("305", "786")),
    ("Atlanta", "America/New_York", ("404", "678")),
    ("Chicago", "America/Chicago", ("312", "773")),
    ("Austin", "America/Chicago", ("512", "737")),
    ("Houston", "America/Chicago", ("713", "832")),
    ("Denver", "America/Denver", ("303", "720")),
    ("Phoenix", "America/Phoenix", ("602", "480")),
    ("Seattle", "America/Los_Angeles", ("206", "425")),
    ("San Francisco", "America/Los_Angeles", ("415", "628")),
    ("Los Angeles", "America/Los_Angeles", ("213", "310", "323")),
    ("Portland", "America/Los_Angeles", ("503", "971")),
)
PLANS = (("free", 45), ("starter", 30), ("pro", 20), ("enterprise", 5))
SOURCES = ("website", "checkout", "event", "referral", "import")
TAGS = (("newsletter", 0.62), ("customer", 0.45), ("trial", 0.15), ("vip", 0.08), ("beta", 0.05))

NEWSLETTER_HTML = """<h1>Hi {{ first_name | default('there') }},</h1>
<p>Here is what is new at Northwind Outfitters this month: fresh trail gear, a repair guide for
your favourite jacket, and members-only prices for {{ city | default('your city') }}.</p>
<p><a href="https://example.com/new">See what is new</a></p>
<p style="color:#888">You get this because you subscribed to our newsletter.</p>"""

# A complaint comes from a mailbox the message reached, so it counts as delivered too.
DELIVERED_STATUSES = frozenset(
    {RecipientStatus.DELIVERED, RecipientStatus.OPENED, RecipientStatus.CLICKED, RecipientStatus.COMPLAINED}
)


@dataclass
class SeedSummary:
    contacts: int = 0
    segments: int = 0
    templates: int = 0
    email_campaigns: int = 0
    sms_campaigns: int = 0
    recipients: int = 0
    admin_email: str | None = None
    admin_password: str | None = None
    statuses: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Plan:
    """One demo campaign: its status, age, audience and how far sending got."""

    name: str
    status: CampaignStatus
    days_ago: float
    audience: str  # a tag, or "all"
    progress: float = 1.0  # share of recipients processed (sending / paused)
    reason: str | None = None


EMAIL_PLANS = (
    _Plan("Spring collection preview", CampaignStatus.SENT, 40, "newsletter"),
    _Plan("Welcome series: week 1", CampaignStatus.SENT, 31, "trial"),
    _Plan("November newsletter", CampaignStatus.SENT, 18, "newsletter"),
    _Plan(
        "Spring webinar invite",
        CampaignStatus.FAILED,
        12,
        "customer",
        progress=0.06,
        reason="Resend rejected the API key (401 validation_error): check RESEND_API_KEY.",
    ),
    _Plan(
        "Weekend flash sale",
        CampaignStatus.CANCELLED,
        9,
        "customer",
        progress=0.3,
        reason="Cancelled by a marketer: wrong discount code.",
    ),
    _Plan("Black Friday early access", CampaignStatus.SENT, 6, "vip"),
    _Plan("Product update: trail app 2.0", CampaignStatus.PAUSED, 2, "customer", progress=0.45),
    _Plan("Winter sale announcement", CampaignStatus.SENDING, 0.2, "newsletter", progress=0.62),
    _Plan("Holiday gift guide", CampaignStatus.SCHEDULED, 0.1, "newsletter"),
    _Plan("Year in review 2026", CampaignStatus.DRAFT, 0.05, "all"),
)
SMS_PLANS = (
    _Plan("Appointment reminders: October", CampaignStatus.SENT, 35, "customer"),
    _Plan("Black Friday SMS blast", CampaignStatus.SENT, 6, "vip"),
    _Plan(
        "Cyber Monday SMS",
        CampaignStatus.FAILED,
        5,
        "customer",
        progress=0.04,
        reason="Twilio rejected the credentials (20003 Authenticate): check TWILIO_AUTH_TOKEN.",
    ),
    _Plan(
        "Survey follow-up", CampaignStatus.CANCELLED, 4, "customer", progress=0.25, reason="Cancelled by a marketer."
    ),
    _Plan("Store opening: Austin", CampaignStatus.PAUSED, 1.5, "customer", progress=0.4),
    _Plan("Flash sale alert", CampaignStatus.SENDING, 0.15, "newsletter", progress=0.55),
    _Plan("Holiday store hours", CampaignStatus.SCHEDULED, 0.1, "customer"),
    _Plan("Loyalty points reminder", CampaignStatus.DRAFT, 0.02, "all"),
)
EMAIL_SUBJECTS = {
    "Spring collection preview": "{{ first_name }}, the spring collection is here",
    "Welcome series: week 1": "Welcome to Northwind, {{ first_name }}!",
    "November newsletter": "November at Northwind: trail notes and repairs",
    "Spring webinar invite": "Join our live gear clinic",
    "Weekend flash sale": "48 hours only: 25% off packs",
    "Black Friday early access": "VIP early access: Black Friday starts now",
    "Product update: trail app 2.0": "Offline maps are here",
    "Winter sale announcement": "The winter sale starts today",
    "Holiday gift guide": "Gifts for every kind of explorer",
    "Year in review 2026": "Your 2026 on the trail",
}
SMS_BODIES = {
    "Appointment reminders: October": "Northwind: your gear fitting is tomorrow. Reply C to confirm. STOP to opt out.",
    "Black Friday SMS blast": "Northwind VIP: Black Friday is live, 30% off everything. Reply STOP to opt out.",
    "Cyber Monday SMS": "Northwind: Cyber Monday deals end tonight! Reply STOP to opt out.",
    "Survey follow-up": "Northwind: how was your last visit? 2 questions: example.com/s Reply STOP to opt out.",
    "Store opening: Austin": "Northwind opens in Austin Saturday 10am, first 100 get a free mug! Reply STOP to opt out.",
    "Flash sale alert": "Flash sale: 20% off rain jackets until midnight. Reply STOP to opt out.",
    "Holiday store hours": "Northwind holiday hours: open 9-6 Dec 24, closed Dec 25. Reply STOP to opt out.",
    "Loyalty points reminder": "Hi {{ first_name }}, you have points waiting at Northwind! Reply STOP to opt out.",
}


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

    for channel, plans in (("email", EMAIL_PLANS), ("sms", SMS_PLANS)):
        for plan in plans:
            summary.recipients += _insert_campaign(session, rng, now, channel, plan, people, segments, template_id)
            summary.statuses.setdefault(channel, []).append(plan.status.value)
    summary.email_campaigns, summary.sms_campaigns = len(EMAIL_PLANS), len(SMS_PLANS)
    session.commit()

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


def _insert_contacts(session: Session, rng: random.Random, now: datetime, n: int) -> list[_Person]:
    rows, tags_per_row = [], []
    plans, weights = zip(*PLANS, strict=True)
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
    ids = dict(session.exec(select(Contact.email, Contact.id)).all())

    people = [
        _Person(
            id=ids[row["email"]],
            email=row["email"],
            phone=row["phone"],
            tags=tags,
            email_ok=row["email_status"] == EmailStatus.SUBSCRIBED,
            sms_ok=bool(row["phone"]) and row["sms_status"] == SmsStatus.SUBSCRIBED,
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
    ids = {}
    for key, (name, rules, match) in definitions.items():
        segment = Segment(name=name, kind="rules", rules=rules, match=match, created_at=now, updated_at=now)
        session.add(segment)
        session.flush()
        ids[key] = segment.id
    beta = Segment(name="Beta testers (static)", kind="static", rules=[], created_at=now, updated_at=now)
    session.add(beta)
    session.flush()
    ids["beta"] = beta.id
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
    return newsletter.id


def _audience(people: list[_Person], channel: str, tag: str) -> list[tuple[int, str]]:
    """(contact id, address) of the people with `tag`, minus suppressed addresses, one row per
    address: what the real snapshot does. (Contacts may share a phone number; if one of them
    texted STOP, the number is suppressed for all.)"""
    if channel == "email":
        blocked = {p.email for p in people if not p.email_ok}
        pairs = [(p.id, p.email) for p in people if tag == "all" or tag in p.tags]
    else:
        blocked = {p.phone for p in people if p.phone and not p.sms_ok}
        pairs = [(p.id, p.phone) for p in people if p.phone and (tag == "all" or tag in p.tags)]
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
    plan: _Plan,
    people: list[_Person],
    segments: dict[str, int],
    template_id: int,
) -> int:
    created = now - timedelta(days=plan.days_ago)
    fields = {
        "name": plan.name,
        "status": plan.status,
        "status_reason": plan.reason,
        "segment_id": segments[plan.audience],
        "created_at": created,
        "updated_at": created,
        "last_activity_at": created,
    }
    if plan.status == CampaignStatus.SCHEDULED:
        fields["scheduled_at"] = (now + timedelta(days=2 if channel == "email" else 1)).replace(minute=0, second=0)
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

    audience = _audience(people, channel, plan.audience)
    started = created + timedelta(minutes=rng.randrange(5, 90))
    statuses = [_outcome(rng, channel, i, len(audience), plan) for i in range(len(audience))]
    rows = []
    for i, ((contact_id, address), status) in enumerate(zip(audience, statuses, strict=True)):
        processed = status not in (RecipientStatus.PENDING, RecipientStatus.CANCELLED)
        sent_at = started + timedelta(seconds=i // 50) if status in SENT_RECIPIENT_STATUSES else None
        row = {
            "campaign_id": campaign.id,
            "contact_id": contact_id,
            "address": address,
            "status": status,
            "batch_id": f"demo-{channel}-{campaign.id}-{i // 500}" if processed else None,
            "chunk": (i % 500) // 100 if processed else None,
            "attempts": 1 if processed else 0,
            "provider_message_id": _message_id(rng, channel) if status in SENT_RECIPIENT_STATUSES else None,
            "last_error": _error(channel) if status == RecipientStatus.FAILED else None,
            "sent_at": sent_at,
            "updated_at": sent_at or started,
        }
        if channel == "sms":
            row["segments"] = 1 if len(campaign.body) <= 160 else 2
        rows.append(row)
    if rows:
        session.execute(insert(EmailCampaignRecipient if channel == "email" else SmsCampaignRecipient), rows)

    apply_counters(campaign, statuses, rng)
    campaign.started_at = started
    if plan.status in (CampaignStatus.SENT, CampaignStatus.FAILED, CampaignStatus.CANCELLED):
        campaign.completed_at = started + timedelta(seconds=len(audience) // 50 + 30)
    campaign.updated_at = campaign.last_activity_at = (
        now - timedelta(seconds=rng.randrange(2, 30))
        if plan.status == CampaignStatus.SENDING
        else campaign.completed_at or started + timedelta(seconds=len(audience) // 100)
    )
    _insert_minute_buckets(session, channel, campaign, now)
    session.add(campaign)
    return len(rows)


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
    "complained": 240,
    "unsubscribed": 240,
    "replied": 300,
}


def _insert_minute_buckets(session: Session, channel: str, campaign, now: datetime) -> None:
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


# What demo readers click, and how often (the top links chart).
DEMO_LINKS = (
    ("https://example.com/new", 50),
    ("https://example.com/sale", 25),
    ("https://example.com/guides/jacket-repair", 15),
    ("https://example.com/stores", 10),
)


def _insert_click_events(session: Session, campaign, counts: Counter, rng: random.Random, now: datetime) -> None:
    """One `clicked` event per click in the buckets: every clicking recipient once, then repeats."""
    clickers = session.execute(
        select(EmailCampaignRecipient.id, EmailCampaignRecipient.provider_message_id)
        .where(
            EmailCampaignRecipient.campaign_id == campaign.id, EmailCampaignRecipient.status == RecipientStatus.CLICKED
        )
        .order_by(EmailCampaignRecipient.id)
    ).all()
    minutes = sorted(
        itertools.chain.from_iterable([minute] * n for (minute, metric), n in counts.items() if metric == "clicked")
    )
    if not clickers or not minutes:
        return
    who = list(clickers) + [rng.choice(clickers) for _ in range(len(minutes) - len(clickers))]
    links, weights = zip(*DEMO_LINKS, strict=True)
    rows = []
    for n, (minute, (recipient_id, message_id)) in enumerate(zip(minutes, who, strict=False)):
        at = min(max(minute + timedelta(seconds=rng.randrange(60)), campaign.started_at), now)
        rows.append(
            {
                "provider_event_id": f"demo-click-{campaign.id}-{n}",
                "type": "clicked",
                "campaign_id": campaign.id,
                "recipient_id": recipient_id,
                "provider_message_id": message_id,
                "link": rng.choices(links, weights)[0],
                "payload": {},
                "occurred_at": at,
                "received_at": min(at + timedelta(seconds=1), now),
            }
        )
    session.execute(insert(EmailEvent), rows)


def _outcome(rng: random.Random, channel: str, i: int, total: int, plan: _Plan) -> RecipientStatus:
    """The ledger status of recipient `i` of `total` for a campaign following `plan`."""
    if i >= int(total * plan.progress):
        # not reached yet: still pending while sending or paused, cancelled when the campaign stopped
        return (
            RecipientStatus.PENDING
            if plan.status in (CampaignStatus.SENDING, CampaignStatus.PAUSED)
            else RecipientStatus.CANCELLED
        )
    if plan.status == CampaignStatus.FAILED:
        return RecipientStatus.FAILED  # the provider rejected the very first batches
    r = rng.random()
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


def apply_counters(campaign, statuses: list[RecipientStatus], rng: random.Random) -> None:
    """Set `campaign`'s counters exactly as its ledger `statuses` say, plus repeat opens/clicks and
    replies/unsubscribes drawn from `rng` (the demo seed and `bench pages` build campaigns this way)."""
    c = Counter(statuses)
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
    campaign.unsubscribed = int(campaign.delivered * rng.uniform(0.002, 0.006))
    campaign.replied = int(campaign.delivered * rng.uniform(0.002, 0.01))


def _message_id(rng: random.Random, channel: str) -> str:
    if channel == "sms":
        return "SM" + uuid.UUID(int=rng.getrandbits(128)).hex
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _error(channel: str) -> str:
    if channel == "sms":
        return "21211: The 'To' number is not a valid phone number."
    return "422 validation_error: The recipient address is not valid."


def _weighted(rng: random.Random, options) -> str:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights)[0]
