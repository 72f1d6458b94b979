"""/api/v1/sms-campaigns: the shared campaign routes with the SMS content shape."""

from __future__ import annotations

from fastapi import APIRouter

from campaign_dashboard.api.campaign_routes import CampaignCreate, CampaignPublic, add_campaign_routes
from campaign_dashboard.models import Channel

router = APIRouter(prefix="/api/v1/sms-campaigns", tags=["sms-campaigns"])


class SmsCampaignCreate(CampaignCreate):
    """`from_number` is an E.164 number, a Messaging Service SID or an alphanumeric sender id
    (the configured sender when empty)."""

    body: str = ""
    from_number: str | None = None


class SmsCampaignPublic(CampaignPublic):
    body: str
    from_number: str | None
    encoding: str  # "gsm7" or "ucs2", for the body as a sample contact gets it
    segments_per_message: int
    characters: int  # GSM-7 septets or UCS-2 code units, what the segments are counted in
    audience: int | None  # the recipients; before sending starts, the segment's current audience
    price_per_segment: float  # SMS_PRICE_PER_SEGMENT
    currency: str  # SMS_PRICE_CURRENCY
    estimated_cost: float | None  # audience x segments_per_message x price_per_segment


add_campaign_routes(router, channel=Channel.SMS, create_model=SmsCampaignCreate, public_model=SmsCampaignPublic)
