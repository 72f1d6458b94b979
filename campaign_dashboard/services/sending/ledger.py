"""The recipient ledger: who claimed which rows, until when, and handing them back.

The recipients table is the ledger. A batch is claimed with one UPDATE (status `claimed`, a batch
id, a chunk number and a lease); the worker keeps the lease alive while it sends, and a batch whose
lease ran out (its worker died) is taken over by recovery. Every claim, renewal and release lives
here so that the rules deciding who may send a row are in one place.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Row, func, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from campaign_dashboard.models import CampaignStatus, Channel, Contact, RecipientStatus
from campaign_dashboard.services.channels import campaign_model, recipient_model
from campaign_dashboard.services.sending import ab_split

if TYPE_CHECKING:
    from campaign_dashboard.services.sending.batches import SendDeps

CHUNK = 100  # Resend's batch endpoint takes at most 100 emails per call


class LeaseLost(Exception):
    """Our lease ran out and crash recovery may have handed the batch to another worker."""


def claim_batch(*, deps: SendDeps, channel: Channel, campaign_id: int) -> str | None:
    """Claim up to `send_batch_size` pending rows of a sending campaign; returns the batch id."""
    Campaign, Recipient = campaign_model(channel), recipient_model(channel)
    s = deps.settings
    with Session(deps.engine) as session:
        status = session.scalar(select(col(Campaign.status)).where(col(Campaign.id) == campaign_id))
        if status != CampaignStatus.SENDING:
            return None
        now = deps.now()
        query = (
            select(col(Recipient.id))
            .where(
                col(Recipient.campaign_id) == campaign_id,
                col(Recipient.status) == RecipientStatus.PENDING,
                col(Recipient.not_before).is_(None) | (col(Recipient.not_before) <= now),
            )
            .order_by(col(Recipient.id))
            .limit(s.send_batch_size)
        )
        if ab_split.holds_remainder(session, channel, campaign_id):  # an A/B test's winner is not known yet
            query = query.where(ab_split.claimable(channel))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
            key = (str(deps.engine.url), str(channel), campaign_id)
            ids = _ids_above_last_claim(session, query, key, Recipient, limit=s.send_batch_size)
        else:
            ids = list(session.scalars(query))
        if not ids:
            return None
        batch_id = uuid.uuid4().hex
        for number, start in enumerate(range(0, len(ids), CHUNK)):
            session.execute(
                update(Recipient)
                .where(
                    col(Recipient.id).in_(ids[start : start + CHUNK]),
                    unselective(deps.engine, col(Recipient.status) == RecipientStatus.PENDING),
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


# Where this process's last claim of each campaign ended: the next one starts above it. Only a hint
# (losing one costs a single full look), so a campaign with nothing left is forgotten and a
# long-lived worker keeps at most the `_CLAIM_HINTS` campaigns it claimed most recently.
_claimed_up_to: dict[tuple[str, str, int], int] = {}
_CLAIM_HINTS = 1000


def _ids_above_last_claim(
    session: Session,
    query: Any,
    key: tuple[str, str, int],
    Recipient: Any,  # noqa: N803
    *,
    limit: int,
) -> list[int]:
    """The claim's ids on PostgreSQL, looked for above this process's last claim first.

    PostgreSQL plans the claim (`... ORDER BY id LIMIT n`) as a walk of the primary key that
    filters out the rows already sent, which sit at the start of the walk: each claim cost what the
    campaign had sent so far (410 ms per claim after 338,500 rows, docs/benchmarks.md). Starting
    above the last claim makes each claim cost its own rows. When less than a full batch is left
    above it, the full look is taken instead, so rows below it that are pending again (a released
    batch, a paused campaign, an A/B test's remainder, a row whose send time came) are claimed in
    id order as before."""
    after = _claimed_up_to.get(key)
    ids = list(session.scalars(query.where(col(Recipient.id) > after))) if after is not None else []
    if len(ids) < limit:
        ids = list(session.scalars(query))
    if ids:
        _remember_claim(key, max(max(ids), _claimed_up_to.get(key, 0)))
    else:
        _claimed_up_to.pop(key, None)  # nothing left to claim: the campaign is done or waiting
    return ids


def _remember_claim(key: tuple[str, str, int], up_to: int) -> None:
    """Keep `key` as the newest hint and drop the oldest beyond `_CLAIM_HINTS`. Copying the keys
    and `pop(..., None)` stay safe when worker threads claim at the same time."""
    _claimed_up_to.pop(key, None)  # re-inserted last: the dict's order is the order of use
    _claimed_up_to[key] = up_to
    excess = len(_claimed_up_to) - _CLAIM_HINTS
    if excess > 0:
        for old in list(_claimed_up_to)[:excess]:
            _claimed_up_to.pop(old, None)


def recover_expired_claims(*, deps: SendDeps, channel: Channel) -> list[tuple[int, str]]:
    """Take over batches whose worker died (lease expired). Returns (campaign id, batch id) pairs
    to process again; batches of campaigns no longer sending are released instead."""
    Campaign, Recipient = campaign_model(channel), recipient_model(channel)
    now = deps.now()
    with Session(deps.engine) as session:
        # claimed rows always carry their batch id
        expired: Sequence[Row[int, str, str]] = session.execute(
            select(col(Recipient.campaign_id), col(Recipient.batch_id), col(Campaign.status))
            .join(Campaign, col(Campaign.id) == col(Recipient.campaign_id))
            .where(col(Recipient.status) == RecipientStatus.CLAIMED, col(Recipient.lease_expires_at) < now)
            .distinct()
        ).all()
    resumed = []
    for campaign_id, batch_id, status in expired:
        with Session(deps.engine) as session:
            taken = session.exec(
                update(Recipient)
                .where(
                    col(Recipient.batch_id) == batch_id,
                    unselective(deps.engine, col(Recipient.status) == RecipientStatus.CLAIMED),
                    col(Recipient.lease_expires_at) < now,
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
            release(deps=deps, channel=channel, campaign_id=campaign_id, batch_id=batch_id, status=status)
    return resumed


def unselective(engine: Engine | Connection, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """`condition` (a status test next to an id or batch id) marked as true for most rows it is
    tested on. SQLite's planner has no statistics and otherwise walks the `status` index, i.e.
    every pending row of the campaign, for an `id IN (...) AND status = 'pending'`: that made
    each claim O(recipients) (seconds per batch at a million). `likely()` only steers the plan."""
    return func.likely(condition) if engine.dialect.name == "sqlite" else condition


def claimed_rows(session: Session, channel: Channel, batch_id: str) -> list[tuple[Row[Any], Row[Any] | None]]:
    """(recipient, contact or None) pairs of the batch's claimed rows, in chunk order, as plain
    rows with the fields sending reads (`contact.first_name`...), not ORM objects: building 1,000
    objects per batch cost more than rendering, and the (SQLite) write lock is held meanwhile."""
    Recipient = recipient_model(channel)
    recipients = session.execute(
        select(
            col(Recipient.id),
            col(Recipient.contact_id),
            col(Recipient.address),
            col(Recipient.chunk),
            col(Recipient.batch_id),
            col(Recipient.claimed_at),
            col(Recipient.attempts),
            col(Recipient.last_error),
            col(Recipient.ab_group),
        )
        .where(
            col(Recipient.batch_id) == batch_id,
            unselective(session.get_bind(), col(Recipient.status) == RecipientStatus.CLAIMED),
        )
        .order_by(col(Recipient.chunk), col(Recipient.id))
    ).all()
    contact_ids = list({r.contact_id for r in recipients if r.contact_id is not None})
    contacts: dict[int, Row[Any]] = {}
    for start in range(0, len(contact_ids), 1000):
        contacts.update(
            (c.id, c)
            for c in session.execute(
                select(
                    col(Contact.id),
                    col(Contact.email),
                    col(Contact.phone),
                    col(Contact.first_name),
                    col(Contact.last_name),
                    col(Contact.timezone),
                    col(Contact.attributes),
                ).where(col(Contact.id).in_(contact_ids[start : start + 1000]))
            )
        )
    return [(r, contacts.get(r.contact_id)) for r in recipients]


def release(*, deps: SendDeps, channel: Channel, campaign_id: int, batch_id: str, status: str | None) -> None:
    """Hand back rows of a batch we will not send: to `pending` (pause, failure, no status at all)
    so a resume continues exactly there, or `cancelled` (cancel), counted as processed."""
    Campaign, Recipient = campaign_model(channel), recipient_model(channel)
    now = deps.now()
    cancelled = status == CampaignStatus.CANCELLED
    with Session(deps.engine) as session:
        changed = session.exec(
            update(Recipient)
            .where(
                col(Recipient.batch_id) == batch_id,
                unselective(deps.engine, col(Recipient.status) == RecipientStatus.CLAIMED),
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
                .where(col(Campaign.id) == campaign_id)
                .values(processed=Campaign.processed + changed, last_activity_at=now)
            )
        session.commit()


def heartbeat(deps: SendDeps, channel: Channel, batch_id: str) -> None:
    """Extend the batch's lease; raise LeaseLost if it already expired while rows are still
    claimed, since another worker may now be sending them."""
    with Session(deps.engine) as session:
        _extend_lease(session, deps, channel, batch_id)
        session.commit()


def checkpoint(deps: SendDeps, channel: Channel, campaign_id: int, batch_id: str, lease: Pulse) -> str | None:
    """Between chunks, in one transaction: the campaign's status (a pause or cancel written by
    any process takes effect here) and, while it is still sending and `lease` is due, a fresh
    lease. Renewing only every lease/3 s keeps the lease as safe (it cannot run out between two
    checkpoints) without rewriting every claimed row between every two chunks."""
    Campaign = campaign_model(channel)
    renew, started = lease.due(), time.monotonic()
    with Session(deps.engine) as session:
        status = session.scalar(select(col(Campaign.status)).where(col(Campaign.id) == campaign_id))
        if status == CampaignStatus.SENDING and renew:
            _extend_lease(session, deps, channel, batch_id)
        session.commit()
    if status == CampaignStatus.SENDING and renew:
        lease.last = started
    return status


def _extend_lease(session: Session, deps: SendDeps, channel: Channel, batch_id: str) -> None:
    Recipient = recipient_model(channel)
    now = deps.now()
    extended = session.exec(
        update(Recipient)
        .where(
            col(Recipient.batch_id) == batch_id,
            unselective(deps.engine, col(Recipient.status) == RecipientStatus.CLAIMED),
            col(Recipient.lease_expires_at) >= now,
        )
        .values(lease_expires_at=now + timedelta(seconds=deps.settings.send_lease_seconds))
    ).rowcount
    if not extended and session.scalar(
        select(col(Recipient.id))
        .where(
            col(Recipient.batch_id) == batch_id,
            unselective(deps.engine, col(Recipient.status) == RecipientStatus.CLAIMED),
        )
        .limit(1)
    ):
        raise LeaseLost(batch_id)


class Pulse:
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
            heartbeat(self.deps, self.channel, self.batch_id)
            self.last = started


def cancel_pending(
    session: Session,
    channel: Channel | str,
    campaign_id: int,
    now: datetime,
    *where: ColumnElement[bool],
    reason: str | None = None,
) -> int:
    """Cancel the campaign's pending recipients (those `where` selects), with `reason` when given,
    counted as processed (nothing will be sent to them), in the caller's transaction; how many.
    Only rows no worker holds: a worker marks its own claimed rows at its next chunk."""
    Model, Recipient = campaign_model(channel), recipient_model(channel)
    values: dict[str, Any] = {"status": RecipientStatus.CANCELLED.value, "lease_expires_at": None, "updated_at": now}
    if reason is not None:
        values["last_error"] = reason
    result = session.exec(
        update(Recipient)
        .where(col(Recipient.campaign_id) == campaign_id, col(Recipient.status) == RecipientStatus.PENDING, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    cancelled = result.rowcount
    if cancelled:
        session.exec(
            update(Model)
            .where(col(Model.id) == campaign_id)
            .values(processed=col(Model.processed) + cancelled)
            .execution_options(synchronize_session=False)
        )
    return cancelled
