"""Sending one claimed batch, chunk by chunk, and saying what comes next for the campaign.

The claimed rows are sent chunk by chunk and each chunk's results are written in one transaction.
A worker may die at any line:

- email: every chunk is sent with the Idempotency-Key `<batch id>-<chunk>` and a body that depends
  only on the ledger row and the contact, so re-sending a recovered chunk cannot send twice;
- SMS (no idempotency keys at Twilio): each row of a recovered batch is first looked up in the
  provider's message list (same recipient, same text, created since its claim; not by sender,
  which a Messaging Service picks) and only sent if nothing went out.

Every campaign ends by itself: any exception while composing one message is that recipient's
failure; content that cannot be compiled fails the campaign with the reason; a used-up provider
quota pauses it with the reason. The campaign ends `sent` when no row is pending or claimed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import groupby

from sqlalchemy import ColumnElement, Exists, exists, func, literal, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from campaign_dashboard.config import Settings
from campaign_dashboard.models import CampaignStatus, Channel, RecipientStatus, utcnow
from campaign_dashboard.providers.base import (
    EmailProvider,
    FatalError,
    QuotaExceeded,
    RetryableError,
    SendResult,
    SmsProvider,
)
from campaign_dashboard.services.audience.contacts import tags_of
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.channels import campaign_model, recipient_model
from campaign_dashboard.services.rate_limiter import RateLimiter
from campaign_dashboard.services.sending import ab_split, compose
from campaign_dashboard.services.sending.ledger import LeaseLost, Pulse, checkpoint, claimed_rows, release
from campaign_dashboard.services.sending.results import fail_campaign, finish, write_results
from campaign_dashboard.services.sending.throttle import (
    CampaignStopped,
    budget_exceeded,
    defer,
    give_up_on_exhausted,
    note_error,
    quiet_until,
    resend_bucket,
    sms_bucket,
    with_retries,
)

log = logging.getLogger(__name__)


@dataclass
class SendDeps:
    """What the send path needs from the outside world; tests and the worker build their own."""

    engine: Engine
    settings: Settings
    limiter: RateLimiter
    email: EmailProvider | None = None
    sms: SmsProvider | None = None
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = utcnow

    # The providers a send needs, looked up when it is made: deps built for one channel have none
    # for the other, and reaching for it is a wiring mistake, said as such.
    def email_provider(self) -> EmailProvider:
        if self.email is None:
            raise RuntimeError("these send dependencies have no email provider")
        return self.email

    def sms_provider(self) -> SmsProvider:
        if self.sms is None:
            raise RuntimeError("these send dependencies have no SMS provider")
        return self.sms


class Outcome(StrEnum):
    MORE = "more"  # claimable rows remain: run another batch
    DONE = "done"  # the campaign has ended (sent, failed or cancelled)
    STOPPED = "stopped"  # paused or not sending: nothing to do until resumed
    DEFERRED = "deferred"  # only rows waiting for their quiet hours to end remain
    WAITING = "waiting"  # other workers still hold claims


def process_batch(
    *, deps: SendDeps, channel: Channel, campaign_id: int, batch_id: str, recovered: bool = False
) -> Outcome:
    """Send every still-claimed row of `batch_id`, chunk by chunk; then say what comes next.
    `recovered`: the batch was taken over from a dead worker, so its rows may have gone out."""
    Campaign = campaign_model(channel)
    with Session(deps.engine) as session:
        campaign = session.get(Campaign, campaign_id)
        rows = claimed_rows(session, channel, batch_id)
        tags = tags_of(session=session, contact_ids=[c.id for _, c in rows if c is not None])
        try:
            content = compose.contents(session, channel, campaign, deps.settings)
        except Exception as exc:  # noqa: BLE001 - content no recipient can get: end the campaign
            content, reason = None, f"The campaign's content cannot be rendered: {compose.failure_reason(exc)}"
    if content is None:
        return _stop(deps, channel, campaign_id, batch_id, reason=reason)
    rows = give_up_on_exhausted(deps, channel, campaign_id, rows)
    lease = Pulse(deps, channel, batch_id, fresh=False)  # a queued or recovered batch: renew first
    for chunk_number, chunk_rows in groupby(rows, key=lambda pair: pair[0].chunk):
        try:
            status = checkpoint(deps, channel, campaign_id, batch_id, lease)
            if status != CampaignStatus.SENDING:
                raise CampaignStopped(status)
            if channel == Channel.EMAIL:
                _send_email_chunk(deps, campaign, content, list(chunk_rows), tags, f"{batch_id}-{chunk_number}")
            else:
                _send_sms_chunk(deps, campaign, content, list(chunk_rows), tags, batch_id, recovered)
        except CampaignStopped as stopped:
            release(deps=deps, channel=channel, campaign_id=campaign_id, batch_id=batch_id, status=stopped.status)
            return Outcome.STOPPED if stopped.status == CampaignStatus.PAUSED else Outcome.DONE
        except LeaseLost:
            log.warning(
                "lease of batch %s expired while sending; leaving it to recovery",
                batch_id,
                extra={"campaign_id": campaign_id, "batch_id": batch_id},
            )
            return Outcome.WAITING
        except FatalError as exc:
            return _stop(deps, channel, campaign_id, batch_id, reason=exc.message)
        except QuotaExceeded as exc:
            return _stop(deps, channel, campaign_id, batch_id, reason=exc.message, pause=True)
        except RetryableError as exc:
            note_error(deps, channel, batch_id, exc.message)  # shown on the rows; counts to give up
            raise
    return next_step(deps=deps, channel=channel, campaign_id=campaign_id)


def _stop(
    deps: SendDeps, channel: Channel, campaign_id: int, batch_id: str, *, reason: str, pause: bool = False
) -> Outcome:
    """Fail (or, for a used-up quota, pause) the campaign with `reason`; hand back the batch."""
    if pause:
        if finish(deps, channel, campaign_id, Action.PAUSE, reason=reason):
            log.warning(
                "campaign %s/%s paused: %s",
                channel,
                campaign_id,
                reason,
                extra={"campaign_id": campaign_id, "batch_id": batch_id},
            )
    else:
        fail_campaign(deps=deps, channel=channel, campaign_id=campaign_id, reason=reason)
    with Session(deps.engine) as session:
        Campaign = campaign_model(channel)
        status = session.scalar(select(col(Campaign.status)).where(col(Campaign.id) == campaign_id))
    release(
        deps=deps, channel=channel, campaign_id=campaign_id, batch_id=batch_id, status=status or CampaignStatus.FAILED
    )
    return Outcome.STOPPED if status == CampaignStatus.PAUSED else Outcome.DONE


def next_step(*, deps: SendDeps, channel: Channel, campaign_id: int, stalled_only: bool = False) -> Outcome:
    """End the campaign when no row is pending or claimed (`failed` if the error budget is spent,
    else `sent`); otherwise say what is left. With `stalled_only` (the tick), MORE is only
    answered when no worker holds a claim, so the tick restarts lost chains and leaves live ones."""
    Campaign, Recipient = campaign_model(channel), recipient_model(channel)
    now = deps.now()
    with Session(deps.engine) as session:
        row = session.execute(
            select(col(Campaign.status), col(Campaign.failed), col(Campaign.processed), col(Campaign.recipients)).where(
                col(Campaign.id) == campaign_id
            )
        ).one_or_none()
        if row is None or row.status != CampaignStatus.SENDING:
            return Outcome.STOPPED if row is not None and row.status == CampaignStatus.PAUSED else Outcome.DONE

        def probe(*conditions: ColumnElement[bool]) -> Exists:  # an index probe, never a count: cheap at 1M recipients
            return exists().where(col(Recipient.campaign_id) == campaign_id, *conditions)

        # An A/B test's remainder waits for the winner (the tick decides it when the wait is over).
        holding = ab_split.holds_remainder(session, channel, campaign_id)
        free = (ab_split.claimable(channel),) if holding else ()
        # One statement, so one snapshot: as separate reads under PostgreSQL's READ COMMITTED, a
        # claim committed between "any claimed?" (no: still pending) and "any pending?" (no: now
        # claimed) made a campaign look finished while its first batch was being sent.
        claimed, ready, pending, held = session.execute(
            select(
                probe(col(Recipient.status) == RecipientStatus.CLAIMED),
                probe(
                    col(Recipient.status) == RecipientStatus.PENDING,
                    col(Recipient.not_before).is_(None) | (col(Recipient.not_before) <= now),
                    *free,
                ),
                probe(col(Recipient.status) == RecipientStatus.PENDING, *free),
                probe(col(Recipient.status) == RecipientStatus.PENDING, ab_split.waiting(channel))
                if holding
                else literal(False),
            )
        ).one()
        deferred = pending and not ready
    reason = budget_exceeded(deps.settings, row.failed, row.processed, row.recipients)
    if reason:
        fail_campaign(deps=deps, channel=channel, campaign_id=campaign_id, reason=reason)
        return Outcome.DONE
    if not (claimed or ready or deferred or held):
        finish(deps, channel, campaign_id, Action.COMPLETE)
        return Outcome.DONE
    if ready and not (stalled_only and claimed):
        return Outcome.MORE
    return Outcome.DEFERRED if deferred else Outcome.WAITING


def earliest_deferred(*, deps: SendDeps, channel: Channel, campaign_id: int) -> datetime | None:
    """When the first row waiting for its quiet hours to end may be claimed."""
    Recipient = recipient_model(channel)
    with Session(deps.engine) as session:
        return session.scalar(
            select(func.min(col(Recipient.not_before))).where(
                col(Recipient.campaign_id) == campaign_id, col(Recipient.status) == RecipientStatus.PENDING
            )
        )


def _send_email_chunk(deps: SendDeps, campaign, contents, rows, tags, key: str) -> None:
    s = deps.settings
    messages, message_rows, refused = [], [], []
    for recipient, contact in rows:
        try:
            group = contents[recipient.ab_group]  # an A/B variant's, or the campaign's own
            messages.append(
                compose.email_message(deps, campaign, group.compiled, recipient, contact, tags, group.from_email)
            )
            message_rows.append(recipient)
        except Exception as exc:  # noqa: BLE001 - whatever fails composing one message fails only it
            refused.append((recipient, compose.failure_reason(exc)))
    results: list[SendResult] = []
    if messages:
        results = with_retries(
            deps,
            Channel.EMAIL,
            rows[0][0].batch_id,
            lambda: deps.email_provider().send_batch(messages, idempotency_key=key),
            bucket=resend_bucket(s.effective_resend_api_key),
            rate=s.resend_requests_per_second,
            campaign_id=campaign.id,
        )
    write_results(
        deps,
        Channel.EMAIL,
        campaign.id,
        list(zip(message_rows, results, strict=False)),
        refused,
        sent_emails={r.id: m for r, m in zip(message_rows, messages, strict=False)},
    )


def _send_sms_chunk(deps: SendDeps, campaign, contents, rows, tags, batch_id: str, recovered: bool) -> None:
    s = deps.settings
    sender = campaign.from_number or s.twilio_from
    pulse = Pulse(deps, Channel.SMS, batch_id)
    for recipient, contact in rows:
        pulse()
        defer_until = quiet_until(deps, contact)
        if defer_until is not None:
            defer(deps, Channel.SMS, recipient, defer_until)
            continue
        try:
            body = compose.sms_body(deps, contents[recipient.ab_group].compiled, recipient, contact, tags)
        except Exception as exc:  # noqa: BLE001 - whatever fails composing one message fails only it
            write_results(deps, Channel.SMS, campaign.id, [], [(recipient, compose.failure_reason(exc))])
            continue
        if recovered:  # its worker died: did this one go out already?
            previous = with_retries(
                deps,
                Channel.SMS,
                batch_id,
                lambda r=recipient, b=body: deps.sms_provider().find_sent(to=r.address, body=b, since=r.claimed_at),
                campaign_id=campaign.id,
            )
            if previous:
                write_results(deps, Channel.SMS, campaign.id, [(recipient, SendResult(previous))], [])
                continue
        message = compose.sms_message(deps, campaign, recipient, body, sender)
        result = with_retries(
            deps,
            Channel.SMS,
            batch_id,
            lambda m=message: deps.sms_provider().send(m),
            bucket=sms_bucket(s, sender),
            rate=s.twilio_mps_per_sender,
            campaign_id=campaign.id,
            check_first=True,
        )
        write_results(deps, Channel.SMS, campaign.id, [(recipient, result)], [])
