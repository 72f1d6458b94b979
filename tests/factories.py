"""Small factories for tests: believable rows with unique addresses."""

from __future__ import annotations

import itertools

from sqlmodel import Session

from campaign_dashboard.models import Contact, ContactTag, EmailCampaign, Segment, SmsCampaign

_seq = itertools.count(1)


def random_email() -> str:
    return f"user{next(_seq)}@example.com"


def random_phone() -> str:
    return f"+1415555{next(_seq) % 10000:04d}"


def make_contact(session: Session, *, tags: list[str] = (), **fields) -> Contact:
    fields.setdefault("email", random_email())
    fields.setdefault("first_name", "Test")
    contact = Contact(**fields)
    session.add(contact)
    session.flush()
    for tag in tags:
        session.add(ContactTag(contact_id=contact.id, tag=tag))
    session.commit()
    return contact


def make_segment(session: Session, **fields) -> Segment:
    fields.setdefault("name", f"Segment {next(_seq)}")
    segment = Segment(**fields)
    session.add(segment)
    session.commit()
    return segment


def make_email_campaign(session: Session, **fields) -> EmailCampaign:
    fields.setdefault("name", f"Campaign {next(_seq)}")
    fields.setdefault("subject", "Hello {{ first_name }}")
    fields.setdefault("from_email", "news@example.com")
    fields.setdefault("html", "<p>Hi {{ first_name | default('there') }}</p>")
    campaign = EmailCampaign(**fields)
    session.add(campaign)
    session.commit()
    return campaign


def make_sms_campaign(session: Session, **fields) -> SmsCampaign:
    fields.setdefault("name", f"SMS {next(_seq)}")
    fields.setdefault("body", "Hi {{ first_name }}, sale today!")
    campaign = SmsCampaign(**fields)
    session.add(campaign)
    session.commit()
    return campaign
