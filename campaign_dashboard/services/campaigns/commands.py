"""The one entry point for what a person asks of a campaign: create, edit, a lifecycle action, or
the dashboard form's "save as draft / send now / schedule". Each commits the change, then tells the
injected `CampaignQueue` what the worker has to do next.

The queue is a port so that services never import the task queue: the real one (Huey) is
`tasks.send_queue`, handed to the API and the dashboard by `campaign_dashboard.wiring`.
The change is committed before the queue is told; a queue that is down loses nothing, since the
worker's scheduler tick picks up started and due campaigns anyway.

A person's start or schedule (and a schedule given at creation, or new content for a scheduled
campaign) is refused while `preflight` finds contacts of the audience the campaign cannot be
rendered for. The worker's own start of a due campaign (`actions.apply_action`) is not checked
again: its recipients that fail are recorded one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlmodel import Session

from campaign_dashboard.models import AbTest, CampaignStatus, Channel, id_of
from campaign_dashboard.models.campaigns import CampaignFields
from campaign_dashboard.services.campaigns import ab_decision, ab_tests, actions, lifecycle, preflight, records
from campaign_dashboard.services.campaigns.lifecycle import Action


class CampaignQueue(Protocol):
    """Queues the worker's part of a change that is already committed; never raises."""

    def after_action(self, channel: Channel | str, campaign: Any, action: Action | str) -> None:
        """What `action`, just applied to `campaign`, needs from the worker (maybe nothing)."""

    def scheduled_start(self, channel: Channel | str, campaign: Any) -> None:
        """Start `campaign` at its `scheduled_at`."""


class When(StrEnum):
    """The dashboard form's choice of what saving does."""

    DRAFT = "draft"
    NOW = "now"
    SCHEDULE = "schedule"


def create(*, session: Session, channel: str, data: Mapping[str, Any], queue: CampaignQueue) -> CampaignFields:
    """`records.create`; a campaign created with a time is scheduled, so its start is queued (and
    it must pass the preflight first)."""
    if data.get("scheduled_at") is not None:
        preflight.ensure_sendable(session=session, channel=channel, values=data)
    campaign = records.create(session=session, channel=channel, data=data)
    if campaign.scheduled_at is not None:
        queue.scheduled_start(channel, campaign)
    return campaign


def update(
    *,
    session: Session,
    channel: str,
    campaign_id: int,
    changes: Mapping[str, Any],
    queue: CampaignQueue,
) -> CampaignFields:
    """`records.update`; moving the time of a scheduled campaign queues its start at the new time.
    New content or segment for a scheduled campaign must pass the preflight."""
    current = records.get(session=session, channel=channel, campaign_id=campaign_id)
    if current.status == CampaignStatus.SCHEDULED and set(changes) - {"scheduled_at", "timezone", "name"}:
        values = {**preflight.campaign_values(channel, current), **changes}
        preflight.ensure_sendable(session=session, channel=channel, values=values)
    campaign = records.update(session=session, channel=channel, campaign_id=campaign_id, changes=changes)
    if "scheduled_at" in changes and campaign.status == CampaignStatus.SCHEDULED:
        queue.scheduled_start(channel, campaign)
    return campaign


def apply_action(
    *,
    session: Session,
    channel: str,
    campaign_id: int,
    action: Action | str,
    queue: CampaignQueue,
    scheduled_at: datetime | str | None = None,
    timezone: str | None = None,
    reason: str | None = None,
    skip_missing: bool = False,
) -> CampaignFields:
    """`actions.apply_action`, then what it needs from the worker (sending after start and resume,
    the start task after schedule). Start and schedule must pass the preflight first (each A/B
    variant's content too); a start with
    `skip_missing` goes ahead when the only problem is a variable some contacts lack, and those
    recipients are skipped (cancelled with the reason) as the audience is taken; `reason`: why a
    person cancels (kept as the status reason)."""
    skip: tuple[str, ...] = ()
    if action in (Action.START, Action.SCHEDULE):  # an unknown action: the state machine's own error
        current = records.get(session=session, channel=channel, campaign_id=campaign_id)
        if action in lifecycle.allowed_actions(current.status):  # else the transition's own error
            values = preflight.campaign_values(channel, current)
            can_skip = skip_missing and action is Action.START
            checked = preflight.ensure_sendable(session=session, channel=channel, values=values, skip_missing=can_skip)
            skip = checked.missing_variables() if can_skip else ()
            variants = ab_tests.variant_preflights(session, channel, campaign_id, values, skip_missing=can_skip)
            if can_skip:  # a variable only a variant uses: its contacts are skipped too
                skip = tuple(dict.fromkeys([*skip, *(v for c in variants for v in c.missing_variables())]))
    campaign = actions.apply_action(
        session=session,
        channel=channel,
        campaign_id=campaign_id,
        action=action,
        scheduled_at=scheduled_at,
        timezone=timezone,
        reason=reason,
        skip_variables=skip,
    )
    queue.after_action(channel, campaign, action)
    return campaign


def action_for(when: When | str, status: str) -> Action | None:
    """The status change that the form's `when` asks of a saved campaign in `status`, if any."""
    when = When(when)
    if when is When.NOW:
        return Action.START
    if when is When.SCHEDULE and status == CampaignStatus.DRAFT:
        return Action.SCHEDULE
    if when is When.DRAFT and status == CampaignStatus.SCHEDULED:
        return Action.UNSCHEDULE
    return None


def carry_out(
    *,
    session: Session,
    channel: str,
    campaign: CampaignFields,
    when: When | str,
    queue: CampaignQueue,
    skip_missing: bool = False,
) -> CampaignFields:
    """After the form saved `campaign` (with `create` or `update`): start, schedule or unschedule it
    as `when` asks. A separate step so that the form knows a new campaign's id even if this fails."""
    action = action_for(when, campaign.status)
    if action is None:
        return campaign
    campaign_id = id_of(campaign)
    return apply_action(
        session=session, channel=channel, campaign_id=campaign_id, action=action, queue=queue, skip_missing=skip_missing
    )


def decide_ab_test(*, session: Session, channel: str, campaign_id: int, by: str, queue: CampaignQueue) -> AbTest:
    """A person picks the A/B test's winner now (`ab_decision.decide`); a sending campaign's
    remainder is queued at once, as a resume queues what is left (a paused one waits for its
    resume)."""
    test = ab_decision.decide(session=session, channel=channel, campaign_id=campaign_id, by=by)
    campaign = records.get(session=session, channel=channel, campaign_id=campaign_id)
    if campaign.status == CampaignStatus.SENDING:
        queue.after_action(channel, campaign, Action.RESUME)
    session.rollback()  # end the read
    return test
