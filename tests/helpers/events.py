"""Event tests' helpers: sent messages exactly as the send path leaves them, provider payloads,
and requests signed the way Resend (svix) and Twilio sign them."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlmodel import Session
from svix.webhooks import Webhook
from twilio.request_validator import RequestValidator

from campaign_dashboard.models import (
    EmailCampaign,
    EmailCampaignRecipient,
    SentEmail,
    SmsCampaign,
    SmsCampaignRecipient,
    utcnow,
)
from tests.factories import make_contact, make_email_campaign, make_sms_campaign, random_phone

BASE_URL = "https://campaigns.example.test"
WEBHOOK_SECRET = "whsec_" + "dGVzdC13ZWJob29rLXNlY3JldC1mb3ItZXZlbnRzLTAwMDA="
TWILIO_TOKEN = "test_twilio_auth_token_0123456789"


class SessionAwareClient(TestClient):
    """Ends the test session's transaction before each request: on SQLite every transaction
    takes the write lock (BEGIN IMMEDIATE), so an open read in the test would block the app."""

    test_session: Session

    def request(self, *args, **kwargs):
        self.test_session.rollback()
        return super().request(*args, **kwargs)


# ------------------------------------------------------------------ rows the sender writes


def make_sent_email(
    session: Session,
    *,
    campaign: EmailCampaign | None = None,
    contact=None,
    status: str = "sent",
    provider_message_id: str | None = None,
) -> SentEmail:
    """An accepted email exactly as the send path leaves it (recipient row + sent_emails row)."""
    campaign = campaign or make_email_campaign(session, status="sending")
    contact = contact or make_contact(session)
    recipient = EmailCampaignRecipient(
        campaign_id=campaign.id,
        contact_id=contact.id,
        address=contact.email,
        status=status,
        provider_message_id=provider_message_id or str(uuid.uuid4()),
        sent_at=utcnow(),
        attempts=1,
    )
    session.add(recipient)
    session.flush()
    sent = SentEmail(
        campaign_id=campaign.id,
        recipient_id=recipient.id,
        contact_id=contact.id,
        provider_message_id=recipient.provider_message_id,
        message_id_header=f"<r{recipient.id}.c{campaign.id}.{secrets.token_hex(4)}@campaigns.local>",
        reply_token=secrets.token_urlsafe(12),
        to_address=contact.email,
        subject="Hello",
        status="sent",
    )
    session.add(sent)
    session.commit()
    return sent


def make_sms_recipient(
    session: Session, *, campaign: SmsCampaign | None = None, contact=None, provider_message_id: str | None = None
):
    campaign = campaign or make_sms_campaign(session, status="sending")
    contact = contact or make_contact(session, phone=random_phone())
    recipient = SmsCampaignRecipient(
        campaign_id=campaign.id,
        contact_id=contact.id,
        address=contact.phone,
        status="sent",
        provider_message_id=provider_message_id or "SM" + uuid.uuid4().hex,
        sent_at=utcnow(),
        attempts=1,
    )
    session.add(recipient)
    session.commit()
    return recipient


# ------------------------------------------------------------------ provider payloads


def resend_event(
    kind: str, sent: SentEmail | None = None, *, email_id: str | None = None, at: datetime | None = None, **data
) -> dict:
    """A payload shaped like Resend's documented webhook events."""
    at = at or utcnow()
    body = {
        "created_at": at.isoformat().replace("+00:00", "Z"),
        "email_id": email_id or (sent.provider_message_id if sent else str(uuid.uuid4())),
        "from": "Acme <news@example.com>",
        "to": [sent.to_address if sent else "someone@example.com"],
        "subject": "Hello",
        "message_id": sent.message_id_header if sent else "<x@example.com>",
        "tags": {"campaign_id": str(sent.campaign_id), "recipient_id": str(sent.recipient_id)} if sent else {},
    }
    if kind == "email.clicked":
        body["click"] = {
            "ipAddress": "203.0.113.9",
            "link": data.pop("link", "https://example.com/offer"),
            "timestamp": at.isoformat().replace("+00:00", "Z"),
            "userAgent": "Mozilla/5.0",
        }
    if kind == "email.bounced":
        body["bounce"] = {
            "message": "The recipient's mailbox does not exist.",
            "subType": data.pop("sub_type", "General"),
            "type": data.pop("bounce_type", "Permanent"),
        }
    if kind == "email.failed":
        body["failed"] = {"reason": "reached_daily_quota"}
    if kind == "email.suppressed":
        body["suppressed"] = {"message": "on suppression list", "type": "OnAccountSuppressionList"}
    body.update(data)
    return {"type": kind, "created_at": at.isoformat().replace("+00:00", "Z"), "data": body}


def svix_headers(
    body: str, *, msg_id: str | None = None, secret: str = WEBHOOK_SECRET, timestamp: datetime | None = None
) -> dict[str, str]:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    timestamp = timestamp or datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id, timestamp, body)
    return {
        "svix-id": msg_id,
        "svix-timestamp": str(int(timestamp.timestamp())),
        "svix-signature": signature,
        "content-type": "application/json",
    }


def post_resend(client: TestClient, payload: dict | str, *, msg_id: str | None = None, **kw):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post("/webhooks/resend", content=body, headers=svix_headers(body, msg_id=msg_id, **kw))


def post_twilio(client: TestClient, path: str, params: dict[str, str], *, token: str = TWILIO_TOKEN):
    """POST a form signed the way Twilio signs it: full public URL + sorted params."""
    url = BASE_URL + path
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(
        path,
        content=urlencode(params),
        headers={"X-Twilio-Signature": signature, "content-type": "application/x-www-form-urlencoded"},
    )


def minutes_ago(n: int) -> datetime:
    return utcnow() - timedelta(minutes=n)


def status_params(recipient, status: str, **extra) -> dict[str, str]:
    return {
        "AccountSid": "AC00000000000000000000000000000000",
        "ApiVersion": "2010-04-01",
        "From": "+15005550006",
        "To": recipient.address,
        "MessageSid": recipient.provider_message_id,
        "SmsSid": recipient.provider_message_id,
        "MessageStatus": status,
        "SmsStatus": status,
        **extra,
    }
