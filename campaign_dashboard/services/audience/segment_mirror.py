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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, insert, not_, or_, select, update
from sqlmodel import Session, col

from campaign_dashboard.models import Contact, EmailStatus, Segment, Suppression, utcnow
from campaign_dashboard.models.segments import ResendSegmentDeletion, ResendSegmentMember
from campaign_dashboard.providers.audience import Gone, Refused, RemoteContact
from campaign_dashboard.providers.base import FatalError, RetryableError
from campaign_dashboard.services.audience.segment_mirror_calls import Budget, Lease, MirrorDeps, provider_call
from campaign_dashboard.services.audience.segment_rules import contact_ids_select

log = logging.getLogger(__name__)

PAGE = 200  # changes read per query
_Lease = Lease  # the name tests use to hold a segment as another worker would


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
    session.execute(delete(ResendSegmentMember).where(col(ResendSegmentMember.segment_id) == segment.id))


# --- what the scheduler asks --------------------------------------------------------------------


def take_due_segments(*, session: Session, now: datetime, hold: timedelta) -> list[int]:
    """Segments to sync now (changed, never synced, or last checked an interval ago, and not held
    by a worker), each moved `hold` into the future in the same statement so the next tick does
    not queue it again while its task waits in the queue; if that task is lost, it is due again
    after `hold`. Commits."""
    query = (
        update(Segment)
        .where(
            or_(col(Segment.resend_sync_due_at).is_(None), col(Segment.resend_sync_due_at) <= now),
            or_(col(Segment.resend_sync_claimed_until).is_(None), col(Segment.resend_sync_claimed_until) < now),
        )
        .values(resend_sync_due_at=now + hold)
        .returning(col(Segment.id))
    )
    taken = sorted(id_ for id_ in session.scalars(query).all() if id_ is not None)  # ids are never NULL
    session.commit()
    return taken


def take_due_deletions(*, session: Session, now: datetime, hold: timedelta) -> list[str]:
    """Remote segments to delete now, each held back `hold` as `take_due_segments` does. Commits."""
    query = (
        update(ResendSegmentDeletion)
        .where(col(ResendSegmentDeletion.due_at) <= now)
        .values(due_at=now + hold)
        .returning(col(ResendSegmentDeletion.remote_id))
    )
    taken = sorted(session.scalars(query).all())
    session.commit()
    return taken


def pending_deletions(*, session: Session) -> list[str]:
    """Remote segments still to delete (whether due now or not)."""
    query = select(col(ResendSegmentDeletion.remote_id)).order_by(col(ResendSegmentDeletion.requested_at))
    return list(session.scalars(query).all())


# --- the sync -----------------------------------------------------------------------------------


def sync_segment(*, deps: MirrorDeps, segment_id: int, max_calls: int = 1000) -> SyncResult:
    """Bring the remote copy of the segment in step, making at most about `max_calls` changes."""
    lease = Lease.claim(deps, segment_id)
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
        budget = Budget(max_calls)
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
        provider_call(deps, None, lambda: deps.provider.delete_segment(remote_id))
    except FatalError as exc:  # try again in one interval, not at every tick
        with Session(deps.engine) as session:
            session.execute(
                update(ResendSegmentDeletion)
                .where(col(ResendSegmentDeletion.remote_id) == remote_id)
                .values(last_error=exc.message[:500], due_at=deps.now() + deps.interval)
            )
            session.commit()
        return False
    with Session(deps.engine) as session:
        session.execute(delete(ResendSegmentDeletion).where(col(ResendSegmentDeletion.remote_id) == remote_id))
        session.commit()
    return True


# --- steps --------------------------------------------------------------------------------------


def _ensure_remote_segment(deps: MirrorDeps, lease: Lease, segment: Segment, result: SyncResult) -> str:
    remote_id = segment.resend_segment_id
    if remote_id is None:
        remote_id = _adoptable(deps, lease, segment.name) or provider_call(
            deps, lease, lambda: deps.provider.create_segment(segment.name)
        )
        result.created = True
    elif segment.resend_segment_name != segment.name:
        provider_call(deps, lease, lambda: deps.provider.rename_segment(remote_id, segment.name))
        result.renamed = True
    if result.created or result.renamed:
        with Session(deps.engine) as session:
            session.execute(
                update(Segment)
                .where(col(Segment.id) == segment.id)
                .values(resend_segment_id=remote_id, resend_segment_name=segment.name)
            )
            session.commit()
    return remote_id


def _adoptable(deps: MirrorDeps, lease: Lease, name: str) -> str | None:
    """A remote segment with this name that no segment of ours owns: the orphan of a create whose
    id we never stored (a crash right after the call). Adopting it keeps creation at once."""
    candidates = provider_call(deps, lease, lambda: deps.provider.find_segment(name))
    if not candidates:
        return None
    with Session(deps.engine) as session:
        owned = set(
            session.scalars(
                select(col(Segment.resend_segment_id)).where(col(Segment.resend_segment_id).in_(candidates))
            ).all()
        )
        owned |= set(
            session.scalars(
                select(col(ResendSegmentDeletion.remote_id)).where(col(ResendSegmentDeletion.remote_id).in_(candidates))
            ).all()
        )
    return next((c for c in candidates if c not in owned), None)


def _remove_leavers(
    deps: MirrorDeps, lease: Lease, segment: Segment, remote_id: str, result: SyncResult, budget: Budget
) -> None:
    """Members whose contact is out of the segment, gone, or now has another address."""
    members = contact_ids_select(segment=segment).subquery()
    still_there = (
        select(col(Contact.id))
        .join(members, members.c.id == Contact.id)
        .where(col(Contact.id) == ResendSegmentMember.contact_id, col(Contact.email) == ResendSegmentMember.email)
    )
    query = (
        select(col(ResendSegmentMember.contact_id), col(ResendSegmentMember.email), col(ResendSegmentMember.error))
        .where(col(ResendSegmentMember.segment_id) == segment.id, not_(exists(still_there)))
        .order_by(col(ResendSegmentMember.contact_id))
        .limit(PAGE)
    )
    while rows := _read(deps, query):
        for contact_id, email, refused in rows:
            if not refused:  # never taken remotely: nothing to remove there
                if not budget.take():
                    return
                provider_call(deps, lease, partial(deps.provider.remove_contact, remote_id, email))
                result.removed += 1
            with Session(deps.engine) as session:
                session.execute(
                    delete(ResendSegmentMember).where(
                        col(ResendSegmentMember.segment_id) == segment.id,
                        col(ResendSegmentMember.contact_id) == contact_id,
                    )
                )
                session.commit()


def _update_changed(
    deps: MirrorDeps, lease: Lease, segment: Segment, remote_id: str, result: SyncResult, budget: Budget
) -> None:
    """Members still in the segment whose name or sendability changed since we mirrored them."""
    members = contact_ids_select(segment=segment).subquery()
    query = (
        select(col(Contact.id), col(Contact.email), col(Contact.first_name), col(Contact.last_name), _not_sendable())
        .join(members, members.c.id == Contact.id)
        .join(
            ResendSegmentMember,
            and_(col(ResendSegmentMember.segment_id) == segment.id, col(ResendSegmentMember.contact_id) == Contact.id),
        )
        .where(
            col(Contact.email) == ResendSegmentMember.email,
            or_(
                col(ResendSegmentMember.first_name) != Contact.first_name,
                col(ResendSegmentMember.last_name) != Contact.last_name,
                col(ResendSegmentMember.unsubscribed) != _not_sendable(),
            ),
        )
        .order_by(col(Contact.id))
        .limit(PAGE)
    )
    _put_all(deps, lease, segment, remote_id, query, result, budget, add=False)


def _add_joiners(
    deps: MirrorDeps, lease: Lease, segment: Segment, remote_id: str, result: SyncResult, budget: Budget
) -> None:
    """Contacts with an address in the segment that are not mirrored yet."""
    members = contact_ids_select(segment=segment).subquery()
    mirrored = select(col(ResendSegmentMember.contact_id)).where(
        col(ResendSegmentMember.segment_id) == segment.id, col(ResendSegmentMember.contact_id) == Contact.id
    )
    query = (
        select(col(Contact.id), col(Contact.email), col(Contact.first_name), col(Contact.last_name), _not_sendable())
        .join(members, members.c.id == Contact.id)
        .where(col(Contact.email).is_not(None), col(Contact.email) != "", not_(exists(mirrored)))
        .order_by(col(Contact.id))
        .limit(PAGE)
    )
    _put_all(deps, lease, segment, remote_id, query, result, budget, add=True)


def _put_all(
    deps: MirrorDeps,
    lease: Lease,
    segment: Segment,
    remote_id: str,
    query: Select[*tuple[Any, ...]],
    result: SyncResult,
    budget: Budget,
    *,
    add: bool,
) -> None:
    assert segment.id is not None  # a stored segment
    while rows := _read(deps, query):
        for contact_id, email, first_name, last_name, unsubscribed in rows:
            if not budget.take():
                return
            contact = RemoteContact(
                email=email, first_name=first_name or "", last_name=last_name or "", unsubscribed=bool(unsubscribed)
            )
            error = None
            try:
                provider_call(deps, lease, partial(deps.provider.put_contact, remote_id, contact, add=add))
            except Refused as exc:
                error = exc.message[:500]
                result.refused.append(email)
            else:
                if add:
                    result.added += 1
                else:
                    result.updated += 1
            _record_member(deps, segment.id, contact_id, contact, error)


def _not_sendable() -> ColumnElement[bool]:
    """True for contacts we would not email: not subscribed, or the address is suppressed."""
    suppressed = exists().where(col(Suppression.channel) == "email", col(Suppression.address) == Contact.email)
    return or_(col(Contact.email_status) != EmailStatus.SUBSCRIBED.value, suppressed)


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
        changed = session.exec(
            update(ResendSegmentMember)
            .where(
                col(ResendSegmentMember.segment_id) == segment_id,
                col(ResendSegmentMember.contact_id) == contact_id,
            )
            .values(**values)
        ).rowcount
        if not changed:
            session.execute(insert(ResendSegmentMember).values(segment_id=segment_id, contact_id=contact_id, **values))
        session.commit()


def _read(deps: MirrorDeps, query: Select[*tuple[Any, ...]]) -> list[Any]:  # rows of the query
    with Session(deps.engine) as session:
        return list(session.execute(query).all())


# --- bookkeeping ---------------------------------------------------------------------------------


def _finish(deps: MirrorDeps, segment_id: int, due_seen: datetime | None, *, error: str | None) -> None:
    """Next check in one interval. After a success, only if the segment did not change during the
    sync (its due time did not move): a change keeps it due, so it is picked up at once."""
    now = deps.now()
    values: dict[str, Any] = {"resend_sync_error": error[:500] if error else None}
    if error is None:
        values["resend_synced_at"] = now
    due = col(Segment.resend_sync_due_at)
    unchanged = due.is_(None) if due_seen is None else due == due_seen
    with Session(deps.engine) as session:
        session.execute(update(Segment).where(col(Segment.id) == segment_id).values(**values))
        query = update(Segment).where(col(Segment.id) == segment_id)
        if error is None:
            query = query.where(unchanged)
        session.execute(query.values(resend_sync_due_at=now + deps.interval))
        session.commit()


def _forget_remote(deps: MirrorDeps, segment_id: int) -> None:
    with Session(deps.engine) as session:
        session.execute(
            update(Segment)
            .where(col(Segment.id) == segment_id)
            .values(resend_segment_id=None, resend_segment_name=None, resend_sync_due_at=deps.now())
        )
        session.execute(delete(ResendSegmentMember).where(col(ResendSegmentMember.segment_id) == segment_id))
        session.commit()
