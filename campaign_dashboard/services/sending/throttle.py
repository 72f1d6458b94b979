"""When to send, wait, retry or give up.

Rate buckets shared by every worker keep each provider account's requests per second; retryable
provider errors are retried with backoff; SMS waits for the recipient's quiet hours to end; rows
claimed too often and campaigns failing too much are given up on. After every wait the campaign's
status is read again, so a pause or cancel stops everything not yet handed to the provider.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlmodel import Session, col

from campaign_dashboard.config import Settings
from campaign_dashboard.models import CampaignStatus, Channel, Contact, RecipientStatus
from campaign_dashboard.providers.base import RetryableError
from campaign_dashboard.services.channels import campaign_model, recipient_model
from campaign_dashboard.services.sending.ledger import Pulse, heartbeat, unselective
from campaign_dashboard.services.sending.results import write_results

if TYPE_CHECKING:
    from campaign_dashboard.services.sending.batches import SendDeps

log = logging.getLogger(__name__)

# How the last error of a row given up after retryable errors starts (`give_up_on_exhausted`): a
# send that may succeed another time (services.campaigns.follow_ups resends to them).
GAVE_UP = "not sent after"
MAX_ATTEMPTS_PER_CHUNK = 8  # retryable errors in a row before the task gives up (and Huey retries)


class CampaignStopped(Exception):
    """The campaign is no longer sending (a person paused or cancelled it, or it failed)."""

    def __init__(self, status: str | None) -> None:
        super().__init__(status)
        self.status = status


# --- rate limits and retries ---------------------------------------------------------------------


def resend_bucket(api_key: str) -> str:
    """The rate-limit bucket of a Resend account: every request on the account (sending, segment
    mirroring) takes from it, so together they keep the account's requests per second."""
    return f"email:{api_key[-8:]}"


def sms_bucket(settings: Settings, sender: str | None) -> str:
    """The rate-limit bucket of one sending number (or Messaging Service) of a Twilio account."""
    return f"sms:{settings.effective_twilio_account_sid}:{sender or settings.twilio_messaging_service_sid}"


def with_retries(
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
    pulse = Pulse(deps, channel, batch_id)  # waiting our turn is not being dead
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
            # said on the rows at once, so the campaign page tells why it waits while it retries
            note_error(deps, channel, batch_id, f"{exc.message} (retry {attempt}, in {delay:.0f} s)")
            log.info(
                "retryable provider error (%s), retry %d in %.1fs",
                exc.message,
                attempt,
                delay,
                extra={"campaign_id": campaign_id, "batch_id": batch_id},
            )
            heartbeat(deps, channel, batch_id)
            _sleep_sending(deps, channel, batch_id, campaign_id, delay)
            waited = True


def _ensure_sending(deps: SendDeps, channel: Channel, campaign_id: int | None) -> None:
    if campaign_id is None:
        return
    Campaign = campaign_model(channel)
    with Session(deps.engine) as session:
        status = session.scalar(select(col(Campaign.status)).where(col(Campaign.id) == campaign_id))
    if status != CampaignStatus.SENDING:
        raise CampaignStopped(status)


def _sleep_sending(deps: SendDeps, channel: Channel, batch_id: str, campaign_id: int | None, delay: float) -> None:
    """A retry backoff, a second at a time, ending early when the campaign stops sending."""
    pulse = Pulse(deps, channel, batch_id)
    left = delay
    while left > 0:
        deps.sleep(min(left, 1.0))
        left -= 1.0
        pulse()
        _ensure_sending(deps, channel, campaign_id)


# --- quiet hours ---------------------------------------------------------------------------------

QUIET_HOURS_NOTE = "quiet hours: waits until "  # a deferred row's last_error, then the ISO time


def waits_until(last_error: str | None) -> datetime | None:
    """The window start a row deferred for quiet hours waits for (from its `last_error`), else None."""
    if not last_error or not last_error.startswith(QUIET_HOURS_NOTE):
        return None
    try:
        return datetime.fromisoformat(last_error.removeprefix(QUIET_HOURS_NOTE))
    except ValueError:
        return None


def quiet_until(deps: SendDeps, contact: Contact | None) -> datetime | None:
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


def defer(deps: SendDeps, channel: Channel, recipient, until: datetime) -> None:
    """Hand the row back as pending, not to be claimed before `until`."""
    Recipient = recipient_model(channel)
    with Session(deps.engine) as session:
        session.execute(
            update(Recipient)
            .where(col(Recipient.id) == recipient.id, col(Recipient.status) == RecipientStatus.CLAIMED)
            .values(
                status=RecipientStatus.PENDING,
                batch_id=None,
                chunk=None,
                lease_expires_at=None,
                not_before=until,
                updated_at=deps.now(),
                last_error=f"{QUIET_HOURS_NOTE}{until.isoformat()}",
            )
        )
        session.commit()


# --- giving up -----------------------------------------------------------------------------------


def note_error(deps: SendDeps, channel: Channel, batch_id: str, message: str) -> None:
    """Show a retryable error on the batch's rows; it is the last error if they are given up on."""
    Recipient = recipient_model(channel)
    with Session(deps.engine) as session:
        session.execute(
            update(Recipient)
            .where(
                col(Recipient.batch_id) == batch_id,
                unselective(deps.engine, col(Recipient.status) == RecipientStatus.CLAIMED),
            )
            .values(last_error=message[:2000])
        )
        session.commit()


def give_up_on_exhausted(deps: SendDeps, channel: Channel, campaign_id: int, rows: list[tuple]) -> list[tuple]:
    """Fail rows claimed `send_max_attempts` times without an outcome (each crash, expired lease
    or exhausted retry claims a row again), so no batch is retried for ever; keep the others."""
    limit = deps.settings.send_max_attempts
    exhausted = [
        (r, f"{GAVE_UP} {r.attempts} attempts; last error: {r.last_error or 'none recorded'}")
        for r, _ in rows
        if r.attempts > limit
    ]
    if not exhausted:
        return rows
    write_results(deps, channel, campaign_id, [], exhausted)
    gone = {r.id for r, _ in exhausted}
    return [(r, c) for r, c in rows if r.id not in gone]


def budget_exceeded(settings: Settings, failed: int, processed: int, recipients: int) -> str | None:
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
