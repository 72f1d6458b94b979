"""/api/v1/email-campaigns: the shared campaign routes with the email content shape."""

from __future__ import annotations

from fastapi import APIRouter

from campaign_dashboard.api.campaign_routes import CampaignCreate, CampaignPublic, add_campaign_routes
from campaign_dashboard.models import Channel
from campaign_dashboard.services.limits import Id

router = APIRouter(prefix="/api/v1/email-campaigns", tags=["email-campaigns"])


class EmailCampaignCreate(CampaignCreate):
    """Exactly one of `template_id` or `html`; `scheduled_at` with an offset (or plus `timezone`)
    creates the campaign already scheduled."""

    subject: str = ""
    from_email: str = ""
    reply_to: str | None = None
    template_id: Id | None = None
    html: str | None = None
    text: str | None = None


class EmailCampaignPublic(CampaignPublic):
    subject: str
    from_email: str
    reply_to: str | None
    template_id: int | None
    html: str | None
    text: str | None


add_campaign_routes(router, channel=Channel.EMAIL, create_model=EmailCampaignCreate, public_model=EmailCampaignPublic)
