"""/api/v1/sms-campaigns: the shared campaign routes with the SMS content shape."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from campaign_dashboard.api.campaign_routes import CampaignPublic, add_campaign_routes
from campaign_dashboard.models import Channel
from campaign_dashboard.services.limits import Id

router = APIRouter(prefix="/api/v1/sms-campaigns", tags=["sms-campaigns"])


class SmsCampaignCreate(BaseModel):
    """`from_number` is an E.164 number, a Messaging Service SID or an alphanumeric sender id
    (the configured sender when empty)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    body: str = ""
    from_number: str | None = None
    segment_id: Id | None = None
    scheduled_at: datetime | None = None
    timezone: str | None = None


class SmsCampaignUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    body: str | None = None
    from_number: str | None = None
    segment_id: Id | None = None
    scheduled_at: datetime | None = None
    timezone: str | None = None


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


add_campaign_routes(
    router,
    channel=Channel.SMS,
    create_model=SmsCampaignCreate,
    update_model=SmsCampaignUpdate,
    public_model=SmsCampaignPublic,
)
