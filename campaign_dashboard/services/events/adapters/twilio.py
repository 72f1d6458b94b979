"""Twilio inbound adapter: the verified form parameters of a callback -> the events the services apply.

Twilio posts form parameters (https://www.twilio.com/docs/messaging/guides/webhook-request and
.../track-outbound-message-status; examples vendored in tests/contracts/twilio_webhook_examples.json).
The route verifies `X-Twilio-Signature` over the raw parameters, then hands them here: `storable`
cleans them for the database, `status_event` reads a status callback (also used by the dead-letter
replay on stored parameters) and `inbound_sms` an incoming message.
"""

from __future__ import annotations

from collections.abc import Mapping

from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.adapters import storable_text
from campaign_dashboard.services.events.inbound import InboundSmsIn
from campaign_dashboard.services.events.sms_events import STATUS_EFFECTS, SmsStatusIn

MAX_SID = 64  # Twilio SIDs are 34 characters; the event id (sid:status) must fit 200
MAX_NUMBER = 64  # E.164 is at most 16; short codes, alphanumeric and channel addresses are short
MAX_ERROR_CODE = 20
MAX_ID = 2**31 - 1  # our campaign/recipient ids are 32-bit integers


def storable(params: Mapping[str, str]) -> dict[str, str]:
    """The parameters as every database can store them (no NUL, no lone surrogates)."""
    return {storable_text(k): storable_text(v) for k, v in params.items()}


def message_sid(params: Mapping[str, str]) -> str:
    """Twilio sends the id as `MessageSid` (and the legacy `SmsSid`); "" when absent or too long
    to be a SID."""
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    return sid if len(sid) <= MAX_SID else ""


def status_event(params: dict[str, str], *, query: Mapping[str, str] | None = None) -> SmsStatusIn | None:
    """A status callback's form parameters as an event; None without a MessageSid or with a
    MessageStatus we do not know. `query` is the callback URL's query string: the `campaign` and
    `recipient` ids we put in our StatusCallback (anything else there is ignored)."""
    sid = message_sid(params)
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    if not sid or status not in STATUS_EFFECTS:
        return None
    query = query or {}
    return SmsStatusIn(
        message_sid=sid,
        status=status,
        error_code=(params.get("ErrorCode") or "")[:MAX_ERROR_CODE] or None,
        campaign_id=callback_id(query.get("campaign", "")),
        recipient_id=callback_id(query.get("recipient", "")),
        payload=params,
    )


def callback_id(value: str) -> int | None:
    """One of our own ids from the StatusCallback query string, or None if it cannot be one."""
    if value.isascii() and value.isdigit() and int(value) <= MAX_ID:
        return int(value)
    return None


def inbound_sms(params: dict[str, str]) -> InboundSmsIn:
    """An incoming-message webhook's form parameters; ValidationFailed names a missing or
    impossible field."""
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    sender = params.get("From", "")
    if not sid or not sender:
        raise ValidationFailed("MessageSid and From are required.")
    if len(sid) > MAX_SID:
        raise ValidationFailed(f"MessageSid is longer than {MAX_SID} characters.")
    if len(sender) > MAX_NUMBER:
        raise ValidationFailed(f"From is longer than {MAX_NUMBER} characters.")
    return InboundSmsIn(
        message_sid=sid,
        from_number=sender,
        to_number=params.get("To", ""),
        body=params.get("Body", ""),
        payload=params,
    )
