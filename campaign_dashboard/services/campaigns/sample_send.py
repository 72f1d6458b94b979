"""Send ONE test of a campaign being written, rendered for the sample contact, to one address.

A marketer checks how the email or SMS looks in a real inbox or phone before anyone else gets it.
The content is checked exactly as saving the campaign would check it, and the message goes through
the same provider adapter as the campaign itself. Nothing is recorded: no ledger row, no counters,
no events; its unsubscribe link is the preview one, so clicking it in the test unsubscribes nobody.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from campaign_dashboard.models import Channel
from campaign_dashboard.providers.base import (
    EmailProvider,
    OutgoingEmail,
    OutgoingSms,
    ProviderError,
    SendResult,
    SmsProvider,
)
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.audience.suppressions import normalize_email, normalize_phone
from campaign_dashboard.services.campaigns import rendering, templates
from campaign_dashboard.services.errors import DomainError

SUBJECT_PREFIX = "[Test] "
TEST_TO_FIELD = "test_to"  # the field a bad test address is reported on


class SampleSendFailed(DomainError):
    """The provider refused or could not take the test message; `message` says why."""

    __test__ = False  # not a pytest test class, despite its name
    code = "test_send_failed"


def send_test_email(
    *, session: Session, provider: EmailProvider, to: str, values: Mapping[str, Any], default_from: str
) -> str:
    """Send the email described by `values` (the campaign's content fields, saved or not) to `to`;
    returns the provider's message id."""
    address = normalize_email(to, field=TEST_TO_FIELD)
    content = campaigns.checked_content(
        session=session, channel=Channel.EMAIL, values={"from_email": default_from, **_given(values)}
    )
    rendered = sample_email(
        session=session,
        subject=content["subject"],
        html=content.get("html"),
        text=content.get("text"),
        template_id=content.get("template_id"),
    )
    message = OutgoingEmail(
        to=address,
        from_email=content["from_email"],
        subject=SUBJECT_PREFIX + rendered.subject,
        html=rendered.html,
        text=rendered.text,
        reply_to=content.get("reply_to"),
        tags={"test": "true"},
    )
    # A fresh key: every click is a new test, while a retry inside the SDK still sends once.
    result = _call(lambda: provider.send_batch([message], idempotency_key=f"test-{uuid.uuid4().hex}")[0])
    return _accepted(result, address)


def sample_email(
    *,
    session: Session,
    subject: str,
    html: str | None,
    text: str | None = None,
    template_id: int | None = None,
    contact: Any = None,
) -> rendering.RenderedEmail:
    """The email as `contact` (else the sample contact) gets it: what the dialog's preview shows
    and a test sends. With a template, its HTML and text are used, and its subject when `subject`
    is empty."""
    if template_id:
        template = templates.get_template(session=session, template_id=template_id)
        subject, html, text = subject or template.subject, template.html, text or template.text or None
    return rendering.preview_email(subject=subject or "", html=html or "", text=text or None, contact=contact)


def send_test_sms(
    *,
    session: Session,
    provider: SmsProvider,
    to: str,
    values: Mapping[str, Any],
    default_from: str | None,
    messaging_service_sid: str | None = None,
) -> str:
    """Send the SMS described by `values` (body, from_number) to `to`; returns the message id.
    The body is sent exactly as a recipient gets it (no prefix), so its segments match."""
    number = normalize_phone(to, field=TEST_TO_FIELD)
    content = campaigns.checked_content(session=session, channel=Channel.SMS, values=_given(values))
    sender = content.get("from_number") or default_from
    message = OutgoingSms(
        to=number,
        body=rendering.preview_sms(body=content["body"]),
        from_number=sender,
        messaging_service_sid=None if content.get("from_number") else messaging_service_sid,
    )
    return _accepted(_call(lambda: provider.send(message)), number)


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values the form filled in (an empty sender falls back to the default)."""
    return {k: v for k, v in values.items() if v not in (None, "")}


def _call(send) -> SendResult:
    try:
        return send()
    except ProviderError as exc:
        raise SampleSendFailed(f"The provider did not take the test message: {exc.message}") from None


def _accepted(result: SendResult, address: str) -> str:
    if result.provider_message_id is None:  # not accepted
        raise SampleSendFailed(f"The provider refused the test message to {address}: {result.error}")
    return result.provider_message_id
