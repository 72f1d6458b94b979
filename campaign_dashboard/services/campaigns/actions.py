"""Lifecycle actions: every status change goes through `lifecycle.next_status` and is written with
a compare-and-set UPDATE (`... WHERE id = :id AND status = :old`), so of two concurrent requests
only one wins and the other gets IllegalTransition.

The worker calls this directly; a person's action goes through `commands.apply_action`, which also
queues what the worker has to do next.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy import update as sql_update
from sqlmodel import Session, col

from campaign_dashboard.models import BreakerState, CampaignStatus, Channel, Contact, utcnow
from campaign_dashboard.models.campaigns import CampaignFields
from campaign_dashboard.services.campaigns import lifecycle
from campaign_dashboard.services.campaigns.content import content_fields, resolve_schedule, validate
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.campaigns.records import commit, get, reread
from campaign_dashboard.services.channels import campaign_model, recipient_model
from campaign_dashboard.services.errors import IllegalTransition, ValidationFailed
from campaign_dashboard.services.sending import ab_split
from campaign_dashboard.services.sending.audience_snapshot import snapshot_audience
from campaign_dashboard.services.sending.ledger import cancel_pending

MAX_CANCEL_REASON = 500


def apply_action(
    *,
    session: Session,
    channel: str,
    campaign_id: int,
    action: str,
    scheduled_at: datetime | str | None = None,
    timezone: str | None = None,
    reason: str | None = None,
    skip_variables: tuple[str, ...] = (),
) -> CampaignFields:
    """Move the campaign by `action` (see lifecycle.TRANSITIONS) and commit.

    schedule needs a future time (argument, or the one stored on the campaign); start snapshots
    the audience into the recipient ledger, and skips (cancels, with the reason) the recipients
    whose contact lacks one of `skip_variables`; cancel marks every pending recipient cancelled;
    complete/fail (the worker's actions) record when and, for fail, why.
    """
    channel = Channel(channel)
    Model = campaign_model(channel)
    campaign = get(session=session, channel=channel, campaign_id=campaign_id)
    old = campaign.status
    new = lifecycle.next_status(old, action)
    action = Action(action)
    now = utcnow()
    values: dict[str, Any] = {"status": new.value, "updated_at": now, "last_activity_at": now}
    if action is Action.SCHEDULE:
        when = scheduled_at if scheduled_at is not None else campaign.scheduled_at
        if when is None:
            raise ValidationFailed(
                "Scheduling needs a time (scheduled_at).",
                details=[{"field": "scheduled_at", "message": "required"}],
            )
        values["scheduled_at"] = resolve_schedule(when, timezone)
    elif action is Action.UNSCHEDULE:
        values["scheduled_at"] = None
    elif action is Action.START:
        validate(session, channel, {f: getattr(campaign, f) for f in content_fields(channel)})
        values["started_at"] = now
        values["status_reason"] = None
    elif action in (Action.COMPLETE, Action.FAIL, Action.CANCEL):
        values["completed_at"] = now
        if action is Action.CANCEL:  # a paused campaign's old reason (a used-up quota) no longer applies
            reason = _cancel_reason(reason)
        if reason is not None or action in (Action.FAIL, Action.CANCEL):
            values["status_reason"] = reason
    elif action is Action.PAUSE:  # by a person (no reason) or the worker (a used-up quota: why)
        values["status_reason"] = reason
    elif action is Action.RESUME:
        values["status_reason"] = None
        if campaign.breaker == BreakerState.TRIPPED:  # a person looked and decided: it stays off
            values["breaker"] = BreakerState.OVERRIDDEN.value
    try:
        result = session.exec(
            sql_update(Model).where(col(Model.id) == campaign_id, col(Model.status) == old).values(**values)
        )
        if result.rowcount != 1:
            session.rollback()
            current = reread(session, channel, campaign_id)
            allowed = ", ".join(lifecycle.allowed_actions(current.status)) or "none"
            raise IllegalTransition(
                f"Cannot {action.value}: the campaign was {old} but another request just made it "
                f"{current.status}. Allowed now: {allowed}."
            )
        session.refresh(campaign)
        if action is Action.START:
            snapshot_audience(session=session, channel=channel, campaign=campaign)
            if skip_variables:
                skip_contacts_without(session, channel, campaign_id, skip_variables, now)
            ab_split.assign_groups(session, channel, campaign_id)  # an A/B test: who tests which variant
        elif action is Action.CANCEL:
            _cancel_unsent(session, channel, campaign_id, now)
        commit(session, campaign)
    except BaseException:
        session.rollback()
        raise
    return campaign


def pause_for_breaker(*, session: Session, channel: str, campaign_id: int, reason: str) -> bool:
    """Pause a sending campaign the reputation breaker has not tripped before, with `reason`, in
    the caller's transaction: the event that tripped it commits the pause with itself. The same
    compare-and-set as `apply_action` (False: it was no longer sending, or already tripped); the
    worker sees the pause at its next chunk and hands its claims back as for a person's pause."""
    Model = campaign_model(channel)
    new = lifecycle.next_status(CampaignStatus.SENDING, Action.PAUSE)
    now = utcnow()
    result = session.exec(
        sql_update(Model)
        .where(
            col(Model.id) == campaign_id,
            col(Model.status) == CampaignStatus.SENDING,
            col(Model.breaker).is_(None),
        )
        .values(
            status=new.value,
            status_reason=reason,
            breaker=BreakerState.TRIPPED.value,
            updated_at=now,
            last_activity_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _cancel_reason(reason: str | None) -> str | None:
    """Why a person cancelled, as the campaign page shows it: trimmed, None when blank."""
    reason = (reason or "").strip()
    if len(reason) > MAX_CANCEL_REASON:
        raise ValidationFailed(
            f"The reason is too long: at most {MAX_CANCEL_REASON} characters.",
            details=[{"field": "reason", "message": "too long"}],
        )
    return reason or None


def skip_contacts_without(
    session: Session, channel: Channel, campaign_id: int, variables: tuple[str, ...], now: datetime
) -> int:
    """The recipients whose contact has none of an attribute among `variables`: cancelled with the
    reason before any is sent (the marketer chose to send without them), counted as processed."""
    Recipient = recipient_model(channel)
    lacking = select(col(Contact.id)).where(or_(*(col(Contact.attributes)[v].as_string().is_(None) for v in variables)))
    names = ", ".join(variables)
    reason = f"Skipped: the contact has no {names}, and the campaign was sent without such contacts."
    return cancel_pending(session, channel, campaign_id, now, col(Recipient.contact_id).in_(lacking), reason=reason)


def _cancel_unsent(session: Session, channel: Channel, campaign_id: int, now: datetime) -> int:
    # Only rows no worker holds: a worker marks its own claimed rows cancelled at its next
    # chunk, and rows of a dead worker are released by lease recovery. That way a message
    # already on its way is recorded as sent, not as cancelled.
    return cancel_pending(session, channel, campaign_id, now)
