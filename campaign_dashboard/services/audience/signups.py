"""Sign-up with double opt-in, the asking half: check the form, throttle it, keep the sign-up as
pending and email its confirmation link at once (not through the campaign queue).

Whatever the address (new, pending, subscribed, suppressed), the caller answers the same words,
so the form tells nobody who is on the list. What protects strangers and the sender:
- a honeypot field that people never see: filled in, nothing is kept or sent;
- rate limits per client address and per email address, in the shared token buckets (Redis or
  the database), so they hold across every web process (`SignupThrottled`, a 429);
- at most one confirmation email per address an hour: a claim on the pending row by one
  conditional UPDATE, so two processes cannot both send;
- no confirmation to an address that hard-bounced or that the provider suppressed (it would
  bounce again and hurt the sender's reputation), silently.
The link's token is stored only as a SHA-256 hash. The confirming half is `signup_confirmation`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from campaign_dashboard.models import Channel, PendingSignup, Topic, utcnow
from campaign_dashboard.providers.base import EmailProvider, OutgoingEmail, ProviderError
from campaign_dashboard.services.audience import consent_rules
from campaign_dashboard.services.audience.consent import SourceKind
from campaign_dashboard.services.audience.suppressions import normalize_email, normalize_phone
from campaign_dashboard.services.audience.topics import MAX_TOPICS
from campaign_dashboard.services.errors import DomainError, ValidationFailed
from campaign_dashboard.services.limits import check_id, check_length, check_single_line
from campaign_dashboard.services.rate_limiter import RateLimiter

log = logging.getLogger(__name__)

NEUTRAL_ANSWER = (
    "Thank you. Check your inbox to confirm your subscription: we sent you a link. If it is not there"
    " in a few minutes, look in your spam folder."
)
RESEND_AFTER = timedelta(hours=1)  # at most one confirmation email per address in this time
MAX_NAME = 200
MAX_CONSENT_TEXT = 1000
DEFAULT_SMS_CONSENT_TEXT = (
    "I agree to receive recurring marketing text messages at this number. Consent is not a condition"
    " of purchase. Msg & data rates may apply. Reply STOP to unsubscribe, HELP for help."
)
# The blocks a sign-up never lifts, so no confirmation is sent to them (an admin lifts them).
NOT_MAILED = frozenset({SourceKind.BOUNCE, SourceKind.PROVIDER_SUPPRESSION})


class SignupThrottled(DomainError):
    """Too many sign-ups from this client or for this address: try again in `retry_after` s."""

    code = "too_many_signups"

    def __init__(self, message: str, *, retry_after: int, field: str) -> None:
        super().__init__(message, details=[{"field": field, "message": message}])
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignupForm:
    """What the form posted, before any check."""

    email: str = ""
    first_name: str = ""
    phone: str = ""
    sms_consent: bool = False
    sms_consent_text: str = ""
    topic_ids: list = field(default_factory=list)
    honeypot: str = ""


@dataclass(frozen=True)
class Signup:
    """A checked sign-up: canonical email, E.164 phone (only with SMS consent), existing topics."""

    email: str
    first_name: str
    phone: str | None
    sms_consent: bool
    sms_consent_text: str
    topic_ids: list[int]


@dataclass(frozen=True)
class Confirmation:
    """A claimed confirmation email: the sign-up and its link's token (only its hash is stored)."""

    signup: Signup
    token: str


@dataclass(frozen=True)
class Mailer:
    """How the confirmation goes out: the email provider port, the sender and the public address."""

    provider: EmailProvider
    from_email: str
    base_url: str


@dataclass(frozen=True)
class Limits:
    per_ip_per_hour: int = 20
    per_email_per_hour: int = 5
    confirm_hours: int = 48


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def confirm_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/signup/confirm/{token}"


def checked(*, session: Session, form: SignupForm) -> Signup:
    """The form's fields checked one by one (ValidationFailed naming the first bad field)."""
    email = normalize_email(form.email, field="email")
    first_name = (form.first_name or "").strip()
    check_length("first_name", first_name, MAX_NAME)
    check_single_line("first_name", first_name)
    phone = None
    consent_text = ""
    if form.sms_consent:
        if not (form.phone or "").strip():
            raise _invalid("phone", "A phone number is needed to receive text messages.")
        phone = normalize_phone(form.phone, field="phone")
        consent_text = (form.sms_consent_text or "").strip() or DEFAULT_SMS_CONSENT_TEXT
        check_length("sms_consent_text", consent_text, MAX_CONSENT_TEXT)
    elif (form.phone or "").strip():
        normalize_phone(form.phone, field="phone")  # a bad number is still said; a good one is not kept
    if not isinstance(form.topic_ids, list) or len(form.topic_ids) > MAX_TOPICS:
        raise _invalid("topic_ids", f"At most {MAX_TOPICS} topic ids.")
    topic_ids = []
    for value in form.topic_ids:
        check_id("topic_ids", value)
        if value not in topic_ids:
            topic_ids.append(value)
    if topic_ids:
        found = set(session.exec(select(col(Topic.id)).where(col(Topic.id).in_(topic_ids))).all())
        if missing := [t for t in topic_ids if t not in found]:
            raise _invalid("topic_ids", f"No topic {missing[0]}.")
    return Signup(email, first_name, phone, form.sms_consent and phone is not None, consent_text, topic_ids)


def throttle(*, limiter: RateLimiter, key: str, per_hour: int, field: str) -> None:
    """Take one sign-up from the hourly bucket `key`, or raise SignupThrottled (a 429)."""
    if per_hour <= 0:
        return
    bucket = "signup:" + hashlib.sha256(key.encode()).hexdigest()[:40]
    wait = limiter.acquire(bucket, rate=per_hour / 3600, burst=per_hour)
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        raise SignupThrottled(f"Too many sign-ups: try again in {seconds} seconds.", retry_after=seconds, field=field)


def request_signup(
    *,
    session: Session,
    form: SignupForm,
    client_address: str | None,
    limiter: RateLimiter,
    limits: Limits,
    now: datetime | None = None,
) -> Confirmation | None:
    """Handle one posted form: the confirmation to send (`send_confirmation`), or None when none
    is due (the caller says the same words either way, and sends after answering, so neither the
    words nor the time tell). Raises ValidationFailed (a bad field) or SignupThrottled; commits."""
    now = now or utcnow()
    throttle(limiter=limiter, key=f"ip|{client_address or ''}", per_hour=limits.per_ip_per_hour, field="client")
    if (form.honeypot or "").strip():
        log.info("sign-up with the honeypot filled in from %s: ignored", client_address)
        return None
    signup = checked(session=session, form=form)
    session.rollback()  # give the connection back before the limiter takes its own (SQLite: one writer)
    throttle(limiter=limiter, key=f"email|{signup.email}", per_hour=limits.per_email_per_hour, field="email")
    purge_expired(session=session, now=now)
    blocks = consent_rules.address_blocks(session=session, channel=Channel.EMAIL, address=signup.email)
    if any(block.source in NOT_MAILED for block in blocks):
        session.rollback()
        return None
    token = secrets.token_urlsafe(32)
    if not _claim(session, signup, token, client_address, limits, now):
        return None
    return Confirmation(signup, token)


def _claim(session: Session, signup: Signup, token: str, client: str | None, limits: Limits, now: datetime) -> bool:
    """Keep the sign-up as the address's pending one, with this token, and claim the hour's one
    confirmation email; False (nothing changed) if the address had one within the hour."""
    values: dict[str, Any] = {
        "first_name": signup.first_name,
        "phone": signup.phone,
        "sms_consent": signup.sms_consent,
        "sms_consent_text": signup.sms_consent_text,
        "topic_ids": signup.topic_ids,
        "token_hash": token_hash(token),
        "client_address": (client or "")[:100] or None,
        "created_at": now,
        "expires_at": now + timedelta(hours=limits.confirm_hours),
        "confirmation_sent_at": now,
        "confirmed_at": None,
    }
    existing = session.exec(select(PendingSignup.id).where(col(PendingSignup.email) == signup.email)).first()
    if existing is None:
        session.add(PendingSignup(email=signup.email, **values))
        try:
            session.commit()
        except IntegrityError:  # another process took the address first: its email is the one
            session.rollback()
            return False
        return True
    claimed = session.exec(
        update(PendingSignup)
        .where(
            col(PendingSignup.id) == existing,
            or_(
                col(PendingSignup.confirmation_sent_at).is_(None),
                col(PendingSignup.confirmation_sent_at) <= now - RESEND_AFTER,
            ),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return claimed == 1


def send_confirmation(*, session: Session, confirmation: Confirmation, mailer: Mailer) -> bool:
    """The confirmation email, now, through the provider port (not the campaign queue); True when
    the provider took it. A failure gives the hour's claim back (the person may try again) and is
    logged, never shown (the answer stays the same)."""
    signup, token = confirmation.signup, confirmation.token
    link = confirm_url(mailer.base_url, token)
    message = confirmation_email(signup=signup, link=link, from_email=mailer.from_email)
    try:
        [result] = mailer.provider.send_batch([message], idempotency_key=f"signup-{token_hash(token)[:32]}")
        error = None if result.accepted else result.error
    except ProviderError as exc:
        error = exc.message
    if error is None:
        return True
    log.warning("confirmation email for a sign-up not sent: %s", error)
    session.exec(
        update(PendingSignup)
        .where(col(PendingSignup.token_hash) == token_hash(token))
        .values(confirmation_sent_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return False


def confirmation_email(*, signup: Signup, link: str, from_email: str) -> OutgoingEmail:
    hello = f"Hello {signup.first_name}," if signup.first_name else "Hello,"
    text = (
        f"{hello}\n\nPlease confirm your subscription by opening this link:\n{link}\n\n"
        "If you did not sign up, ignore this email: you will not be subscribed, and we will not"
        " write again about it."
    )
    html = (
        f"<p>{escape(hello)}</p><p>Please confirm your subscription:</p>"
        f'<p><a href="{escape(link)}">Confirm my subscription</a></p>'
        "<p>If you did not sign up, ignore this email: you will not be subscribed, and we will not"
        " write again about it.</p>"
    )
    return OutgoingEmail(
        to=signup.email,
        from_email=from_email,
        subject="Confirm your subscription",
        html=html,
        text=text,
        tags={"signup": "confirmation"},
    )


def purge_expired(*, session: Session, now: datetime | None = None) -> int:
    """Forget the sign-ups whose link expired (confirmed or not); the count. No commit."""
    statement = delete(PendingSignup).where(col(PendingSignup.expires_at) <= (now or utcnow()))
    return session.exec(statement.execution_options(synchronize_session=False)).rowcount


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", details=[{"field": field, "message": message}])
