"""Keep a provider's segments (Resend Segments) in step with ours.

Our segments are the truth; the remote one is a copy made for use inside the provider (Resend
broadcasts, its dashboard). A sync works out what changed with set-based SQL against
`resend_segment_members` (what we last put remotely, contact by contact), so it costs one provider
call per change, never a listing of the remote segment:

- the remote segment is created once (or an orphan of an interrupted create, found by its name,
  is adopted) and its id stored; a rename follows the local name;
- members whose contact left the segment, was deleted or changed address are removed remotely;
- contacts that joined are added; a changed name or sendability is updated. Contacts we would not
  email (unsubscribed, bounced, complained or suppressed) are mirrored as `unsubscribed`, so a
  broadcast from the provider cannot reach them either.

Every change is recorded as soon as the provider took it, so a sync that stops half way (crash,
error, its budget of calls) continues where it stopped, and a second sync with nothing changed
makes no call at all. One worker syncs a segment at a time (a lease on the segment row). Calls go
through the rate limiter shared with sending and retry 429/5xx/timeouts with backoff (retry-after
first); after `MAX_ATTEMPTS` the error goes up so the task queue retries later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, delete, exists, insert, not_, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from campaign_dashboard.models import Contact, EmailStatus, Segment, Suppression, utcnow
from campaign_dashboard.models.segments import ResendSegmentDeletion, ResendSegmentMember
from campaign_dashboard.providers.audience import AudienceProvider, Gone, Refused, RemoteContact
from campaign_dashboard.providers.base import FatalError, RetryableError
from campaign_dashboard.ratelimit import RateLimiter
from campaign_dashboard.services.audience.segment_rules import contact_ids_select

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # server errors on one call before the sync gives up for now (the task retries)
MAX_THROTTLED = 30  # rate-limit answers on one call before it gives up
PAGE = 200  # changes read per query
T = TypeVar("T")


@dataclass
class MirrorDeps:
    """What a sync needs from the outside world; the worker and tests build their own."""

    engine: Engine
    provider: AudienceProvider
    limiter: RateLimiter
    bucket: str  # the rate-limit bucket of the provider account (shared with sending)
    rate: float  # provider requests per second; 0 = unlimited
    interval: timedelta = timedelta(minutes=5)  # re-check a synced segment this often
    lease: timedelta = timedelta(seconds=60)
    backoff: float = 0.5  # seconds before the first retry of a server error, doubling each time
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = utcnow


@dataclass
class SyncResult:
    claimed: bool = True  # False: another worker holds the segment, or it no longer exists
    done: bool = False  # everything is in step (False: stopped at the call budget, run again)
    created: bool = False
    renamed: bool = False
    added: int = 0
    updated: int = 0
    removed: int = 0
    refused: list[str] = field(default_factory=list)  # addresses the provider would not take
    error: str | None = None  # a fatal error (bad credentials): nothing was mirrored

    @property
    def changes(self) -> int:
        return int(self.created) + int(self.renamed) + self.added + self.updated + self.removed


# --- hooks for the segments service (same transaction as the change) ---------------------------


def request_sync(segment: Segment, *, now: datetime | None = None) -> None:
    """The segment changed: sync it at the next chance."""
    segment.resend_sync_due_at = now or utcnow()


def record_deletion(session: Session, segment: Segment) -> None:
    """The segment is being deleted: remember its remote copy so the worker deletes it too."""
    if segment.resend_segment_id and session.get(ResendSegmentDeletion, segment.resend_segment_id) is None:
        session.add(ResendSegmentDeletion(remote_id=segment.resend_segment_id))
    session.execute(delete(ResendSegmentMember).where(ResendSegmentMember.segment_id == segment.id))


# --- what the scheduler asks --------------------------------------------------------------------


def take_due_segments(*, session: Session, now: datetime, hold: timedelta) -> list[int]:
    """Segments to sync now (changed, never synced, or last checked an interval ago, and not held
    by a worker), each moved `hold` into the future in the same statement so the next tick does
    not queue it again while its task waits in the queue; if that task is lost, it is due again
    after `hold`. Commits."""
    query = (
        update(Segment)
        .where(
            or_(Segment.resend_sync_due_at.is_(None), Segment.resend_sync_due_at <= now),
            or_(Segment.resend_sync_claimed_until.is_(None), Segment.resend_sync_claimed_until < now),
        )
        .values(resend_sync_due_at=now + hold)
        .returning(Segment.id)
    )
    taken = sorted(session.scalars(query).all())
    session.commit()
    return taken


def take_due_deletions(*, session: Session, now: datetime, hold: timedelta) -> list[str]:
    """Remote segments to delete now, each held back `hold` as `take_due_segments` does. Commits."""
    query = (
        update(ResendSegmentDeletion)
        .where(ResendSegmentDeletion.due_at <= now)
        .values(due_at=now + hold)
        .returning(ResendSegmentDeletion.remote_id)
    )
    taken = sorted(session.scalars(query).all())
    session.commit()
    return taken


def pending_deletions(*, session: Session) -> list[str]:
    """Remote segments still to delete (whether due now or not)."""
    query = select(ResendSegmentDeletion.remote_id).order_by(ResendSegmentDeletion.requested_at)
    return list(session.scalars(query).all())


# --- the sync -----------------------------------------------------------------------------------


def sync_segment(*, deps: MirrorDeps, segment_id: int, max_calls: int = 1000) -> SyncResult:
    """Bring the remote copy of the segment in step, making at most about `max_calls` changes."""
    lease = _Lease.claim(deps, segment_id)
    if lease is None:
        return SyncResult(claimed=False)
    result = SyncResult()
    try:
        with Session(deps.engine, expire_on_commit=False) as session:
            segment = session.get(Segment, segment_id)
            if segment is None:
                return SyncResult(claimed=False)
            due_seen = segment.resend_sync_due_at
        remote_id = _ensure_remote_segment(deps, lease, segment, result)
        budget = _Budget(max_calls)
        for step in (_remove_leavers, _update_changed, _add_joiners):
            step(deps, lease, segment, remote_id, result, budget)
            if budget.spent:
                return result
        result.done = True
        _finish(deps, segment_id, due_seen, error=None)
        return result
    except FatalError as exc:
        result.error = exc.message
        _finish(deps, segment_id, None, error=exc.message)
        log.error("segment %s not mirrored: %s", segment_id, exc.message)
        return result
    except Gone:
        # Someone deleted the remote segment: start over with a new one at the next sync.
        _forget_remote(deps, segment_id)
        raise RetryableError(f"the Resend segment of segment {segment_id} was deleted remotely") from None
    finally:
        lease.release()


def delete_remote(*, deps: MirrorDeps, remote_id: str) -> bool:
    """Delete a deleted segment's remote copy; True when done (or nothing was left to do)."""
    with Session(deps.engine) as session:
        if session.get(ResendSegmentDeletion, remote_id) is None:
            return True
    try:
        _provider_call(deps, None, lambda: deps.provider.delete_segment(remote_id))
    except FatalError as exc:  # try again in one interval, not at every tick
        with Session(deps.engine) as session:
            session.execute(
                update(ResendSegmentDeletion)
                .where(ResendSegmentDeletion.remote_id == remote_id)
                .values(last_error=exc.message[:500], due_at=deps.now() + deps.interval)
            )
            session.commit()
        return False
    with Session(deps.engine) as session:
        session.execute(delete(ResendSegmentDeletion).where(ResendSegmentDeletion.remote_id == remote_id))
        session.commit()
    return True


# --- steps --------------------------------------------------------------------------------------


class _Budget:
    def __init__(self, calls: int) -> None:
        self.left = calls

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0

    @property
    def spent(self) -> bool:
        return self.left <= 0


def _ensure_remote_segment(deps: MirrorDeps, lease: _Lease, segment: Segment, result: SyncResult) -> str:
    remote_id = segment.resend_segment_id
    if remote_id is None:
        remote_id = _adoptable(deps, lease, segment.name) or _provider_call(
            deps, lease, lambda: deps.provider.create_segment(segment.name)
        )
        result.created = True
    elif segment.resend_segment_name != segment.name:
        _provider_call(deps, lease, lambda: deps.provider.rename_segment(remote_id, segment.name))
        result.renamed = True
    if result.created or result.renamed:
        with Session(deps.engine) as session:
            session.execute(
                update(Segment)
                .where(Segment.id == segment.id)
                .values(resend_segment_id=remote_id, resend_segment_name=segment.name)
            )
            session.commit()
    return remote_id


def _adoptable(deps: MirrorDeps, lease: _Lease, name: str) -> str | None:
    """A remote segment with this name that no segment of ours owns: the orphan of a create whose
    id we never stored (a crash right after the call). Adopting it keeps creation at once."""
    candidates = _provider_call(deps, lease, lambda: deps.provider.find_segment(name))
    if not candidates:
        return None
    with Session(deps.engine) as session:
        owned = set(
            session.scalars(select(Segment.resend_segment_id).where(Segment.resend_segment_id.in_(candidates))).all()
        )
        owned |= set(
            session.scalars(
                select(ResendSegmentDeletion.remote_id).where(ResendSegmentDeletion.remote_id.in_(candidates))
            ).all()
        )
    return next((c for c in candidates if c not in owned), None)


def _remove_leavers(deps, lease, segment, remote_id, result, budget):
    """Members whose contact is out of the segment, gone, or now has another address."""
    members = contact_ids_select(segment=segment).subquery()
    still_there = (
        select(Contact.id)
        .join(members, members.c.id == Contact.id)
        .where(Contact.id == ResendSegmentMember.contact_id, Contact.email == ResendSegmentMember.email)
    )
    query = (
        select(ResendSegmentMember.contact_id, ResendSegmentMember.email, ResendSegmentMember.error)
        .where(ResendSegmentMember.segment_id == segment.id, not_(exists(still_there)))
        .order_by(ResendSegmentMember.contact_id)
        .limit(PAGE)
    )
    while rows := _read(deps, query):
        for contact_id, email, refused in rows:
            if not refused:  # never taken remotely: nothing to remove there
                if not budget.take():
                    return
                _provider_call(deps, lease, lambda: deps.provider.remove_contact(remote_id, email))
                result.removed += 1
            with Session(deps.engine) as session:
                session.execute(
                    delete(ResendSegmentMember).where(
                        ResendSegmentMember.segment_id == segment.id, ResendSegmentMember.contact_id == contact_id
                    )
                )
                session.commit()


def _update_changed(deps, lease, segment, remote_id, result, budget):
    """Members still in the segment whose name or sendability changed since we mirrored them."""
    members = contact_ids_select(segment=segment).subquery()
    query = (
        select(Contact.id, Contact.email, Contact.first_name, Contact.last_name, _not_sendable())
        .join(members, members.c.id == Contact.id)
        .join(
            ResendSegmentMember,
            and_(ResendSegmentMember.segment_id == segment.id, ResendSegmentMember.contact_id == Contact.id),
        )
        .where(
            Contact.email == ResendSegmentMember.email,
            or_(
                ResendSegmentMember.first_name != Contact.first_name,
                ResendSegmentMember.last_name != Contact.last_name,
                ResendSegmentMember.unsubscribed != _not_sendable(),
            ),
        )
        .order_by(Contact.id)
        .limit(PAGE)
    )
    _put_all(deps, lease, segment, remote_id, query, result, budget, add=False)


def _add_joiners(deps, lease, segment, remote_id, result, budget):
    """Contacts with an address in the segment that are not mirrored yet."""
    members = contact_ids_select(segment=segment).subquery()
    mirrored = select(ResendSegmentMember.contact_id).where(
        ResendSegmentMember.segment_id == segment.id, ResendSegmentMember.contact_id == Contact.id
    )
    query = (
        select(Contact.id, Contact.email, Contact.first_name, Contact.last_name, _not_sendable())
        .join(members, members.c.id == Contact.id)
        .where(Contact.email.is_not(None), Contact.email != "", not_(exists(mirrored)))
        .order_by(Contact.id)
        .limit(PAGE)
    )
    _put_all(deps, lease, segment, remote_id, query, result, budget, add=True)


def _put_all(deps, lease, segment, remote_id, query, result, budget, *, add: bool):
    while rows := _read(deps, query):
        for contact_id, email, first_name, last_name, unsubscribed in rows:
            if not budget.take():
                return
            contact = RemoteContact(
                email=email, first_name=first_name or "", last_name=last_name or "", unsubscribed=bool(unsubscribed)
            )
            error = None
            try:
                _provider_call(deps, lease, lambda: deps.provider.put_contact(remote_id, contact, add=add))
            except Refused as exc:
                error = exc.message[:500]
                result.refused.append(email)
            else:
                if add:
                    result.added += 1
                else:
                    result.updated += 1
            _record_member(deps, segment.id, contact_id, contact, error)


def _not_sendable():
    """True for contacts we would not email: not subscribed, or the address is suppressed."""
    suppressed = exists().where(Suppression.channel == "email", Suppression.address == Contact.email)
    return or_(Contact.email_status != EmailStatus.SUBSCRIBED.value, suppressed)


def _record_member(
    deps: MirrorDeps, segment_id: int, contact_id: int, contact: RemoteContact, error: str | None
) -> None:
    values: dict[str, Any] = {
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "unsubscribed": contact.unsubscribed,
        "error": error,
        "synced_at": deps.now(),
    }
    with Session(deps.engine) as session:
        changed = session.execute(
            update(ResendSegmentMember)
            .where(
                ResendSegmentMember.segment_id == segment_id,
                ResendSegmentMember.contact_id == contact_id,
            )
            .values(**values)
        ).rowcount
        if not changed:
            session.execute(insert(ResendSegmentMember).values(segment_id=segment_id, contact_id=contact_id, **values))
        session.commit()


def _read(deps: MirrorDeps, query) -> list:
    with Session(deps.engine) as session:
        return list(session.execute(query).all())


# --- provider calls -----------------------------------------------------------------------------


def _provider_call(deps: MirrorDeps, lease: _Lease | None, call: Callable[[], T]) -> T:
    """Wait for the shared rate limit, then call; retry retryable errors with backoff. A 429 that
    says when to come back (retry-after) is waited out without using up the error attempts.
    Waiting is not being dead: the segment's lease is kept alive meanwhile."""
    failures = throttled = 0
    while True:
        while (wait := deps.limiter.acquire(deps.bucket, rate=deps.rate, burst=1, start_empty=True)) > 0:
            _pause(deps, lease, min(wait, 1.0))
        if lease:
            lease.renew()
        try:
            return call()
        except RetryableError as exc:
            if exc.retry_after is not None:
                throttled += 1
                delay = exc.retry_after
            else:
                failures += 1
                delay = min(30.0, deps.backoff * 2 ** (failures - 1))
            if failures >= MAX_ATTEMPTS or throttled >= MAX_THROTTLED:
                raise
            log.info("segment mirror: %s, retry in %.1fs", exc.message, delay)
            _pause(deps, lease, delay)


def _pause(deps: MirrorDeps, lease: _Lease | None, seconds: float) -> None:
    step = deps.lease.total_seconds() / 4
    while seconds > 0:
        if lease:
            lease.renew()
        deps.sleep(min(seconds, step))
        seconds -= step


# --- lease and bookkeeping ----------------------------------------------------------------------


class _Lease:
    """One worker's hold on a segment for one sync: compare-and-set on the segment row, with the
    lease's end time as the token, so an expired lease taken over by another worker is not
    renewed or released by us."""

    def __init__(self, deps: MirrorDeps, segment_id: int, until: datetime) -> None:
        self.deps, self.segment_id, self.until = deps, segment_id, until

    @classmethod
    def claim(cls, deps: MirrorDeps, segment_id: int) -> _Lease | None:
        now = deps.now()
        until = now + deps.lease
        free = or_(Segment.resend_sync_claimed_until.is_(None), Segment.resend_sync_claimed_until < now)
        with Session(deps.engine) as session:
            taken = session.execute(
                update(Segment).where(Segment.id == segment_id, free).values(resend_sync_claimed_until=until)
            ).rowcount
            session.commit()
        return cls(deps, segment_id, until) if taken else None

    def renew(self) -> None:
        """Extend the lease once half of it is used up."""
        now = self.deps.now()
        if self.until - now > self.deps.lease / 2:
            return
        self._set(now + self.deps.lease)

    def release(self) -> None:
        self._set(None)

    def _set(self, until: datetime | None) -> None:
        with Session(self.deps.engine) as session:
            session.execute(
                update(Segment)
                .where(
                    Segment.id == self.segment_id,
                    Segment.resend_sync_claimed_until == self.until,
                )
                .values(resend_sync_claimed_until=until)
            )
            session.commit()
        self.until = until


def _finish(deps: MirrorDeps, segment_id: int, due_seen: datetime | None, *, error: str | None) -> None:
    """Next check in one interval. After a success, only if the segment did not change during the
    sync (its due time did not move): a change keeps it due, so it is picked up at once."""
    now = deps.now()
    values: dict[str, Any] = {"resend_sync_error": error[:500] if error else None}
    if error is None:
        values["resend_synced_at"] = now
    due = Segment.resend_sync_due_at
    unchanged = due.is_(None) if due_seen is None else due == due_seen
    with Session(deps.engine) as session:
        session.execute(update(Segment).where(Segment.id == segment_id).values(**values))
        query = update(Segment).where(Segment.id == segment_id)
        if error is None:
            query = query.where(unchanged)
        session.execute(query.values(resend_sync_due_at=now + deps.interval))
        session.commit()


def _forget_remote(deps: MirrorDeps, segment_id: int) -> None:
    with Session(deps.engine) as session:
        session.execute(
            update(Segment)
            .where(Segment.id == segment_id)
            .values(resend_segment_id=None, resend_segment_name=None, resend_sync_due_at=deps.now())
        )
        session.execute(delete(ResendSegmentMember).where(ResendSegmentMember.segment_id == segment_id))
        session.commit()
