"""The preference centre behind every unsubscribe link: what the contact receives, and their changes.

Reached with the link's signed token (`unsubscribe.read_unsubscribe_token`), no login. The contact
may leave the campaign's topic, leave everything on the link's channel, choose their topics, and
take back an unsubscribe of their own (one-click, mailto or this page): never a complaint, a hard
bounce, a provider suppression or a STOP (`consent_rules`). Every change is a consent-ledger entry
with source `preference_centre`, the topic, the client's address and the token's fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from campaign_dashboard.models import (
    Channel,
    Contact,
    EmailStatus,
    SmsStatus,
    Topic,
    TopicOptOut,
    table_of,
    utcnow,
)
from campaign_dashboard.services.audience import consent, consent_rules, opt_outs, subscriptions
from campaign_dashboard.services.audience.consent import ConsentEvent, ConsentSource, SourceKind
from campaign_dashboard.services.audience.consent_rules import Block
from campaign_dashboard.services.audience.topics import list_topics
from campaign_dashboard.services.channels import campaign_model
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.unsubscribe import UnsubscribeTarget, unsubscribe_target


@dataclass(frozen=True)
class TopicChoice:
    id: int
    name: str
    description: str
    receives: bool


@dataclass(frozen=True)
class Preferences:
    """What the page shows: the (masked) address, whether the channel is on, why it cannot be
    turned back on here (None: it can), the campaign's topic and every topic."""

    channel: Channel
    masked_address: str
    subscribed: bool
    kept_off: str | None
    campaign_topic: TopicChoice | None
    topics: list[TopicChoice]


def source_for(*, token: str, target: UnsubscribeTarget, client_address: str | None) -> ConsentSource:
    """The ledger's source for a change made through this link."""
    return ConsentSource(
        SourceKind.PREFERENCE_CENTRE,
        detail=f"preference centre, from {target.channel} campaign {target.campaign_id or '(none)'}",
        client_address=client_address,
        evidence={"link_token": hashlib.sha256(token.encode()).hexdigest()[:16]},
    )


def read_preferences(*, session: Session, target: UnsubscribeTarget) -> Preferences:
    contact = _contact(session, target)
    out = set(
        session.exec(
            select(col(TopicOptOut.topic_id)).where(
                col(TopicOptOut.contact_id) == contact.id, col(TopicOptOut.channel) == target.channel
            )
        ).all()
    )
    topics = [TopicChoice(t.id or 0, t.name, t.description, t.id not in out) for t in list_topics(session=session)]
    topic_id = _campaign_topic_id(session, target)
    subscribed = _status(contact, target.channel) == EmailStatus.SUBSCRIBED  # the same word for SMS
    kept = None
    if not subscribed:
        found = consent_rules.blocks(session=session, contact=contact, channel=target.channel)
        if (block := consent_rules.not_for_the_contact(found)) is not None:
            kept = kept_off_in_words(block, target.channel)
    return Preferences(
        channel=target.channel,
        masked_address=mask(_address(contact, target.channel)),
        subscribed=subscribed,
        kept_off=kept,
        campaign_topic=next((t for t in topics if t.id == topic_id), None),
        topics=topics,
    )


def leave_topic(*, session: Session, target: UnsubscribeTarget, source: ConsentSource) -> str | None:
    """Opt the contact out of the link's campaign's topic on its channel; commits. The topic's name
    (None: the campaign has no topic, or it is gone)."""
    contact = _contact(session, target)
    topic_id = _campaign_topic_id(session, target)
    topic = session.get(Topic, topic_id) if topic_id else None
    if topic is None:
        return None
    set_topics(session, contact, target.channel, source, shown=[topic], receiving=set())
    session.commit()
    return topic.name


def leave_everything(*, session: Session, target: UnsubscribeTarget, source: ConsentSource) -> None:
    """Unsubscribe from every campaign on the link's channel (what the one-click POST does, with
    this page as the source); counted once on the campaign like the link."""
    unsubscribe_target(session=session, target=target, source=source)


def save_choices(
    *,
    session: Session,
    target: UnsubscribeTarget,
    source: ConsentSource,
    shown: Collection[int],
    receiving: Collection[int],
    resubscribe: bool,
) -> None:
    """The contact's choices from the page: of the topics it showed (`shown`), receive `receiving`
    and not the others; `resubscribe` takes back their own unsubscribe of the channel. Unknown
    topic ids are refused (ValidationFailed naming `topic`) before anything changes; commits
    once, so a refused resubscribe (a complaint, STOP, bounce) changes nothing either."""
    contact = _contact(session, target)
    wanted = set(shown)
    if not set(receiving) <= wanted:
        raise _invalid("topic", "A chosen topic was not on the page.")
    query = select(Topic).where(col(Topic.id).in_(wanted)).order_by(col(Topic.id))
    topics = session.exec(query).all() if wanted else []
    if len(topics) != len(wanted):
        raise _invalid("topic", "A topic on the page no longer exists; reload the page and choose again.")
    if resubscribe and _status(contact, target.channel) != EmailStatus.SUBSCRIBED:
        found = consent_rules.blocks(session=session, contact=contact, channel=target.channel)
        if (block := consent_rules.not_for_the_contact(found)) is not None:
            raise _invalid("resubscribe", kept_off_in_words(block, target.channel))
    set_topics(session, contact, target.channel, source, shown=list(topics), receiving=set(receiving))
    if resubscribe and _status(contact, target.channel) != EmailStatus.SUBSCRIBED:
        subscriptions.resubscribe(
            session=session, contact_id=contact.id or 0, channel=target.channel, source=source
        )  # commits the topics with it
    session.commit()


def set_topics(
    session: Session, contact: Contact, channel: Channel, source: ConsentSource, *, shown: list[Topic], receiving: set
) -> None:
    """Make the contact's opt-outs of `shown` match `receiving`, one ledger entry per change.
    Each change is one conditional statement (insert if absent, delete if present) and is recorded
    only if it changed a row, so two tabs saving at once neither fail nor record a change twice."""
    table = table_of(TopicOptOut)
    insert_ignoring = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    address = opt_outs.canonical_address(channel, _address(contact, channel)) if _address(contact, channel) else ""
    now = utcnow()
    for topic in shown:
        if topic.id in receiving:
            statement: Any = (
                delete(table)
                .where(table.c.topic_id == topic.id, table.c.channel == str(channel), table.c.contact_id == contact.id)
                .returning(table.c.topic_id)
            )
            event = ConsentEvent.RESUBSCRIBED
        else:
            statement = (
                insert_ignoring(table)
                .values(topic_id=topic.id, channel=str(channel), contact_id=contact.id, created_at=now)
                .on_conflict_do_nothing(index_elements=["topic_id", "channel", "contact_id"])
                .returning(table.c.topic_id)
            )
            event = ConsentEvent.OPTED_OUT
        if session.execute(statement).first() is None:
            continue  # already so: nothing changed, nothing recorded
        consent.record(
            session=session,
            contact_id=contact.id,
            channel=channel,
            address=address,
            event=event,
            source=source,
            at=now,
            topic=topic.name,
            evidence={"topic_id": topic.id},
        )


def kept_off_in_words(block: Block, channel: Channel) -> str:
    """Why the contact cannot turn the channel back on here, said to the contact."""
    what = "emails" if channel == Channel.EMAIL else "text messages"
    if block.source == SourceKind.COMPLAINT:
        return f"You marked one of our emails as spam, so we stopped sending you {what}."
    if block.source in (SourceKind.KEYWORD, SourceKind.TWILIO_ADVANCED_OPT_OUT, SourceKind.PROVIDER_OPT_OUT):
        return "You texted STOP to our number. To receive text messages again, text START to it."
    return f"Our {what} to this address could not be delivered, so we stopped sending them."


def mask(address: str) -> str:
    """Enough of the address to recognise it, not enough to learn it from a forwarded link."""
    if "@" in address:
        local, domain = address.rsplit("@", 1)
        return f"{local[:1]}•••@{domain}"
    return f"{address[:2]}•••{address[-2:]}" if len(address) > 4 else "•••"


def _contact(session: Session, target: UnsubscribeTarget) -> Contact:
    contact = session.get(Contact, target.contact_id)
    if contact is None:
        raise ValidationFailed(
            "This link names a contact that no longer exists.",
            details=[{"field": "token", "message": "unknown contact"}],
        )
    return contact


def _campaign_topic_id(session: Session, target: UnsubscribeTarget) -> int | None:
    if target.campaign_id is None:
        return None
    campaign = session.get(campaign_model(target.channel), target.campaign_id)
    return campaign.topic_id if campaign is not None else None


def _address(contact: Contact, channel: Channel) -> str:
    return (contact.email if channel == Channel.EMAIL else contact.phone) or ""


def _status(contact: Contact, channel: Channel) -> str:
    if channel == Channel.EMAIL:
        return contact.email_status
    return EmailStatus.SUBSCRIBED if contact.sms_status == SmsStatus.SUBSCRIBED else SmsStatus.OPTED_OUT


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": field, "message": message}])
