"""Sign-up with double opt-in, the confirming half: the link's page, and the person's confirmation.

Opening the link changes nothing (mail scanners follow links): `read_signup` says what will be
confirmed; only the page's POST (`confirm`) does it. A confirmed sign-up is the contact's own
action, proven by their mailbox, so on email it lifts what only the contact may lift: their
unsubscribe (link, mailto, preference centre, staff), a spam complaint and the tombstone of an
erased address (`consent_rules`). Never a hard bounce or a provider suppression (an admin's, with
a reason). Text messages follow only when the form's SMS consent was ticked, and only where no one
else's block stands: the mailbox proves nothing about the phone, so a STOP, a provider opt-out or
an unsubscribe of the number is lifted from that phone (START, JOIN), not here. Every change is a
consent-ledger entry with source `double_opt_in`, the token's fingerprint and the IP addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from campaign_dashboard.models import (
    Channel,
    Contact,
    EmailStatus,
    PendingSignup,
    SmsStatus,
    Suppression,
    Topic,
    utcnow,
)
from campaign_dashboard.services.audience import consent, consent_rules, opt_outs, tombstones
from campaign_dashboard.services.audience.consent import ConsentEvent, ConsentSource, SourceKind
from campaign_dashboard.services.audience.signups import purge_expired, token_hash
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.services.events.preference_centre import kept_off_in_words, mask, set_topics


class SignupLinkInvalid(DomainError):
    """The link names no sign-up that can still be confirmed (expired, replaced, never ours)."""

    code = "signup_link_invalid"


@dataclass(frozen=True)
class PendingView:
    """What the confirmation page shows before the person confirms."""

    masked_email: str
    first_name: str
    masked_phone: str | None
    sms_consent_text: str
    topics: list[str]
    confirmed: bool


@dataclass(frozen=True)
class Confirmed:
    """What the confirmation did: the channels now on, and why one stays off (said to the person)."""

    already: bool
    email: bool
    sms: bool
    email_kept_off: str | None = None
    sms_kept_off: str | None = None


EXPIRED = (
    "This confirmation link has expired or is no longer valid (a newer sign-up replaces it)."
    " Sign up again to get a new one."
)
EMAIL_LIFTS = frozenset(
    {
        SourceKind.ERASURE,
        SourceKind.COMPLAINT,
        SourceKind.ONE_CLICK_UNSUBSCRIBE,
        SourceKind.MAILTO_UNSUBSCRIBE,
        SourceKind.PREFERENCE_CENTRE,
    }
)


def read_signup(*, session: Session, token: str, now: datetime | None = None) -> PendingView:
    """The sign-up behind the link (SignupLinkInvalid otherwise); changes nothing."""
    row = _row(session, token, now or utcnow(), lock=False)
    return PendingView(
        masked_email=mask(row.email),
        first_name=row.first_name,
        masked_phone=mask(row.phone) if row.sms_consent and row.phone else None,
        sms_consent_text=row.sms_consent_text if row.sms_consent else "",
        topics=[t.name for t in _topics(session, row)],
        confirmed=row.confirmed_at is not None,
    )


def confirm(*, session: Session, token: str, client_address: str | None, now: datetime | None = None) -> Confirmed:
    """Subscribe the person as they asked (SignupLinkInvalid if the link cannot be); commits.
    A second confirmation changes nothing and says so."""
    now = now or utcnow()
    row = _row(session, token, now, lock=True)
    if row.confirmed_at is not None:
        session.rollback()
        return Confirmed(already=True, email=True, sms=row.sms_consent)
    topics = _topics(session, row)
    source = ConsentSource(
        SourceKind.DOUBLE_OPT_IN,
        detail="sign-up form, confirmed with the link in the confirmation email",
        client_address=client_address,
        evidence={
            "signup_token": token_hash(token)[:16],
            "signup_client_address": row.client_address,
            "signed_up_at": row.created_at.isoformat(),
            "topics": [t.name for t in topics] or None,
        },
    )
    contact = session.exec(select(Contact).where(col(Contact.email) == row.email)).first()
    new = contact is None
    if contact is None:
        contact = Contact(email=row.email, first_name=row.first_name, created_at=now, updated_at=now)
        session.add(contact)
        session.flush()
    elif row.first_name and not contact.first_name:
        contact.first_name = row.first_name
    email_off = _email(session, contact, row.email, source, now)
    channels = [Channel.EMAIL] if email_off is None else []
    sms_off = None
    if row.sms_consent and row.phone:
        sms_off = _sms(session, contact, row, source, now)
        if sms_off is None:
            channels.append(Channel.SMS)
    shown = _all_topics(session) if new else topics
    for channel in channels:
        set_topics(session, contact, channel, source, shown=shown, receiving={t.id for t in topics})
    row.confirmed_at = now
    session.add(row)
    session.add(contact)
    session.commit()
    return Confirmed(
        already=False,
        email=email_off is None,
        sms=row.sms_consent and sms_off is None,
        email_kept_off=email_off,
        sms_kept_off=sms_off,
    )


def _email(session: Session, contact: Contact, address: str, source: ConsentSource, now: datetime) -> str | None:
    """Turn email on for the contact, lifting the contact's own blocks; the reason it stays off."""
    blocks = consent_rules.address_blocks(session=session, channel=Channel.EMAIL, address=address)
    if kept := next((b for b in blocks if b.source not in EMAIL_LIFTS), None):
        return kept_off_in_words(kept, Channel.EMAIL)  # a hard bounce or provider suppression
    _lift(session, Channel.EMAIL, address)
    contact.email_status = EmailStatus.SUBSCRIBED
    contact.updated_at = now
    consent.record(
        session=session,
        contact_id=contact.id,
        channel=Channel.EMAIL,
        address=address,
        event=ConsentEvent.CONFIRMED,
        source=source,
        at=now,
    )
    return None


def _sms(session: Session, contact: Contact, row: PendingSignup, source: ConsentSource, now: datetime) -> str | None:
    """Give the contact the number and text messages, unless the number is blocked by someone or
    something only the phone may answer; the reason it stays off."""
    phone = row.phone or ""
    blocks = consent_rules.address_blocks(session=session, channel=Channel.SMS, address=phone)
    if blocks:
        keyword = "START" if any(b.source in consent_rules.PHONE_STOPS for b in blocks) else "JOIN"
        return (
            "Text messages to this number were stopped earlier, and only the phone can start them again:"
            f" text {keyword} to our number from it."
        )
    contact.phone = phone
    contact.sms_status = SmsStatus.SUBSCRIBED
    contact.updated_at = now
    consent.record(
        session=session,
        contact_id=contact.id,
        channel=Channel.SMS,
        address=phone,
        event=ConsentEvent.CONFIRMED,
        source=source,
        at=now,
        evidence={"sms_consent_text": row.sms_consent_text},
    )
    return None


def _lift(session: Session, channel: Channel, address: str) -> None:
    """Remove the address's suppressions the confirmation lifts (its tombstone included)."""
    session.exec(
        delete(Suppression)
        .where(
            col(Suppression.channel) == channel.value,
            col(Suppression.address).in_([address, tombstones.marker(channel, address)]),
            col(Suppression.reason).not_in([opt_outs.HARD_BOUNCE, opt_outs.PROVIDER_SUPPRESSED]),
        )
        .execution_options(synchronize_session=False)
    )


def _row(session: Session, token: str, now: datetime, *, lock: bool) -> PendingSignup:
    if not token or len(token) > 200:
        raise SignupLinkInvalid(EXPIRED)
    purge_expired(session=session, now=now)
    query = select(PendingSignup).where(col(PendingSignup.token_hash) == token_hash(token))
    row = session.exec(query.with_for_update() if lock else query).first()
    if row is None:
        session.commit()  # the purge
        raise SignupLinkInvalid(EXPIRED)
    return row


def _topics(session: Session, row: PendingSignup) -> list[Topic]:
    """The chosen topics that still exist, by name."""
    if not row.topic_ids:
        return []
    query = select(Topic).where(col(Topic.id).in_(row.topic_ids)).order_by(col(Topic.name))
    return list(session.exec(query).all())


def _all_topics(session: Session) -> list[Topic]:
    return list(session.exec(select(Topic).order_by(col(Topic.id))).all())
