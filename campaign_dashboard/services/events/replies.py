"""What people answered to a campaign: matched inbound emails, and SMS replies and keywords."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from campaign_dashboard.models import Channel, InboundEmail, SmsCampaignRecipient, SmsEvent, id_of

# The inbound SMS kinds `inbound.apply_inbound_sms` stores (a reply, or a STOP/START/HELP keyword).
SMS_INBOUND_TYPES = ("inbound", "opt_out", "opt_in", "help")
MAX_REPLIES = 100


@dataclass(frozen=True)
class Reply:
    id: int
    kind: str  # "reply" for email and plain SMS answers, else the SMS keyword kind
    from_address: str
    subject: str
    text: str
    received_at: datetime


def campaign_replies(*, session: Session, channel: str, campaign_id: int, limit: int = 20) -> list[Reply]:
    """The campaign's newest replies first, at most `limit`."""
    limit = max(1, min(limit, MAX_REPLIES))
    if Channel(channel) is Channel.EMAIL:
        statement = (
            select(InboundEmail)
            .where(col(InboundEmail.campaign_id) == campaign_id)
            .order_by(col(InboundEmail.received_at).desc(), col(InboundEmail.id).desc())
            .limit(limit)
        )
        return [
            Reply(
                id=id_of(m),
                kind="reply",
                from_address=m.from_address,
                subject=m.subject,
                text=_excerpt(m.text),
                received_at=m.received_at,
            )
            for m in session.exec(statement)
        ]
    sms_statement = (
        select(SmsEvent, col(SmsCampaignRecipient.address))
        .outerjoin(SmsCampaignRecipient, col(SmsCampaignRecipient.id) == SmsEvent.recipient_id)
        .where(col(SmsEvent.campaign_id) == campaign_id, col(SmsEvent.type).in_(SMS_INBOUND_TYPES))
        .order_by(col(SmsEvent.received_at).desc(), col(SmsEvent.id).desc())
        .limit(limit)
    )
    return [
        Reply(
            id=id_of(e),
            kind="reply" if e.type == "inbound" else e.type,
            from_address=(e.payload or {}).get("From") or address or "",
            subject="",
            text=_excerpt((e.payload or {}).get("Body", "")),
            received_at=e.received_at,
        )
        for e, address in session.exec(sms_statement)
    ]


def _excerpt(text: str, width: int = 500) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"
