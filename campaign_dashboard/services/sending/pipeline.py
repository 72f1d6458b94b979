"""Effectively-once sending on an at-least-once queue.

The recipients table is the ledger. A batch is claimed with one UPDATE (status `claimed`, a batch
id, a chunk number and a lease); the claimed rows are then sent chunk by chunk and each chunk's
results are written in one transaction. A worker may die at any line:

- email: every chunk is sent with the Idempotency-Key `<batch id>-<chunk>` and a body that depends
  only on the ledger row and the contact, so re-sending a recovered chunk cannot send twice;
- SMS (no idempotency keys at Twilio): each row of a recovered batch is first looked up in the
  provider's message list (same recipient, same text, created since its claim; not by sender,
  which a Messaging Service picks) and only sent if nothing went out.

Pause, cancel and failure are re-read between chunks and again after every wait (a rate-limit
turn, a retry backoff) and before every SMS, so a pause or cancel stops everything not yet handed
to the provider; rows not sent yet go back to `pending` (pause) or become `cancelled`. The
campaign ends `sent` when no row is pending or claimed.

Every campaign ends by itself: any exception while composing one message (rendering is bounded,
see services.rendering) is that recipient's failure; content that cannot be compiled fails the
campaign with the reason; a used-up provider quota pauses it with the reason; and a row claimed
`send_max_attempts` times without an outcome is failed with the last error instead of retried
for ever.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import groupby
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from campaign_dashboard.config import Settings
from campaign_dashboard.models import (
    CampaignStatus,
    Channel,
    Contact,
    EmailTemplate,
    RecipientStatus,
    SentEmail,
    SmsStatus,
    utcnow,
)
from campaign_dashboard.providers.base import (
    EmailProvider,
    FatalError,
    OutgoingEmail,
    OutgoingSms,
    QuotaExceeded,
    RetryableError,
    SendResult,
    SmsProvider,
)
from campaign_dashboard.ratelimit import RateLimiter
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.audience.contacts import tags_of
from campaign_dashboard.services.audience.opt_outs import PROVIDER_SUPPRESSED, set_sms_status_by_phone, suppress
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.campaigns.render_limits import RenderLimits
from campaign_dashboard.services.campaigns.rendering import compile_email, compile_sms
from campaign_dashboard.services.channels import campaign_model, recipient_model
from campaign_dashboard.services.errors import IllegalTransition
from campaign_dashboard.services.events.counters import bump_minute, minute_of
from campaign_dashboard.services.events.unsubscribe import unsubscribe_url
from campaign_dashboard.services.sending import email_headers

log = logging.getLogger(__name__)

CHUNK = 100  # Resend's batch endpoint takes at most 100 emails per call


MAX_ATTEMPTS_PER_CHUNK = 8  # retryable errors in a row before the task gives up (and Huey retries)


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


class Outcome(StrEnum):
    MORE = "more"  # claimable rows remain: run another batch
    DONE = "done"  # the campaign has ended (sent, failed or cancelled)
    STOPPED = "stopped"  # paused or not sending: nothing to do until resumed
    DEFERRED = "deferred"  # only rows waiting for their quiet hours to end remain
    WAITING = "waiting"  # other workers still hold claims


# --- claiming ------------------------------------------------------------------------------------


def claim_batch(*, deps: SendDeps, channel: Channel, campaign_id: int) -> str | None:
    """Claim up to `send_batch_size` pending rows of a sending campaign; returns the batch id."""
    Campaign, Recipient = campaign_model(channel), recipient_model(channel)
    s = deps.settings
    with Session(deps.engine) as session:
        status = session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
        if status != CampaignStatus.SENDING:
            return None
        now = deps.now()
        query = (
            select(Recipient.id)
            .where(
                Recipient.campaign_id == campaign_id,
                Recipient.status == RecipientStatus.PENDING,
                (Recipient.not_before.is_(None)) | (Recipient.not_before <= now),
            )
            .order_by(Recipient.id)
            .limit(s.send_batch_size)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(session.scalars(query))
        if not ids:
            return None
        batch_id = uuid.uuid4().hex
        for number, start in enumerate(range(0, len(ids), CHUNK)):
            session.execute(
                update(Recipient)
                .where(
                    Recipient.id.in_(ids[start : start + CHUNK]),
                    _unselective(deps.engine, Recipient.status == RecipientStatus.PENDING),
                )
                .values(
                    status=RecipientStatus.CLAIMED,
                    batch_id=batch_id,
                    chunk=number,
                    claimed_at=now,
                    lease_expires_at=now + timedelta(seconds=s.send_lease_seconds),
                    attempts=Recipient.attempts + 1,
                    updated_at=now,
                )
            )
        session.commit()
        return batch_id


def recover_expired_claims(*, deps: SendDeps, channel: Channel) -> list[tuple[int, str]]:
    """Take over batches whose worker died (lease expired). Returns (campaign id, batch id) pairs
    to process again; batches of campaigns no longer sending are released instead."""
    Campaign, Recipient = campaign_model(channel), recipient_model(channel)
    now = deps.now()
    with Session(deps.engine) as session:
        expired = session.execute(
            select(Recipient.campaign_id, Recipient.batch_id, Campaign.status)
            .join(Campaign, Campaign.id == Recipient.campaign_id)
            .where(Recipient.status == RecipientStatus.CLAIMED, Recipient.lease_expires_at < now)
            .distinct()
        ).all()
    resumed = []
    for campaign_id, batch_id, status in expired:
        with Session(deps.engine) as session:
            taken = session.execute(
                update(Recipient)
                .where(
                    Recipient.batch_id == batch_id,
                    _unselective(deps.engine, Recipient.status == RecipientStatus.CLAIMED),
                    Recipient.lease_expires_at < now,
                )
                .values(
                    lease_expires_at=now + timedelta(seconds=deps.settings.send_lease_seconds),
                    attempts=Recipient.attempts + 1,
                    updated_at=now,
                )
            ).rowcount
            session.commit()
        if not taken:
            continue  # another worker's recovery got there first
        if status == CampaignStatus.SENDING:
            resumed.append((campaign_id, batch_id))
        else:
            _release(deps=deps, channel=channel, campaign_id=campaign_id, batch_id=batch_id, status=status)
    return resumed


def _unselective(engine: Engine, condition):
    """`condition` (a status test next to an id or batch id) marked as true for most rows it is
    tested on. SQLite's planner has no statistics and otherwise walks the `status` index, i.e.
    every pending row of the campaign, for an `id IN (...) AND status = 'pending'`: that made
    each claim O(recipients) (seconds per batch at a million). `likely()` only steers the plan."""
    return func.likely(condition) if engine.dialect.name == "sqlite" else condition


# --- processing ----------------------------------------------------------------------------------


def process_batch(
    *, deps: SendDeps, channel: Channel, campaign_id: int, batch_id: str, recovered: bool = False
) -> Outcome:
    """Send every still-claimed row of `batch_id`, chunk by chunk; then say what comes next.
    `recovered`: the batch was taken over from a dead worker, so its rows may have gone out."""
    Campaign = campaign_model(channel)
    with Session(deps.engine) as session:
        campaign = session.get(Campaign, campaign_id)
        rows = _claimed_rows(session, channel, batch_id)
        tags = tags_of(session=session, contact_ids=[c.id for _, c in rows if c is not None])
        try:
            content = _content(session, channel, campaign)
        except Exception as exc:  # noqa: BLE001 - content no recipient can get: end the campaign
            content, reason = None, f"The campaign's content cannot be rendered: {_reason(exc)}"
    if content is None:
        return _stop(deps, channel, campaign_id, batch_id, reason=reason)
    rows = _give_up_on_exhausted(deps, channel, campaign_id, rows)
    lease = _Pulse(deps, channel, batch_id, fresh=False)  # a queued or recovered batch: renew first
    for chunk_number, chunk_rows in groupby(rows, key=lambda pair: pair[0].chunk):
        try:
            status = _checkpoint(deps, channel, campaign_id, batch_id, lease)
            if status != CampaignStatus.SENDING:
                raise CampaignStopped(status)
            if channel == Channel.EMAIL:
                _send_email_chunk(deps, campaign, content, list(chunk_rows), tags, f"{batch_id}-{chunk_number}")
            else:
                _send_sms_chunk(deps, campaign, content, list(chunk_rows), tags, batch_id, recovered)
        except CampaignStopped as stopped:
            _release(deps=deps, channel=channel, campaign_id=campaign_id, batch_id=batch_id, status=stopped.status)
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
            _note_error(deps, channel, batch_id, exc.message)  # shown on the rows; counts to give up
            raise
    return next_step(deps=deps, channel=channel, campaign_id=campaign_id)


class CampaignStopped(Exception):
    """The campaign is no longer sending (a person paused or cancelled it, or it failed)."""

    def __init__(self, status: str | None) -> None:
        super().__init__(status)
        self.status = status


def _stop(
    deps: SendDeps, channel: Channel, campaign_id: int, batch_id: str, *, reason: str, pause: bool = False
) -> Outcome:
    """Fail (or, for a used-up quota, pause) the campaign with `reason`; hand back the batch."""
    if pause:
        if _finish(deps, channel, campaign_id, Action.PAUSE, reason=reason):
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
        status = session.scalar(select(campaign_model(channel).status).where(campaign_model(channel).id == campaign_id))
    _release(
        deps=deps, channel=channel, campaign_id=campaign_id, batch_id=batch_id, status=status or CampaignStatus.FAILED
    )
    return Outcome.STOPPED if status == CampaignStatus.PAUSED else Outcome.DONE


def _reason(exc: BaseException) -> str:
    return getattr(exc, "message", None) or f"{exc.__class__.__name__}: {exc}"


def _give_up_on_exhausted(deps: SendDeps, channel: Channel, campaign_id: int, rows: list[tuple]) -> list[tuple]:
    """Fail rows claimed `send_max_attempts` times without an outcome (each crash, expired lease
    or exhausted retry claims a row again), so no batch is retried for ever; keep the others."""
    limit = deps.settings.send_max_attempts
    exhausted = [
        (r, f"not sent after {r.attempts} attempts; last error: {r.last_error or 'none recorded'}")
        for r, _ in rows
        if r.attempts > limit
    ]
    if not exhausted:
        return rows
    _write_results(deps, channel, campaign_id, [], exhausted)
    gone = {r.id for r, _ in exhausted}
    return [(r, c) for r, c in rows if r.id not in gone]


def _note_error(deps: SendDeps, channel: Channel, batch_id: str, message: str) -> None:
    Recipient = recipient_model(channel)
    with Session(deps.engine) as session:
        session.execute(
            update(Recipient)
            .where(
                Recipient.batch_id == batch_id,
                _unselective(deps.engine, Recipient.status == RecipientStatus.CLAIMED),
            )
            .values(last_error=message[:2000])
        )
        session.commit()


def _claimed_rows(session: Session, channel: Channel, batch_id: str) -> list[tuple]:
    """(recipient, contact or None) pairs of the batch's claimed rows, in chunk order, as plain
    rows with the fields sending reads (`contact.first_name`...), not ORM objects: building 1,000
    objects per batch cost more than rendering, and the (SQLite) write lock is held meanwhile."""
    Recipient = recipient_model(channel)
    recipients = session.execute(
        select(
            Recipient.id,
            Recipient.contact_id,
            Recipient.address,
            Recipient.chunk,
            Recipient.batch_id,
            Recipient.claimed_at,
            Recipient.attempts,
            Recipient.last_error,
        )
        .where(
            Recipient.batch_id == batch_id,
            _unselective(session.get_bind(), Recipient.status == RecipientStatus.CLAIMED),
        )
        .order_by(Recipient.chunk, Recipient.id)
    ).all()
    contact_ids = list({r.contact_id for r in recipients if r.contact_id is not None})
    contacts = {}
    for start in range(0, len(contact_ids), 1000):
        contacts.update(
            (c.id, c)
            for c in session.execute(
                select(
                    Contact.id,
                    Contact.email,
                    Contact.phone,
                    Contact.first_name,
                    Contact.last_name,
                    Contact.timezone,
                    Contact.attributes,
                ).where(Contact.id.in_(contact_ids[start : start + 1000]))
            )
        )
    return [(r, contacts.get(r.contact_id)) for r in recipients]


def next_step(*, deps: SendDeps, channel: Channel, campaign_id: int, stalled_only: bool = False) -> Outcome:
    """End the campaign when no row is pending or claimed (`failed` if the error budget is spent,
    else `sent`); otherwise say what is left. With `stalled_only` (the tick), MORE is only
    answered when no worker holds a claim, so the tick restarts lost chains and leaves live ones."""
    Campaign, Recipient = campaign_model(channel), recipient_model(channel)
    now = deps.now()
    with Session(deps.engine) as session:
        row = session.execute(
            select(Campaign.status, Campaign.failed, Campaign.processed, Campaign.recipients).where(
                Campaign.id == campaign_id
            )
        ).one_or_none()
        if row is None or row.status != CampaignStatus.SENDING:
            return Outcome.STOPPED if row is not None and row.status == CampaignStatus.PAUSED else Outcome.DONE

        def probe(*conditions):  # an index probe, never a count: cheap at 1M recipients
            return exists().where(Recipient.campaign_id == campaign_id, *conditions)

        # One statement, so one snapshot: as separate reads under PostgreSQL's READ COMMITTED, a
        # claim committed between "any claimed?" (no: still pending) and "any pending?" (no: now
        # claimed) made a campaign look finished while its first batch was being sent.
        claimed, ready, pending = session.execute(
            select(
                probe(Recipient.status == RecipientStatus.CLAIMED),
                probe(
                    Recipient.status == RecipientStatus.PENDING,
                    Recipient.not_before.is_(None) | (Recipient.not_before <= now),
                ),
                probe(Recipient.status == RecipientStatus.PENDING),
            )
        ).one()
        deferred = pending and not ready
    reason = _budget_exceeded(deps.settings, row.failed, row.processed, row.recipients)
    if reason:
        fail_campaign(deps=deps, channel=channel, campaign_id=campaign_id, reason=reason)
        return Outcome.DONE
    if not (claimed or ready or deferred):
        _finish(deps, channel, campaign_id, Action.COMPLETE)
        return Outcome.DONE
    if ready and not (stalled_only and claimed):
        return Outcome.MORE
    return Outcome.DEFERRED if deferred else Outcome.WAITING


def earliest_deferred(*, deps: SendDeps, channel: Channel, campaign_id: int) -> datetime | None:
    Recipient = recipient_model(channel)
    with Session(deps.engine) as session:
        return session.scalar(
            select(func.min(Recipient.not_before)).where(
                Recipient.campaign_id == campaign_id, Recipient.status == RecipientStatus.PENDING
            )
        )


def fail_campaign(*, deps: SendDeps, channel: Channel, campaign_id: int, reason: str) -> None:
    if _finish(deps, channel, campaign_id, Action.FAIL, reason=reason):
        log.warning("campaign %s/%s failed: %s", channel, campaign_id, reason, extra={"campaign_id": campaign_id})


def _finish(deps: SendDeps, channel: Channel, campaign_id: int, action: Action, reason: str | None = None) -> bool:
    """Complete or fail through the lifecycle; False when a user's pause/cancel got there first."""
    with Session(deps.engine) as session:
        try:
            campaigns.apply_action(
                session=session, channel=channel, campaign_id=campaign_id, action=action, reason=reason
            )
        except IllegalTransition:
            return False
    return True


# --- email ---------------------------------------------------------------------------------------


def _send_email_chunk(deps: SendDeps, campaign, compiled, rows, tags, key: str) -> None:
    s = deps.settings
    messages, message_rows, refused = [], [], []
    for recipient, contact in rows:
        try:
            messages.append(_email_message(deps, campaign, compiled, recipient, contact, tags))
            message_rows.append(recipient)
        except Exception as exc:  # noqa: BLE001 - whatever fails composing one message fails only it
            refused.append((recipient, _reason(exc)))
    results: list[SendResult] = []
    if messages:
        results = _with_retries(
            deps,
            Channel.EMAIL,
            rows[0][0].batch_id,
            lambda: deps.email.send_batch(messages, idempotency_key=key),
            bucket=resend_bucket(s.effective_resend_api_key),
            rate=s.resend_requests_per_second,
            campaign_id=campaign.id,
        )
    _write_results(
        deps,
        Channel.EMAIL,
        campaign.id,
        list(zip(message_rows, results)),
        refused,
        sent_emails={r.id: m for r, m in zip(message_rows, messages)},
    )


def resend_bucket(api_key: str) -> str:
    """The rate-limit bucket of a Resend account: every request on the account (sending, segment
    mirroring) takes from it, so together they keep the account's requests per second."""
    return f"email:{api_key[-8:]}"


def _email_message(deps: SendDeps, campaign, compiled, recipient, contact, tags) -> OutgoingEmail:
    s = deps.settings
    unsubscribe = unsubscribe_url(
        contact_id=recipient.contact_id,
        channel=Channel.EMAIL,
        campaign_id=campaign.id,
        base_url=s.public_base_url,
        secret_key=s.secret_key,
    )
    token = reply_token(secret_key=s.secret_key, recipient_id=recipient.id)
    rendered = compiled.render(
        contact or {"email": recipient.address},
        extra={"unsubscribe_url": unsubscribe},
        tags=tags.get(recipient.contact_id, []),
        limits=RenderLimits.from_settings(s),
    )
    footer_html = (
        f'<p style="font-size:12px;color:#666">You receive this because you subscribed. '
        f'<a href="{unsubscribe}">Unsubscribe</a></p>'
    )
    html = rendered.html if unsubscribe in rendered.html else rendered.html + footer_html
    text = rendered.text if unsubscribe in rendered.text else f"{rendered.text}\n\nUnsubscribe: {unsubscribe}"
    from_email = campaign.from_email or s.email_from
    inbound = s.resend_inbound_domain
    return OutgoingEmail(
        to=recipient.address,
        from_email=from_email,
        subject=rendered.subject,
        html=html,
        text=text,
        reply_to=email_headers.reply_to(
            token=token, inbound_domain=inbound, campaign_reply_to=campaign.reply_to, from_email=from_email
        ),
        headers={
            "List-Unsubscribe": email_headers.list_unsubscribe(url=unsubscribe, token=token, inbound_domain=inbound),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": email_headers.message_id(
                recipient_id=recipient.id, campaign_id=campaign.id, token=token, from_email=from_email
            ),
        },
        tags={"campaign_id": str(campaign.id), "recipient_id": str(recipient.id)},
        reply_token=token,
    )


def reply_token(*, secret_key: str, recipient_id: int) -> str:
    """Deterministic per recipient, so a re-sent chunk has the same body (idempotency)."""
    return hmac.new(secret_key.encode(), f"reply:{recipient_id}".encode(), hashlib.sha256).hexdigest()[:24]


# --- sms -----------------------------------------------------------------------------------------


def _send_sms_chunk(deps: SendDeps, campaign, compiled, rows, tags, batch_id: str, recovered: bool) -> None:
    s = deps.settings
    sender = campaign.from_number or s.twilio_from
    pulse = _Pulse(deps, Channel.SMS, batch_id)
    for recipient, contact in rows:
        pulse()
        defer_until = _quiet_until(deps, contact)
        if defer_until is not None:
            _defer(deps, Channel.SMS, recipient, defer_until)
            continue
        try:
            body = compiled.render(
                contact or {"phone": recipient.address},
                tags=tags.get(recipient.contact_id, []),
                limits=RenderLimits.from_settings(s),
            )
        except Exception as exc:  # noqa: BLE001 - whatever fails composing one message fails only it
            _write_results(deps, Channel.SMS, campaign.id, [], [(recipient, _reason(exc))])
            continue
        if recovered:  # its worker died: did this one go out already?
            previous = _with_retries(
                deps,
                Channel.SMS,
                batch_id,
                lambda r=recipient, b=body: deps.sms.find_sent(to=r.address, body=b, since=r.claimed_at),
                campaign_id=campaign.id,
            )
            if previous:
                _write_results(deps, Channel.SMS, campaign.id, [(recipient, SendResult(previous))], [])
                continue
        message = OutgoingSms(
            to=recipient.address,
            body=body,
            from_number=sender,
            messaging_service_sid=None if campaign.from_number else s.twilio_messaging_service_sid,
            status_callback=f"{s.public_base_url.rstrip('/')}/webhooks/twilio/status"
            f"?campaign={campaign.id}&recipient={recipient.id}",
        )
        result = _with_retries(
            deps,
            Channel.SMS,
            batch_id,
            lambda m=message: deps.sms.send(m),
            bucket=f"sms:{s.effective_twilio_account_sid}:{sender or s.twilio_messaging_service_sid}",
            rate=s.twilio_mps_per_sender,
            campaign_id=campaign.id,
            check_first=True,
        )
        _write_results(deps, Channel.SMS, campaign.id, [(recipient, result)], [])


def _quiet_until(deps: SendDeps, contact: Contact | None) -> datetime | None:
    """When the recipient's local time is outside the allowed window, the next window start."""
    s = deps.settings
    if not s.quiet_hours_enabled or contact is None:
        return None
    start, end = s.quiet_hours_start, s.quiet_hours_end
    try:
        zone = ZoneInfo(contact.timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = deps.now().astimezone(zone)
    if start <= local.hour < end:
        return None
    day = local if local.hour < start else local + timedelta(days=1)
    return day.replace(hour=start, minute=0, second=0, microsecond=0).astimezone(deps.now().tzinfo)


def _defer(deps: SendDeps, channel: Channel, recipient, until: datetime) -> None:
    Recipient = recipient_model(channel)
    with Session(deps.engine) as session:
        session.execute(
            update(Recipient)
            .where(Recipient.id == recipient.id, Recipient.status == RecipientStatus.CLAIMED)
            .values(
                status=RecipientStatus.PENDING,
                batch_id=None,
                chunk=None,
                lease_expires_at=None,
                not_before=until,
                updated_at=deps.now(),
                last_error=f"quiet hours: waits until {until.isoformat()}",
            )
        )
        session.commit()


# --- shared helpers ------------------------------------------------------------------------------


def _with_retries(
    deps: SendDeps,
    channel: Channel,
    batch_id: str,
    call,
    *,
    bucket: str | None = None,
    rate: float = 0,
    campaign_id: int | None = None,
    check_first: bool = False,
):
    """Call the provider, honouring the shared rate limit and retrying retryable errors with
    backoff (retry-after first). Keeps the batch's lease alive while waiting. After any wait (and
    first of all with `check_first`) the campaign's status is read again: CampaignStopped when a
    pause or cancel came meanwhile, so nothing more is handed to the provider."""
    attempt = 0
    pulse = _Pulse(deps, channel, batch_id)  # waiting our turn is not being dead
    waited = check_first
    while True:
        if bucket:
            # burst 1: requests evenly spaced, so no sliding second at the provider sees more
            while (wait := deps.limiter.acquire(bucket, rate=rate, burst=1, start_empty=True)) > 0:
                pulse()
                deps.sleep(min(wait, 1.0))
                _ensure_sending(deps, channel, campaign_id)
                waited = True
            pulse()
        if waited:
            _ensure_sending(deps, channel, campaign_id)
        try:
            return call()
        except RetryableError as exc:
            attempt += 1
            if attempt >= MAX_ATTEMPTS_PER_CHUNK:
                raise
            delay = exc.retry_after if exc.retry_after is not None else min(30.0, 0.5 * 2**attempt)
            log.info(
                "retryable provider error (%s), retry %d in %.1fs",
                exc.message,
                attempt,
                delay,
                extra={"campaign_id": campaign_id, "batch_id": batch_id},
            )
            _heartbeat(deps, channel, batch_id)
            _sleep_sending(deps, channel, batch_id, campaign_id, delay)
            waited = True


def _ensure_sending(deps: SendDeps, channel: Channel, campaign_id: int | None) -> None:
    if campaign_id is None:
        return
    Campaign = campaign_model(channel)
    with Session(deps.engine) as session:
        status = session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    if status != CampaignStatus.SENDING:
        raise CampaignStopped(status)


def _sleep_sending(deps: SendDeps, channel: Channel, batch_id: str, campaign_id: int | None, delay: float) -> None:
    """A retry backoff, a second at a time, ending early when the campaign stops sending."""
    pulse = _Pulse(deps, channel, batch_id)
    left = delay
    while left > 0:
        deps.sleep(min(left, 1.0))
        left -= 1.0
        pulse()
        _ensure_sending(deps, channel, campaign_id)


def _write_results(
    deps: SendDeps,
    channel: Channel,
    campaign_id: int,
    results,
    refused,
    sent_emails: dict[int, OutgoingEmail] | None = None,
) -> None:
    """One transaction per chunk: recipient rows, sent_emails and the campaign counters. Rows that
    are no longer claimed (taken over after an expired lease) are not counted twice."""
    Campaign, Recipient = campaign_model(channel), recipient_model(channel)
    ids = [r.id for r, _ in results] + [r.id for r, _ in refused]
    if not ids:
        return
    now = deps.now()
    with Session(deps.engine) as session:
        still_claimed = set(
            session.scalars(
                select(Recipient.id).where(
                    Recipient.id.in_(ids), _unselective(deps.engine, Recipient.status == RecipientStatus.CLAIMED)
                )
            )
        )
        sent = [(r, res) for r, res in results if r.id in still_claimed and res.accepted]
        failed = [(r, res.error) for r, res in results if r.id in still_claimed and not res.accepted]
        for r, res in results:
            if r.id in still_claimed and res.opted_out and channel == Channel.SMS:
                # The carrier/provider knows this number unsubscribed (e.g. Twilio 21610): never again.
                suppress(
                    session=session,
                    channel=channel,
                    address=r.address,
                    reason=PROVIDER_SUPPRESSED,
                    source=f"send:{campaign_id}",
                )
                set_sms_status_by_phone(session=session, phone=r.address, status=SmsStatus.OPTED_OUT, now=now)
        failed += [(r, reason) for r, reason in refused if r.id in still_claimed]
        table = Recipient.__table__
        if sent:
            session.execute(
                table.update()
                .where(table.c.id == bindparam("rid"))
                .values(
                    status=RecipientStatus.SENT,
                    provider_message_id=bindparam("pid"),
                    sent_at=now,
                    lease_expires_at=None,
                    last_error=None,
                    updated_at=now,
                ),
                [{"rid": r.id, "pid": res.provider_message_id} for r, res in sent],
            )
        if failed:
            session.execute(
                table.update()
                .where(table.c.id == bindparam("rid"))
                .values(
                    status=RecipientStatus.FAILED, last_error=bindparam("err"), lease_expires_at=None, updated_at=now
                ),
                [{"rid": r.id, "err": (reason or "refused")[:2000]} for r, reason in failed],
            )
        if sent and channel == Channel.EMAIL and sent_emails is not None:
            session.execute(
                SentEmail.__table__.insert(),
                [  # Core executemany: no ORM bulk machinery
                    {
                        "campaign_id": campaign_id,
                        "recipient_id": r.id,
                        "contact_id": r.contact_id,
                        "provider_message_id": res.provider_message_id,
                        "message_id_header": sent_emails[r.id].headers["Message-ID"],
                        "reply_token": sent_emails[r.id].reply_token,
                        "to_address": r.address,
                        "subject": sent_emails[r.id].subject[:500],
                        "status": "sent",
                        "sent_at": now,
                        "updated_at": now,
                        "open_count": 0,
                        "click_count": 0,
                    }
                    for r, res in sent
                ],
            )
        if sent or failed:
            session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id)
                .values(
                    sent=Campaign.sent + len(sent),
                    failed=Campaign.failed + len(failed),
                    processed=Campaign.processed + len(sent) + len(failed),
                    last_activity_at=now,
                )
            )
            # the same counts per minute, for the dashboard's period totals and charts
            bump_minute(
                session=session,
                channel=channel,
                campaign_id=campaign_id,
                minute=minute_of(now),
                metrics={"sent": len(sent), "failed": len(failed)},
            )
        session.commit()


def _release(*, deps: SendDeps, channel: Channel, campaign_id: int, batch_id: str, status: str) -> None:
    """Hand back rows of a batch we will not send: to `pending` (pause, failure) so a resume
    continues exactly there, or `cancelled` (cancel), counted as processed."""
    Campaign, Recipient = campaign_model(channel), recipient_model(channel)
    now = deps.now()
    cancelled = status == CampaignStatus.CANCELLED
    with Session(deps.engine) as session:
        changed = session.execute(
            update(Recipient)
            .where(
                Recipient.batch_id == batch_id, _unselective(deps.engine, Recipient.status == RecipientStatus.CLAIMED)
            )
            .values(
                status=RecipientStatus.CANCELLED if cancelled else RecipientStatus.PENDING,
                batch_id=batch_id if cancelled else None,
                lease_expires_at=None,
                updated_at=now,
            )
        ).rowcount
        if cancelled and changed:
            session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id)
                .values(processed=Campaign.processed + changed, last_activity_at=now)
            )
        session.commit()


class LeaseLost(Exception):
    """Our lease ran out and crash recovery may have handed the batch to another worker."""


def _heartbeat(deps: SendDeps, channel: Channel, batch_id: str) -> None:
    """Extend the batch's lease; raise LeaseLost if it already expired while rows are still
    claimed, since another worker may now be sending them."""
    with Session(deps.engine) as session:
        _extend_lease(session, deps, channel, batch_id)
        session.commit()


def _checkpoint(deps: SendDeps, channel: Channel, campaign_id: int, batch_id: str, lease: _Pulse) -> str | None:
    """Between chunks, in one transaction: the campaign's status (a pause or cancel written by
    any process takes effect here) and, while it is still sending and `lease` is due, a fresh
    lease. Renewing only every lease/3 s keeps the lease as safe (it cannot run out between two
    checkpoints) without rewriting every claimed row between every two chunks."""
    Campaign = campaign_model(channel)
    renew, started = lease.due(), time.monotonic()
    with Session(deps.engine) as session:
        status = session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
        if status == CampaignStatus.SENDING and renew:
            _extend_lease(session, deps, channel, batch_id)
        session.commit()
    if status == CampaignStatus.SENDING and renew:
        lease.last = started
    return status


def _extend_lease(session: Session, deps: SendDeps, channel: Channel, batch_id: str) -> None:
    Recipient = recipient_model(channel)
    now = deps.now()
    extended = session.execute(
        update(Recipient)
        .where(
            Recipient.batch_id == batch_id,
            _unselective(deps.engine, Recipient.status == RecipientStatus.CLAIMED),
            Recipient.lease_expires_at >= now,
        )
        .values(lease_expires_at=now + timedelta(seconds=deps.settings.send_lease_seconds))
    ).rowcount
    if not extended and session.scalar(
        select(Recipient.id)
        .where(Recipient.batch_id == batch_id, _unselective(deps.engine, Recipient.status == RecipientStatus.CLAIMED))
        .limit(1)
    ):
        raise LeaseLost(batch_id)


class _Pulse:
    """Heartbeat at most every lease/3 seconds, from loops that send one message at a time.
    `fresh=False`: the lease was not just renewed by us, so the first call renews it."""

    def __init__(self, deps: SendDeps, channel: Channel, batch_id: str, *, fresh: bool = True) -> None:
        self.deps, self.channel, self.batch_id = deps, channel, batch_id
        self.last: float | None = time.monotonic() if fresh else None

    def due(self) -> bool:
        return self.last is None or time.monotonic() - self.last > self.deps.settings.send_lease_seconds / 3

    def __call__(self) -> None:
        if self.due():
            started = time.monotonic()
            _heartbeat(self.deps, self.channel, self.batch_id)
            self.last = started


def _budget_exceeded(settings: Settings, failed: int, processed: int, recipients: int) -> str | None:
    """Why the campaign must fail: more than `error_budget_ratio` of its first
    `error_budget_sample` recipients failed (checked until the sample has been sent)."""
    sample = min(settings.error_budget_sample, recipients)
    if sample <= 0 or failed <= settings.error_budget_ratio * sample:
        return None
    if processed > sample + settings.send_batch_size:
        return None  # past the sample: later failures are the recipients' own, not the campaign's
    return (
        f"Error budget exhausted: {failed} of the first {processed} recipients failed "
        f"(limit {settings.error_budget_ratio:.0%} of {sample}). See the recipients' last errors."
    )


def _content(session: Session, channel: Channel, campaign):
    if channel == Channel.SMS:
        return compile_sms(campaign.body)
    subject, html, text = campaign.subject, campaign.html, campaign.text
    if campaign.template_id:
        template = session.get(EmailTemplate, campaign.template_id)
        subject = subject or template.subject
        html, text = template.html, text or template.text or None
    return compile_email(subject, html or "", text or None)
