"""Composing provider messages from a campaign, a ledger row and its contact.

A message depends only on the ledger row and the contact (never on the time or the attempt), so a
chunk re-sent after a crash has the same bodies and idempotency keys hold. Headers and reply
addresses are built by `email_headers`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from campaign_dashboard.models import Channel, EmailTemplate
from campaign_dashboard.models.ab_tests import REMAINDER
from campaign_dashboard.providers.base import OutgoingEmail, OutgoingSms
from campaign_dashboard.services.campaigns.render_limits import RenderLimits
from campaign_dashboard.services.campaigns.rendering import compile_email, compile_sms
from campaign_dashboard.services.events.unsubscribe import unsubscribe_url
from campaign_dashboard.services.sending import ab_split, email_headers
from campaign_dashboard.web_routes import TWILIO_STATUS_WEBHOOK

if TYPE_CHECKING:
    from campaign_dashboard.services.sending.batches import SendDeps


def content(session: Session, channel: Channel, campaign, variant: Mapping[str, Any] | None = None):
    """The campaign's compiled content (its template's, for an email built on one), with an A/B
    `variant`'s subject and HTML (email) or body (SMS) in place of the campaign's."""
    variant = variant or {}
    if channel == Channel.SMS:
        return compile_sms(variant.get("body") or campaign.body)
    subject, html, text = campaign.subject, campaign.html, campaign.text
    if campaign.template_id:
        template = session.get(EmailTemplate, campaign.template_id)
        if template is None:  # a template in use cannot be deleted; say so should it be gone anyway
            raise LookupError(f"the campaign's template {campaign.template_id} does not exist")
        subject = subject or template.subject
        html, text = template.html, text or template.text or None
    if variant.get("html"):  # the campaign's text goes with the campaign's HTML: made from this one
        html, text = variant["html"], None
    return compile_email(variant.get("subject") or subject, html or "", text or None)


@dataclass(frozen=True)
class GroupContent:
    """What one group of an A/B campaign's recipients gets (every recipient of another campaign
    is in group None): the compiled content and, for an email variant with its own sender name,
    the sender."""

    compiled: Any
    from_email: str | None = None


def contents(session: Session, channel: Channel, campaign, settings) -> dict[int | None, GroupContent]:
    """The content of every group the campaign's rows may be in: None (no A/B test), each
    variant's index, and the remainder once the winner is known. Compiled once per batch."""
    groups: dict[int | None, GroupContent] = {None: GroupContent(content(session, channel, campaign))}
    test = ab_split.test_of(session, channel, campaign.id)
    if test is None:
        return groups
    for index, variant in enumerate(test.variants):
        sender = None
        if channel == Channel.EMAIL and variant.get("from_name"):
            address = parseaddr(campaign.from_email or settings.email_from)[1]
            sender = formataddr((variant["from_name"], address))
        groups[index] = GroupContent(content(session, channel, campaign, variant), sender)
    if test.winner is not None and test.winner in groups:
        groups[REMAINDER] = groups[test.winner]
    return groups


def email_message(
    deps: SendDeps, campaign, compiled, recipient, contact, tags, from_email: str | None = None
) -> OutgoingEmail:
    """`from_email`: an A/B variant's sender (its own name), else the campaign's."""
    s = deps.settings
    unsubscribe = unsubscribe_url(
        contact_id=recipient.contact_id,
        channel=Channel.EMAIL,
        campaign_id=campaign.id,
        base_url=s.public_base_url,
        secret_key=s.secret_key,
    )
    token = reply_token(secret_key=s.secret_key, recipient_id=recipient.id)
    rendered = compiled.render(
        contact or {"email": recipient.address},
        extra={"unsubscribe_url": unsubscribe},
        tags=tags.get(recipient.contact_id, []),
        limits=RenderLimits.from_settings(s),
    )
    footer_html = (
        f'<p style="font-size:12px;color:#666">You receive this because you subscribed. '
        f'<a href="{unsubscribe}">Unsubscribe</a></p>'
    )
    html = rendered.html if unsubscribe in rendered.html else rendered.html + footer_html
    text = rendered.text if unsubscribe in rendered.text else f"{rendered.text}\n\nUnsubscribe: {unsubscribe}"
    from_email = from_email or campaign.from_email or s.email_from
    inbound = s.resend_inbound_domain
    return OutgoingEmail(
        to=recipient.address,
        from_email=from_email,
        subject=rendered.subject,
        html=html,
        text=text,
        reply_to=email_headers.reply_to(
            token=token, inbound_domain=inbound, campaign_reply_to=campaign.reply_to, from_email=from_email
        ),
        headers={
            "List-Unsubscribe": email_headers.list_unsubscribe(url=unsubscribe, token=token, inbound_domain=inbound),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": email_headers.message_id(
                recipient_id=recipient.id, campaign_id=campaign.id, token=token, from_email=from_email
            ),
        },
        tags={"campaign_id": str(campaign.id), "recipient_id": str(recipient.id)},
        reply_token=token,
    )


def reply_token(*, secret_key: str, recipient_id: int) -> str:
    """Deterministic per recipient, so a re-sent chunk has the same body (idempotency)."""
    return hmac.new(secret_key.encode(), f"reply:{recipient_id}".encode(), hashlib.sha256).hexdigest()[:24]


def sms_body(deps: SendDeps, compiled, recipient, contact, tags) -> str:
    return compiled.render(
        contact or {"phone": recipient.address},
        tags=tags.get(recipient.contact_id, []),
        limits=RenderLimits.from_settings(deps.settings),
    )


def sms_message(deps: SendDeps, campaign, recipient, body: str, sender: str | None) -> OutgoingSms:
    """Its status callback names the campaign and the recipient row, so delivery reports find them."""
    s = deps.settings
    return OutgoingSms(
        to=recipient.address,
        body=body,
        from_number=sender,
        messaging_service_sid=None if campaign.from_number else s.twilio_messaging_service_sid,
        status_callback=f"{s.public_base_url.rstrip('/')}{TWILIO_STATUS_WEBHOOK}"
        f"?campaign={campaign.id}&recipient={recipient.id}",
    )


def failure_reason(exc: BaseException) -> str:
    """What a recipient's or campaign's last error says about `exc`."""
    return getattr(exc, "message", None) or f"{exc.__class__.__name__}: {exc}"
