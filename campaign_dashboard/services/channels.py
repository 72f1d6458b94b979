"""The one place that maps a channel to its tables, so every service works for both channels."""

from __future__ import annotations

from campaign_dashboard.models import (
    Channel,
    EmailCampaign,
    EmailCampaignRecipient,
    SmsCampaign,
    SmsCampaignRecipient,
)

CAMPAIGN_MODELS: dict[Channel, type[EmailCampaign] | type[SmsCampaign]] = {
    Channel.EMAIL: EmailCampaign,
    Channel.SMS: SmsCampaign,
}
RECIPIENT_MODELS: dict[Channel, type[EmailCampaignRecipient] | type[SmsCampaignRecipient]] = {
    Channel.EMAIL: EmailCampaignRecipient,
    Channel.SMS: SmsCampaignRecipient,
}


def campaign_model(channel: str) -> type[EmailCampaign] | type[SmsCampaign]:
    return CAMPAIGN_MODELS[Channel(channel)]


def recipient_model(channel: str) -> type[EmailCampaignRecipient] | type[SmsCampaignRecipient]:
    return RECIPIENT_MODELS[Channel(channel)]
