"""What an SMS campaign costs: who it goes to, how its body splits into segments, the price."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import CampaignStatus, Channel, Segment
from campaign_dashboard.models.campaigns import CampaignFields
from campaign_dashboard.services.campaigns import lifecycle, rendering, sms_text
from campaign_dashboard.services.sending.audience_snapshot import count_audience


def sms_audience(*, session: Session | None, campaign: CampaignFields) -> int | None:
    """Who an SMS campaign costs for: its recipients once sending started; before that, who its
    segment would give right now (needs `session`); None when unknown (no segment, no session)."""
    if CampaignStatus(campaign.status) not in lifecycle.EDITABLE:
        return campaign.recipients
    if session is None or campaign.segment_id is None:
        return None
    if session.get(Segment, campaign.segment_id) is None:
        return None
    return count_audience(session=session, channel=Channel.SMS, segment_id=campaign.segment_id)


def sms_cost(
    info: sms_text.SmsInfo, *, audience: int | None, price_per_segment: Decimal | None = None
) -> dict[str, Any]:
    """The cost preview of an SMS campaign whose body is `info`, sent to `audience` numbers."""
    settings = get_settings()
    price = settings.sms_price_per_segment if price_per_segment is None else price_per_segment
    cost = None
    if audience is not None:
        cost = sms_text.segments_cost(segments=info.segments, recipients=audience, price_per_segment=price)
    return {
        "audience": audience,
        "price_per_segment": price,
        "currency": settings.sms_price_currency,
        "estimated_cost": cost,
    }


def sms_preview(body: str, contact: Any = None) -> sms_text.SmsInfo:
    """Segments of the body as `contact` (else a sample contact) would get it (raw source if it
    does not render)."""
    try:
        text = rendering.preview_sms(body=body or "", contact=contact)
    except rendering.RenderError:
        text = body or ""
    return sms_text.analyze(text)
