"""Huey tasks that drive sending. Each task is safe to run twice or concurrently: the ledger's
claims and leases decide who sends what (see services.sending)."""

from __future__ import annotations

import logging
from datetime import timedelta

from huey import crontab
from sqlalchemy import select
from sqlmodel import Session

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import CampaignStatus, Channel, utcnow
from campaign_dashboard.services import campaigns, sending
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.channels import campaign_model
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.tasks.deps import send_deps
from campaign_dashboard.tasks.queue import huey

log = logging.getLogger(__name__)


@huey.task(retries=5, retry_delay=5)
def send_next_batch(channel: str, campaign_id: int) -> str:
    """Claim and send one batch, then chain the next one."""
    deps = send_deps()
    batch_id = sending.claim_batch(deps=deps, channel=Channel(channel), campaign_id=campaign_id)
    if batch_id is None:
        outcome = sending.next_step(deps=deps, channel=Channel(channel), campaign_id=campaign_id)
    else:
        outcome = sending.process_batch(deps=deps, channel=Channel(channel), campaign_id=campaign_id, batch_id=batch_id)
    log.info(
        "%s campaign %s: batch %s -> %s",
        channel,
        campaign_id,
        batch_id,
        outcome.value,
        extra={"campaign_id": campaign_id, "batch_id": batch_id},
    )
    _follow_up(channel, campaign_id, outcome)
    return outcome.value


@huey.task(retries=5, retry_delay=5)
def resume_batch(channel: str, campaign_id: int, batch_id: str) -> str:
    """Finish a batch whose worker died (same batch id, so the same idempotency keys)."""
    deps = send_deps()
    outcome = sending.process_batch(
        deps=deps, channel=Channel(channel), campaign_id=campaign_id, batch_id=batch_id, recovered=True
    )
    _follow_up(channel, campaign_id, outcome)
    return outcome.value


@huey.task(retries=3, retry_delay=5)
def start_scheduled(channel: str, campaign_id: int) -> None:
    """Runs at the campaign's scheduled time (eta); the tick is the safety net."""
    _start_due(channel, campaign_id)


@huey.periodic_task(crontab(minute="*"))
def tick() -> None:
    """Once a minute from any consumer; `campaign-dashboard worker` also ticks more often."""
    run_tick()


def run_tick() -> None:
    """Scheduler and heartbeat in one scan (as listmonk does): start due campaigns, take over
    expired claims, and make sure every sending campaign has work queued or is finished.
    Idempotent, so any number of workers on any number of hosts may run it at once."""
    deps = send_deps()
    now = utcnow()
    for channel in Channel:
        Campaign = campaign_model(channel)
        with Session(deps.engine) as session:
            due = session.scalars(
                select(Campaign.id).where(Campaign.status == CampaignStatus.SCHEDULED, Campaign.scheduled_at <= now)
            ).all()
            active = session.scalars(select(Campaign.id).where(Campaign.status == CampaignStatus.SENDING)).all()
        for campaign_id in due:
            _start_due(channel.value, campaign_id)
        for campaign_id, batch_id in sending.recover_expired_claims(deps=deps, channel=channel):
            resume_batch(channel.value, campaign_id, batch_id)
        for campaign_id in active:
            outcome = sending.next_step(deps=deps, channel=channel, campaign_id=campaign_id, stalled_only=True)
            _follow_up(channel.value, campaign_id, outcome)


def kick(channel: str, campaign_id: int, parallel: int | None = None) -> None:
    """Queue the first batches of a started or resumed campaign (`parallel` chains)."""
    for _ in range(max(1, parallel or get_settings().send_parallelism)):
        send_next_batch(channel, campaign_id)


def schedule(channel: str, campaign_id: int, when) -> None:
    start_scheduled.schedule((channel, campaign_id), eta=when)


def _follow_up(channel: str, campaign_id: int, outcome: sending.Outcome) -> None:
    if outcome is sending.Outcome.MORE:
        send_next_batch(channel, campaign_id)
    elif outcome is sending.Outcome.DEFERRED:
        when = sending.earliest_deferred(deps=send_deps(), channel=Channel(channel), campaign_id=campaign_id)
        if when is not None:
            send_next_batch.schedule((channel, campaign_id), eta=max(when, utcnow() + timedelta(seconds=1)))


def _start_due(channel: str, campaign_id: int) -> None:
    with Session(send_deps().engine) as session:
        campaign = session.get(campaign_model(channel), campaign_id)
        if campaign is None or campaign.status != CampaignStatus.SCHEDULED:
            return
        if campaign.scheduled_at and campaign.scheduled_at > utcnow() + timedelta(seconds=1):
            return  # rescheduled later: its own eta task will come
        try:
            campaigns.apply_action(
                session=session, channel=Channel(channel), campaign_id=campaign_id, action=Action.START
            )
        except DomainError as exc:
            log.warning("scheduled campaign %s/%s could not start: %s", channel, campaign_id, exc)
            return
    kick(channel, campaign_id)
