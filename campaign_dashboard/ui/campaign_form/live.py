"""What the campaign dialog recomputes while the user types: the segment's audience, the email
preview and the SMS text for the previewed contact (a real one of the audience, or the sample
one), and the SMS counter with its cost. Plain functions over the services; the state runs them
in a worker thread."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from campaign_dashboard.db import session_scope
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns import preview_contacts, rendering, sample_send, sms_text
from campaign_dashboard.services.campaigns.preview_contacts import PreviewContact
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


def audience(session: Session, channel: str, segment_id: str, topic_id: str = "") -> int | None:
    """How many the segment reaches right now (less those who left the topic, `topic_id` a
    number); -1 without a segment, None if it is gone."""
    if not segment_id:
        return -1
    topic = int(topic_id) if topic_id.isdigit() else None
    try:
        return audience_snapshot.count_audience(
            session=session, channel=channel, segment_id=int(segment_id), topic_id=topic
        )
    except DomainError:
        return None


def email_preview(
    session: Session, *, subject: str, html: str | None, template_id: str | None, contact: dict | None = None
) -> tuple[str | None, str | None, str]:
    """(subject, html, error) of the email as `contact` (else the sample contact) gets it; `template_id` is given
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
            contact=contact,
        )
    except DomainError as exc:
        return None, None, exc.message
    return rendered.subject, rendered.html, ""


def sms_message(body: str, contact: dict | None) -> tuple[str, str]:
    """(text, error): the SMS as `contact` (else the sample contact) gets it."""
    try:
        return rendering.preview_sms(body=body, contact=contact), ""
    except DomainError as exc:
        return "", exc.message


def sms_counter(body: str, audience: int, contact: dict | None = None) -> tuple[SmsCounter, str]:
    """The counter of `body` as `contact` gets it and, with an audience, its estimated cost as
    one sentence."""
    info = campaigns.sms_preview(body, contact)
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


def preview_contact(
    channel: str, segment_id: int, *, after: int | None, before: int | None, search: str
) -> PreviewContact | None:
    """The audience's contact to preview as (see `preview_contacts.pick`), in its own session."""
    with session_scope() as session:
        try:
            return preview_contacts.pick(
                session=session, channel=channel, segment_id=segment_id, after=after, before=before, search=search
            )
        except DomainError:
            return None


def nobody_found(direction: str, search: str) -> str:
    if direction == "find":
        text = search.strip()
        return f"No contact of this audience matches “{text}”." if text else "Type a name or address."
    return "That was the last contact." if direction == "next" else "That was the first contact."
