"""What the campaign dialog recomputes while the user types: the segment's audience, the email
preview for the sample contact, and the SMS counter with its cost. Plain functions over the
services; the state runs them in a worker thread."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns import sample_send, sms_text
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.services.sending import audience_snapshot


@dataclass
class SmsCounter:
    """What `sms_text.analyze` says about the body, as the sample contact would get it."""

    encoding: str = "GSM-7"
    characters: int = 0
    segments: int = 0
    per_segment: int = 160
    remaining: int = 160
    non_gsm: str = ""


def audience(session: Session, channel: str, segment_id: str) -> int | None:
    """How many the segment reaches right now; -1 without a segment, None if it is gone."""
    if not segment_id:
        return -1
    try:
        return audience_snapshot.count_audience(session=session, channel=channel, segment_id=int(segment_id))
    except DomainError:
        return None


def email_preview(
    session: Session, *, subject: str, html: str | None, template_id: str | None
) -> tuple[str | None, str | None, str]:
    """(subject, html, error) of the email as the sample contact gets it; `template_id` is given
    when the content is a template (then "" means none chosen yet), else `html` is the content.
    On an error the subject and html are None: the last good preview stays."""
    if template_id == "":
        return "", "", "Choose a template to preview it."
    try:
        rendered = sample_send.sample_email(
            session=session,
            subject=subject,
            html=html,
            template_id=int(template_id) if template_id is not None else None,
        )
    except DomainError as exc:
        return None, None, exc.message
    return rendered.subject, rendered.html, ""


def sms_counter(body: str, audience: int) -> tuple[SmsCounter, str]:
    """The counter of `body` and, with an audience, its estimated cost as one sentence."""
    info = campaigns.sms_preview(body)
    counter = SmsCounter(
        encoding="GSM-7" if info.encoding == sms_text.GSM7 else "UCS-2 (Unicode)",
        characters=info.units,
        segments=info.segments,
        per_segment=info.per_segment,
        remaining=info.remaining,
        non_gsm=", ".join(info.non_gsm),  # entries may be names of invisible characters
    )
    if audience < 0 or not info.segments:
        return counter, ""
    cost = campaigns.sms_cost(info, audience=audience)  # SMS_PRICE_PER_SEGMENT, like the API
    currency = cost["currency"]
    return counter, (
        f"≈ {cost['estimated_cost']:,.2f} {currency}: {info.segments} segment(s) × "
        f"{audience:,} recipients × {cost['price_per_segment']} {currency} per segment"
    )
