"""Our segments mirrored to Resend Segments: through the real SDK to a real emulator process, on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import resend
from resend.exceptions import ResendError
from sqlmodel import Session

from campaign_dashboard.models import Segment
from campaign_dashboard.providers.base import RetryableError
from campaign_dashboard.providers.resend_audience import ResendAudienceProvider
from campaign_dashboard.services.audience import contacts, segment_mirror, segments, subscriptions
from campaign_dashboard.services.audience.contacts import ContactCreate, ContactUpdate
from campaign_dashboard.services.audience.segment_mirror import sync_segment
from campaign_dashboard.services.audience.segments import SegmentCreate, SegmentUpdate
from tests.factories import make_contact
from tests.helpers.consent import MARKETER
from tests.helpers.processes import configure_emulator, emulator_stats

from .conftest import remote_members

VIP = [{"field": "tag", "op": "is", "value": "vip"}]


def _contact(session, email, first_name="", tags=(), **fields):
    data = ContactCreate(email=email, first_name=first_name, tags=list(tags), **fields)
    return contacts.create_contact(session=session, data=data, source=MARKETER)


def _sync(mirror, segment_id):
    result = sync_segment(deps=mirror, segment_id=segment_id)
    assert result.done and result.error is None, result
    return result


def _pending(session) -> list[str]:
    pending = segment_mirror.pending_deletions(session=session)
    session.commit()
    return pending


def _remote_id(session, segment_id) -> str:
    """Read in a transaction of its own: on SQLite an open one would hold the write lock."""
    session.expire_all()
    remote_id = session.get(Segment, segment_id).resend_segment_id
    session.commit()
    return remote_id


def test_a_rules_segment_is_mirrored_with_unsendable_contacts_marked_unsubscribed(mirror, session):
    _contact(session, "ann@example.com", "Ann", ["vip"], last_name="Lee")
    bob = _contact(session, "bob@example.com", "Bob", ["vip"])
    _contact(session, "cat@example.com", "Cat", ["regular"])
    _contact(session, None, "Dan", ["vip"], phone="+14155550100")  # no address: nothing to mirror
    subscriptions.unsubscribe(source=MARKETER, session=session, contact_id=bob.id, channel="email")
    segment = segments.create_segment(session=session, data=SegmentCreate(name="VIP customers", rules=VIP))

    result = _sync(mirror, segment.id)

    assert result.created and result.added == 2
    remote_id = _remote_id(session, segment.id)
    assert resend.Segments.get(remote_id)["name"] == "VIP customers"
    members = remote_members(remote_id)
    assert set(members) == {"ann@example.com", "bob@example.com"}
    assert (members["ann@example.com"]["first_name"], members["ann@example.com"]["last_name"]) == ("Ann", "Lee")
    assert members["ann@example.com"]["unsubscribed"] is False
    assert members["bob@example.com"]["unsubscribed"] is True
    stored = session.get(Segment, segment.id)
    assert stored.resend_synced_at is not None and stored.resend_sync_error is None
    assert stored.resend_sync_due_at > stored.resend_synced_at  # next check in one interval


def test_a_static_segment_is_mirrored_and_follows_its_member_list(mirror, session):
    ann, bob, cat = (_contact(session, f"{n}@example.com", n.title()) for n in ("ann", "bob", "cat"))
    segment = segments.create_segment(
        session=session, data=SegmentCreate(name="Hand picked", kind="static", contact_ids=[ann.id, bob.id])
    )
    _sync(mirror, segment.id)
    remote_id = _remote_id(session, segment.id)
    assert set(remote_members(remote_id)) == {"ann@example.com", "bob@example.com"}

    segments.update_segment(
        session=session,
        segment_id=segment.id,
        data=SegmentUpdate(name="Hand picked (May)", contact_ids=[bob.id, cat.id]),
    )
    result = _sync(mirror, segment.id)

    assert (result.renamed, result.added, result.removed) == (True, 1, 1)
    assert set(remote_members(remote_id)) == {"bob@example.com", "cat@example.com"}
    assert resend.Segments.get(remote_id)["name"] == "Hand picked (May)"
    # Ann left the segment, not the account: her Resend contact stays, in no segment of ours.
    assert resend.Contacts.get(email="ann@example.com")["email"] == "ann@example.com"


def test_contacts_that_leave_a_rules_segment_are_removed_remotely(mirror, session):
    ann = _contact(session, "ann@example.com", "Ann", ["vip"])
    bob = _contact(session, "bob@example.com", "Bob", ["vip"])
    cat = _contact(session, "cat@example.com", "Cat", ["vip"])
    dan = _contact(session, "dan@example.com", "Dan", ["regular"])
    segment = segments.create_segment(session=session, data=SegmentCreate(name="VIP", rules=VIP))
    _sync(mirror, segment.id)
    remote_id = _remote_id(session, segment.id)

    contacts.update_contact(session=session, contact_id=ann.id, data=ContactUpdate(tags=["regular"]))
    contacts.update_contact(session=session, contact_id=bob.id, data=ContactUpdate(email="robert@example.com"))
    contacts.delete_contact(session=session, contact_id=cat.id)
    contacts.update_contact(session=session, contact_id=dan.id, data=ContactUpdate(tags=["vip"], first_name="Daniel"))
    result = _sync(mirror, segment.id)

    assert (result.removed, result.added) == (3, 2)
    members = remote_members(remote_id)
    assert set(members) == {"robert@example.com", "dan@example.com"}
    assert members["dan@example.com"]["first_name"] == "Daniel"


def test_a_contact_who_unsubscribes_later_is_marked_unsubscribed_remotely(mirror, session):
    ann = _contact(session, "ann@example.com", "Ann", ["vip"])
    segment = segments.create_segment(session=session, data=SegmentCreate(name="VIP", rules=VIP))
    _sync(mirror, segment.id)

    subscriptions.unsubscribe(source=MARKETER, session=session, contact_id=ann.id, channel="email")
    result = _sync(mirror, segment.id)

    assert (result.updated, result.added, result.removed) == (1, 0, 0)
    assert remote_members(_remote_id(session, segment.id))["ann@example.com"]["unsubscribed"] is True


def test_a_second_sync_with_nothing_changed_makes_no_provider_call(mirror, emulator, session):
    for n in range(5):
        _contact(session, f"vip{n}@example.com", f"Vip{n}", ["vip"])
    segment = segments.create_segment(session=session, data=SegmentCreate(name="VIP", rules=VIP))
    _sync(mirror, segment.id)
    remote_id = _remote_id(session, segment.id)
    before = remote_members(remote_id)

    # Every provider request now fails: a sync that called the provider at all could not finish.
    configure_emulator(emulator, error_rate=1.0)
    mirror.sleep = lambda seconds: None
    result = _sync(mirror, segment.id)

    assert result.changes == 0 and not result.refused
    assert emulator_stats(emulator)["errors"] == 0
    configure_emulator(emulator, error_rate=0.0)
    assert remote_members(remote_id) == before


def test_server_errors_from_resend_are_retried(mirror, emulator, session):
    for n in range(8):
        _contact(session, f"vip{n}@example.com", f"Vip{n}", ["vip"])
    segment = segments.create_segment(session=session, data=SegmentCreate(name="VIP", rules=VIP))
    configure_emulator(emulator, error_rate=0.25, seed=1)
    mirror.backoff = 0.05  # the same retries, sooner

    _sync(mirror, segment.id)

    configure_emulator(emulator, error_rate=0.0)
    assert emulator_stats(emulator)["errors"] > 0
    assert set(remote_members(_remote_id(session, segment.id))) == {f"vip{n}@example.com" for n in range(8)}


def test_rate_limited_calls_wait_for_retry_after_and_go_on(mirror, emulator, session):
    for n in range(8):
        _contact(session, f"vip{n}@example.com", f"Vip{n}", ["vip"])
    segment = segments.create_segment(session=session, data=SegmentCreate(name="VIP", rules=VIP))
    configure_emulator(emulator, resend_rps=5)  # and we do not limit ourselves (rate 0)

    _sync(mirror, segment.id)

    configure_emulator(emulator, resend_rps=0)
    assert emulator_stats(emulator)["throttled"] > 0
    assert set(remote_members(_remote_id(session, segment.id))) == {f"vip{n}@example.com" for n in range(8)}


def test_a_sync_that_keeps_failing_gives_up_and_the_next_one_finishes_the_job(mirror, emulator, session):
    for n in range(3):
        _contact(session, f"vip{n}@example.com", f"Vip{n}", ["vip"])
    segment = segments.create_segment(session=session, data=SegmentCreate(name="VIP", rules=VIP))
    configure_emulator(emulator, error_rate=1.0)
    mirror.sleep = lambda seconds: None

    with pytest.raises(RetryableError):
        sync_segment(deps=mirror, segment_id=segment.id)

    configure_emulator(emulator, error_rate=0.0)
    result = _sync(mirror, segment.id)  # the lease was released: the retry can take the segment
    assert result.added == 3
    assert len(remote_members(_remote_id(session, segment.id))) == 3


def test_a_deleted_segment_is_deleted_remotely(mirror, engine, session):
    _contact(session, "ann@example.com", "Ann", ["vip"])
    segment = segments.create_segment(session=session, data=SegmentCreate(name="VIP", rules=VIP))
    _sync(mirror, segment.id)
    remote_id = _remote_id(session, segment.id)

    segments.delete_segment(session=session, segment_id=segment.id)
    assert _pending(session) == [remote_id]
    with Session(engine) as tick:  # queued once, not again at the next tick while it waits
        assert segment_mirror.take_due_deletions(session=tick, now=mirror.now(), hold=mirror.lease) == [remote_id]
        assert segment_mirror.take_due_deletions(session=tick, now=mirror.now(), hold=mirror.lease) == []
    assert segment_mirror.delete_remote(deps=mirror, remote_id=remote_id) is True

    with pytest.raises(ResendError) as gone:
        resend.Segments.get(remote_id)
    assert str(gone.value.code) == "404"
    assert _pending(session) == []
    assert segment_mirror.delete_remote(deps=mirror, remote_id=remote_id) is True  # twice: no harm


def test_a_remote_segment_deleted_in_resend_is_created_again(mirror, session):
    _contact(session, "ann@example.com", "Ann", ["vip"])
    segment = segments.create_segment(session=session, data=SegmentCreate(name="VIP", rules=VIP))
    _sync(mirror, segment.id)
    first = _remote_id(session, segment.id)
    resend.Segments.remove(first)
    _contact(session, "bob@example.com", "Bob", ["vip"])

    with pytest.raises(RetryableError):
        sync_segment(deps=mirror, segment_id=segment.id)
    result = _sync(mirror, segment.id)

    second = _remote_id(session, segment.id)
    assert result.created and second != first
    assert set(remote_members(second)) == {"ann@example.com", "bob@example.com"}


def test_an_interrupted_create_adopts_the_orphan_instead_of_making_a_second_segment(mirror, session):
    _contact(session, "ann@example.com", "Ann", ["vip"])
    segment = segments.create_segment(session=session, data=SegmentCreate(name="VIP", rules=VIP))
    orphan = resend.Segments.create({"name": "VIP"})["id"]  # created, but the id never got stored

    _sync(mirror, segment.id)

    assert _remote_id(session, segment.id) == orphan
    assert [s["id"] for s in resend.Segments.list()["data"] if s["name"] == "VIP"] == [orphan]


def test_only_one_worker_syncs_a_segment_at_a_time(mirror, engine, session):
    _contact(session, "ann@example.com", "Ann", ["vip"])
    segment = segments.create_segment(session=session, data=SegmentCreate(name="VIP", rules=VIP))
    lease = segment_mirror._Lease.claim(mirror, segment.id)  # another worker is at it

    assert sync_segment(deps=mirror, segment_id=segment.id).claimed is False
    with Session(engine) as other:
        assert segment_mirror.take_due_segments(session=other, now=mirror.now(), hold=mirror.lease) == []
    lease.release()
    with Session(engine) as other:
        assert segment_mirror.take_due_segments(session=other, now=mirror.now(), hold=mirror.lease) == [segment.id]
        # taken by this tick: the next one does not queue it again while its task waits
        assert segment_mirror.take_due_segments(session=other, now=mirror.now(), hold=mirror.lease) == []


def test_an_address_resend_refuses_is_recorded_and_tried_again_only_once_it_changes(mirror, emulator, session):
    _contact(session, "ann@example.com", "Ann", ["vip"])
    odd = make_contact(session, email="not-an-address", tags=["vip"])  # came in before validation
    segment = segments.create_segment(session=session, data=SegmentCreate(name="VIP", rules=VIP))

    first = _sync(mirror, segment.id)

    assert (first.added, first.refused) == (1, ["not-an-address"])
    remote_id = _remote_id(session, segment.id)
    assert set(remote_members(remote_id)) == {"ann@example.com"}
    configure_emulator(emulator, error_rate=1.0)  # a call now would fail the sync
    mirror.sleep = lambda seconds: None
    assert _sync(mirror, segment.id).changes == 0
    configure_emulator(emulator, error_rate=0.0)

    contacts.update_contact(session=session, contact_id=odd.id, data=ContactUpdate(email="odd@example.com"))
    third = _sync(mirror, segment.id)

    assert (third.added, third.removed, third.refused) == (1, 0, [])
    assert set(remote_members(remote_id)) == {"ann@example.com", "odd@example.com"}


def test_rejected_credentials_stop_the_sync_with_a_readable_reason(mirror, emulator, session):
    _contact(session, "ann@example.com", "Ann", ["vip"])
    segment = segments.create_segment(session=session, data=SegmentCreate(name="VIP", rules=VIP))
    mirror.provider = ResendAudienceProvider(api_key="re_not_our_key", api_url=emulator)

    result = sync_segment(deps=mirror, segment_id=segment.id)

    assert not result.done and "API key" in result.error
    session.expire_all()
    stored = session.get(Segment, segment.id)
    assert stored.resend_segment_id is None and "API key" in stored.resend_sync_error
    assert stored.resend_sync_due_at > mirror.now()  # tried again in an interval, not at every tick
    session.commit()
