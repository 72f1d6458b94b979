"""`GET …/{id}/progress`: why a campaign is not moving and when it should be done
(`services.stats.waiting`), for scripts that watch a send as the campaign page does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from campaign_dashboard.api.deps import PathId, Reader, SessionDep
from campaign_dashboard.config import get_settings
from campaign_dashboard.models import Channel
from campaign_dashboard.services.errors import NotFound
from campaign_dashboard.services.stats import waiting


class WaitingReason(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str = Field(description="no_worker, paused, quiet_hours, provider_errors or rate_limited")
    word: str = Field(description="a short label: 'quiet hours', 'no worker'…")
    message: str = Field(description="the reason in words, without its time")
    at: datetime | None = Field(description="the time the sentence ends with: next window, worker last seen")
    sentence: str = Field(description="the message with its time in UTC")


class CampaignProgress(BaseModel):
    """Where the campaign's unsent recipients are, why they wait, and when the last should go out."""

    model_config = ConfigDict(from_attributes=True)

    status: str
    remaining: int = Field(description="recipients without a send outcome yet")
    ready: int = Field(description="pending and claimable now")
    in_flight: int = Field(description="claimed by a worker, being sent")
    waiting_quiet_hours: int = Field(description="SMS deferred until their recipients' quiet hours end")
    waiting_send_time: int = Field(description="waiting for the campaign's local send time in their time zone")
    retrying: int = Field(description="being retried after a provider error")
    next_window: datetime | None = Field(description="when the first deferred recipient's quiet hours end")
    next_send_time: datetime | None = Field(description="the next time zone's turn (local send time)")
    last_send_time: datetime | None = Field(description="the last time zone's turn (local send time)")
    rate_per_second: float = Field(description="messages a second the configured rate limit allows (0: none)")
    eta: datetime | None = Field(description="when the last message should go out; null when nothing moves")
    reasons: list[WaitingReason] = Field(description="why it is not moving, the one that stops everything first")


NAMES = {Channel.EMAIL: "Email", Channel.SMS: "SMS"}


def add_progress_route(router: APIRouter, channel: Channel) -> None:
    @router.get("/{campaign_id}/progress", response_model=CampaignProgress)
    def campaign_progress(campaign_id: PathId, session: SessionDep, _: Reader) -> Any:
        found = waiting.progress(session=session, settings=get_settings(), channel=channel, campaign_id=campaign_id)
        if found is None:
            raise NotFound(f"{NAMES[channel]} campaign {campaign_id} does not exist.")
        return CampaignProgress.model_validate(found)  # reasons' `word` and `sentence` are properties
