"""The public shape of a campaign, as the API and the dashboard show it (its numbers: services.stats)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session

from campaign_dashboard.models import CampaignStatus, Channel
from campaign_dashboard.models.campaigns import CampaignFields
from campaign_dashboard.services.campaigns import lifecycle
from campaign_dashboard.services.campaigns.records import ARCHIVABLE
from campaign_dashboard.services.campaigns.sms_pricing import sms_audience, sms_cost, sms_preview
from campaign_dashboard.services.stats.numbers import progress


def to_dict(
    campaign: CampaignFields, channel: str, *, session: Session | None = None, price_per_segment: Decimal | None = None
) -> dict[str, Any]:
    """The public shape of a campaign: its fields, counters, progress and the actions it allows.

    SMS campaigns also show how the body travels (encoding, characters, segments per message) and
    what sending it costs: audience x segments x `price_per_segment` (SMS_PRICE_PER_SEGMENT by
    default). With a `session`, a campaign not started yet is estimated for its segment's current
    audience; without one (lists) its estimate is null until the audience is snapshotted.
    """
    channel = Channel(channel)
    data = campaign.model_dump(exclude={"text"} if channel is Channel.SMS else set())
    data["channel"] = channel.value
    data["allowed_actions"] = lifecycle.allowed_actions(campaign.status)
    data["can_edit"] = CampaignStatus(campaign.status) in lifecycle.EDITABLE
    data["can_delete"] = CampaignStatus(campaign.status) in lifecycle.DELETABLE and not campaign.sent
    data["can_archive"] = CampaignStatus(campaign.status) in ARCHIVABLE and campaign.archived_at is None
    data["progress"] = progress(campaign)
    if channel is Channel.SMS:
        info = sms_preview(campaign.body)
        data["encoding"] = info.encoding
        data["segments_per_message"] = info.segments
        data["characters"] = info.units
        data.update(
            sms_cost(
                info, audience=sms_audience(session=session, campaign=campaign), price_per_segment=price_per_segment
            )
        )
    return data
