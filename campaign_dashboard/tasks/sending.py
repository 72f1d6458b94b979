"""Huey tasks that drive sending. Each task is safe to run twice or concurrently: the ledger's
claims and leases decide who sends what (see services.sending). The tasks only chain and schedule
each other; every read and write of the database is a services.sending call."""

from __future__ import annotations

import logging
from datetime import timedelta

from huey import crontab

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import Channel, utcnow
from campaign_dashboard.services import sending
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
    """Scheduler and heartbeat in one scan (as listmonk does): start due campaigns, pick the
    winners of A/B tests whose wait is over, take over expired claims, and make sure every
    sending campaign has work queued or is finished. Idempotent, so any number of workers on
    any number of hosts may run it at once."""
    deps = send_deps()
    for channel in Channel:
        due = sending.due_to_start(deps=deps, channel=channel)
        active = sending.sending_campaigns(deps=deps, channel=channel)
        for campaign_id in due:
            _start_due(channel.value, campaign_id)
        for campaign_id in sending.decide_ab_tests(deps=deps, channel=channel):
            kick(channel.value, campaign_id)  # the remainder, with the winner
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
    if sending.start_due(deps=send_deps(), channel=Channel(channel), campaign_id=campaign_id):
        kick(channel, campaign_id)
