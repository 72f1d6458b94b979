"""Mail and texts people send back: email replies, bounce notices, SMS STOP/START/HELP.

An inbound email is matched to the email we sent by a per-recipient reply token in the address
it was sent to (`reply+<token>@<inbound domain>`, set as Reply-To by the sender), or, as a fallback,
by its `In-Reply-To`/`References` Message-IDs (from the headers the worker fetched from Resend's
Receiving API: the webhook has none). A match is stored in `inbound_emails` and counted as a
`reply` event; bounce notices (DSNs) and mail we cannot match go to `failed_inbound_emails` with
the reason. Every path is replay safe (unique provider ids) and commits once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import getaddresses
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from campaign_dashboard.models import (
    Channel,
    EmailEvent,
    FailedInboundEmail,
    InboundEmail,
    RecipientStatus,
    SentEmail,
    SmsCampaignRecipient,
    SmsEvent,
    SmsStatus,
    utcnow,
)
from campaign_dashboard.services.audience import consent, opt_outs
from campaign_dashboard.services.audience.consent import ConsentEvent, ConsentSource, SourceKind
from campaign_dashboard.services.events.counters import count_event
from campaign_dashboard.services.events.dead_letters import Outcome, store_once
from campaign_dashboard.services.events.email_events import (
    EmailEventIn,
    EmailEventType,
    insert_event,
    lock_sent_email,
    seen_before,
)
from campaign_dashboard.services.events.sms_events import seen_before as sms_seen_before
from campaign_dashboard.services.events.sms_join import JOIN_KEYWORDS, JOINED_REPLY, join
from campaign_dashboard.services.events.unsubscribe import UnsubscribeResult, UnsubscribeTarget, unsubscribe_target

# ---------------------------------------------------------------- email replies

REPLY_TOKEN = re.compile(r"^[^@+]+\+([A-Za-z0-9_-]{8,64})@", re.ASCII)
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
DSN_SENDERS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
DSN_SUBJECT = re.compile(
    r"undeliver|delivery status notification|returned mail|returned to sender|"
    r"mail delivery (failed|failure|subsystem)|delivery (failure|failed)|failure notice|non-?delivery",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class InboundEmailIn:
    """An `email.received` event: the webhook's metadata (services.events.adapters.resend), completed with
    the body and headers from the Receiving API by the worker (services.received_emails)."""

    provider_event_id: str  # the webhook delivery id (svix-id)
    provider_id: str  # the received email's id (data.email_id)
    from_address: str
    to: list[str]
    subject: str = ""
    message_id: str | None = None
    in_reply_to: str | None = None
    references: str | None = None
    text: str = ""
    html: str = ""
    content_type: str | None = None
    occurred_at: datetime = field(default_factory=utcnow)
    payload: dict[str, Any] = field(default_factory=dict)


def apply_inbound_email(*, session: Session, email: InboundEmailIn) -> Outcome:
    """Store a reply (APPLIED) or a failed inbound (DEAD_LETTER); replays are DUPLICATE."""
    if _inbound_seen(session=session, email=email):
        return Outcome.DUPLICATE
    dsn = dsn_reason(email)
    if dsn:
        return _fail(session=session, email=email, reason=dsn)
    unsubscribe = _mailto_unsubscribe(session=session, email=email)
    if unsubscribe is not None:
        return unsubscribe
    matched = match_sent_email(session=session, email=email)
    if matched is None:
        return _fail(
            session=session,
            email=email,
            reason="no matching sent email: no known reply token in the recipient address and "
            "no known Message-ID in In-Reply-To/References",
        )
    sent = lock_sent_email(session=session, provider_message_id=matched.provider_message_id)
    if sent is None:  # deleted in the moment since it matched
        raise LookupError(f"sent email {matched.provider_message_id!r} is gone")
    event = EmailEventIn(
        provider_event_id=email.provider_event_id,
        type=EmailEventType.REPLY,
        provider_message_id=sent.provider_message_id,
        occurred_at=email.occurred_at,
        detail=email.subject[:500],
        payload=email.payload,
    )
    event_id = insert_event(session=session, sent=sent, event=event)
    if event_id is None:
        session.rollback()
        return Outcome.DUPLICATE
    first_reply = not seen_before(session=session, sent=sent, types=(EmailEventType.REPLY,), event_id=event_id)
    inbound = InboundEmail(
        provider_id=email.provider_id,
        sent_email_id=sent.id,
        campaign_id=sent.campaign_id,
        contact_id=sent.contact_id,
        from_address=_bare(email.from_address)[:320],
        to_address=", ".join(email.to)[:320],
        subject=email.subject[:500],
        text=email.text,
        html=email.html,
        in_reply_to=(email.in_reply_to or None) and email.in_reply_to[:300],
        received_at=email.occurred_at,
    )
    if not store_once(session=session, row=inbound):
        return Outcome.DUPLICATE
    replied = {"replied": 1} if first_reply else {}
    now = utcnow()
    count_event(
        session=session,
        channel=Channel.EMAIL,
        campaign_id=sent.campaign_id,
        at=email.occurred_at,
        now=now,
        counters=replied,
        metrics=replied,
    )
    session.commit()
    return Outcome.APPLIED


UNSUBSCRIBE_TOKEN = re.compile(r"^unsubscribe\+([A-Za-z0-9_-]{8,64})@", re.ASCII | re.IGNORECASE)


def _mailto_unsubscribe(*, session: Session, email: InboundEmailIn) -> Outcome | None:
    """Mail to the `List-Unsubscribe` mailto (`unsubscribe+<reply token>@...`) unsubscribes."""
    tokens = [m.group(1) for a in email.to if (m := UNSUBSCRIBE_TOKEN.match(_bare(a)))]
    if not tokens:
        return None
    sent = session.exec(select(SentEmail).where(col(SentEmail.reply_token).in_(tokens))).first()
    if sent is None or sent.contact_id is None:
        return None
    target = UnsubscribeTarget(contact_id=sent.contact_id, channel=Channel.EMAIL, campaign_id=sent.campaign_id)
    source = ConsentSource(
        SourceKind.MAILTO_UNSUBSCRIBE,
        detail=f"mail to the List-Unsubscribe address of email campaign {sent.campaign_id}",
        client_address=_bare(email.from_address)[:100],
        evidence={"provider_event_id": email.provider_event_id, "email_id": email.provider_id},
    )
    result = unsubscribe_target(session=session, target=target, source=source)
    return Outcome.APPLIED if result == UnsubscribeResult.UNSUBSCRIBED else Outcome.DUPLICATE


def dsn_reason(email: InboundEmailIn) -> str | None:
    """Why this looks like a bounce notice rather than a person's reply, or None."""
    local = _bare(email.from_address).partition("@")[0].lower()
    if local in DSN_SENDERS:
        return f"bounce notification (DSN) from {local}"
    content_type = (email.content_type or "").lower()
    if "multipart/report" in content_type or "delivery-status" in content_type:
        return "bounce notification (DSN): multipart/report delivery-status"
    if DSN_SUBJECT.search(email.subject or ""):
        return f"bounce notification (DSN): subject {email.subject[:100]!r}"
    return None


def match_sent_email(*, session: Session, email: InboundEmailIn) -> SentEmail | None:
    tokens = [m.group(1) for a in email.to if (m := REPLY_TOKEN.match(_bare(a)))]
    if tokens:
        sent = session.exec(select(SentEmail).where(col(SentEmail.reply_token).in_(tokens))).first()
        if sent is not None:
            return sent
    ids = MESSAGE_ID.findall(" ".join(filter(None, [email.in_reply_to, email.references])))
    if not ids:
        return None
    candidates = set(ids) | {i.strip("<>") for i in ids}
    # The newest reference is the last one: prefer it when several of ours are quoted.
    rows = session.exec(select(SentEmail).where(col(SentEmail.message_id_header).in_(candidates))).all()
    order = {i.strip("<>"): n for n, i in enumerate(ids)}
    return max(rows, key=lambda s: order.get((s.message_id_header or "").strip("<>"), -1), default=None)


def _inbound_seen(*, session: Session, email: InboundEmailIn) -> bool:
    return any(
        session.exec(statement).first() is not None
        for statement in (
            select(InboundEmail.id).where(InboundEmail.provider_id == email.provider_id),
            select(FailedInboundEmail.id).where(FailedInboundEmail.provider_id == email.provider_id),
            select(EmailEvent.id).where(EmailEvent.provider_event_id == email.provider_event_id),
        )
    )


def _fail(*, session: Session, email: InboundEmailIn, reason: str) -> Outcome:
    session.add(
        FailedInboundEmail(
            provider_id=email.provider_id,
            from_address=_bare(email.from_address)[:320],
            to_address=", ".join(email.to)[:320],
            subject=email.subject[:500],
            reason=reason,
            payload=email.payload,
            received_at=email.occurred_at,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return Outcome.DUPLICATE
    return Outcome.DEAD_LETTER


def _bare(address: str) -> str:
    """The address without display name; case kept (the reply token is case-sensitive)."""
    parsed = getaddresses([address or ""])
    return (parsed[0][1] if parsed and parsed[0][1] else (address or "")).strip()


# ---------------------------------------------------------------- SMS keywords

# Twilio's default keywords ("Twilio support for opt-out keywords",
# https://help.twilio.com/hc/en-us/articles/223134027): opt-out STOP…, opt-in START/YES/UNSTOP,
# help HELP/INFO.
OPT_OUT_KEYWORDS = frozenset({"STOP", "UNSUBSCRIBE", "END", "QUIT", "STOPALL", "REVOKE", "OPTOUT", "CANCEL"})
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
# With Advanced Opt-Out, Twilio classifies custom keywords in any language and says so in the
# `OptOutType` parameter (https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out):
# it decides before the keyword lists.
OPT_OUT_TYPES = {"STOP": "opt_out", "START": "opt_in", "HELP": "help"}

OPT_OUT_REPLY = "You have been unsubscribed and will receive no more messages. Reply START to resubscribe."
OPT_IN_REPLY = "You have been resubscribed. Reply STOP to unsubscribe, HELP for help."
HELP_REPLY = "Campaign messages. Msg & data rates may apply. Reply STOP to unsubscribe, START to resubscribe."
REPLIES = {"opt_out": OPT_OUT_REPLY, "opt_in": OPT_IN_REPLY, "help": HELP_REPLY, "join": JOINED_REPLY}
# Keywords Twilio does not answer itself: our reply is always sent (JOIN, services/events/sms_join.py).
OUR_KEYWORDS = frozenset({"join"})


@dataclass(frozen=True)
class InboundSmsIn:
    """An incoming text (read by services.events.adapters.twilio)."""

    message_sid: str
    from_number: str
    to_number: str
    body: str
    payload: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime = field(default_factory=utcnow)

    @property
    def opt_out_type(self) -> str:
        """Twilio's classification of the message (Advanced Opt-Out), or ""."""
        return str(self.payload.get("OptOutType") or "").strip().upper()


def keyword_of(body: str) -> str:
    """The message as a keyword: trimmed, upper case, trailing punctuation dropped."""
    return re.sub(r"[^A-Z]", "", (body or "").strip().upper())


def kind_of(sms: InboundSmsIn) -> str:
    """opt_out, opt_in, help, join or inbound (a reply): Twilio's `OptOutType` first, keywords second."""
    if sms.opt_out_type in OPT_OUT_TYPES:
        return OPT_OUT_TYPES[sms.opt_out_type]
    keyword = keyword_of(sms.body)
    if keyword in OPT_OUT_KEYWORDS:
        return "opt_out"
    if keyword in OPT_IN_KEYWORDS:
        return "opt_in"
    if keyword in HELP_KEYWORDS:
        return "help"
    if keyword in JOIN_KEYWORDS:
        return "join"
    return "inbound"


def apply_inbound_sms(*, session: Session, sms: InboundSmsIn) -> str | None:
    """Apply STOP/START/HELP/JOIN (or count a reply); commits. Returns the text to answer with, if any
    (the webhook sends it only when Twilio's own keyword handling is off).

    A replayed message (same MessageSid) changes nothing and gets the same answer."""
    kind = kind_of(sms)
    answer = REPLIES.get(kind)
    recipient = latest_recipient(session=session, phone=sms.from_number)
    row = SmsEvent(
        provider_event_id=sms.message_sid,
        type=kind,
        campaign_id=recipient.campaign_id if recipient else None,
        recipient_id=recipient.id if recipient else None,
        provider_message_id=sms.message_sid,
        payload=sms.payload,
        occurred_at=sms.occurred_at,
        received_at=utcnow(),
    )
    if not store_once(session=session, row=row):  # a replayed message: same answer, no change
        return answer

    now = utcnow()
    counters: dict[str, int] = {}
    if kind == "opt_out":
        changed = opt_outs.set_sms_status_by_phone(
            session=session, phone=sms.from_number, status=SmsStatus.OPTED_OUT, now=now
        )
        added = opt_outs.suppress(
            session=session,
            channel=Channel.SMS,
            address=sms.from_number,
            reason=opt_outs.SMS_OPT_OUT,
            source=f"twilio:{sms.message_sid}",
        )
        _record_keyword(session=session, sms=sms, event=ConsentEvent.OPTED_OUT, changed=changed, address_changed=added)
        if changed or added:
            counters["unsubscribed"] = 1
    elif kind == "opt_in":
        changed = opt_outs.set_sms_status_by_phone(
            session=session, phone=sms.from_number, status=SmsStatus.SUBSCRIBED, now=now
        )
        lifted = opt_outs.unsuppress(
            session=session,
            channel=Channel.SMS,
            address=sms.from_number,
            reasons=(opt_outs.SMS_OPT_OUT, opt_outs.PROVIDER_SUPPRESSED),  # START lifts Twilio's block too
        )
        _record_keyword(
            session=session, sms=sms, event=ConsentEvent.RESUBSCRIBED, changed=changed, address_changed=lifted
        )
    elif kind == "join":
        answer = join(session=session, phone=sms.from_number, source=_keyword_source(sms))
    elif (
        kind == "inbound"
        and recipient is not None
        and not sms_seen_before(session=session, recipient=recipient, types=("inbound",), row=row)
    ):
        counters["replied"] = 1
    if recipient is not None:
        count_event(
            session=session,
            channel=Channel.SMS,
            campaign_id=recipient.campaign_id,
            at=sms.occurred_at,
            now=now,
            counters=counters,
            metrics=counters,
        )
    session.commit()
    return answer


def _record_keyword(
    *, session: Session, sms: InboundSmsIn, event: ConsentEvent, changed: list[int], address_changed: bool
) -> None:
    """The ledger entry for a STOP or START from the phone: the keyword and message are the evidence."""
    source = _keyword_source(sms)
    consent.record_change(
        session=session,
        channel=Channel.SMS,
        address=opt_outs.canonical_address(Channel.SMS, sms.from_number),
        event=event,
        source=source,
        changed=changed,
        address_changed=address_changed,
        at=sms.occurred_at,
    )


def _keyword_source(sms: InboundSmsIn) -> ConsentSource:
    """The ledger's source for a keyword from the phone: the text and message are the evidence."""
    keyword = keyword_of(sms.body)
    advanced = sms.opt_out_type in OPT_OUT_TYPES and keyword not in OPT_OUT_KEYWORDS | OPT_IN_KEYWORDS
    return ConsentSource(
        SourceKind.TWILIO_ADVANCED_OPT_OUT if advanced else SourceKind.KEYWORD,
        detail=f"texted to {sms.to_number}",
        client_address=opt_outs.canonical_address(Channel.SMS, sms.from_number),
        evidence={"keyword": (sms.body or "").strip()[:160], "message_sid": sms.message_sid},
    ).with_evidence(opt_out_type=sms.opt_out_type or None)


def latest_recipient(*, session: Session, phone: str) -> SmsCampaignRecipient | None:
    """The most recent campaign message we sent to this number: who a STOP or reply answers."""
    statement = (
        select(SmsCampaignRecipient)
        .where(
            col(SmsCampaignRecipient.address) == opt_outs.canonical_address(Channel.SMS, phone),
            col(SmsCampaignRecipient.status).not_in(
                [RecipientStatus.PENDING, RecipientStatus.CLAIMED, RecipientStatus.CANCELLED]
            ),
        )
        .order_by(col(SmsCampaignRecipient.sent_at).desc().nulls_last(), col(SmsCampaignRecipient.id).desc())
        .limit(1)
        .with_for_update()
    )
    return session.exec(statement).first()
