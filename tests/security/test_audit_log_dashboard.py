"""The dashboard's side of the audit log, with the state handlers run as Reflex runs them against
the test database: exports and imports are recorded with the signed-in user as actor, and only
admins can read the log page."""

from __future__ import annotations

import asyncio

import pytest
import reflex as rx
from sqlmodel import func, select

from campaign_dashboard.models import AuditEntry, Contact, Role
from campaign_dashboard.services.accounts import audit, users
from campaign_dashboard.services.audience.consent import ConsentSource
from campaign_dashboard.services.audience.csv_import import CsvLimits
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.ui.contact_import import _run_import, _spool_upload
from campaign_dashboard.ui.pages.audit_log import AuditLogState
from campaign_dashboard.ui.pages.contacts import ContactsState
from tests.factories import make_contact
from tests.helpers.states import signed_in


def entries(session) -> list[AuditEntry]:
    session.expire_all()
    return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)).all())


def test_a_dashboard_export_is_recorded_with_the_user_and_filters(session):
    make_contact(session, email="vip@example.com", tags=["vip"])
    session.commit()
    state, viewer = signed_in(session, ContactsState, Role.VIEWER)
    state.tag = "vip"

    download = ContactsState.export_csv.fn(state)

    assert "_download" in str(download) and "contacts.csv" in str(download)
    [entry] = entries(session)
    assert (entry.action, entry.object_type, entry.actor_user_id, entry.actor_label) == (
        "contacts.export",
        "contacts",
        viewer.id,
        "viewer@states.example",
    )
    assert entry.detail["filters"]["tag"] == "vip"


def chunk(data: bytes, *, offset: int) -> rx.UploadChunk:
    """A piece of an upload as Reflex hands it to the handler."""
    return rx.UploadChunk(filename="contacts.csv", offset=offset, content_type="text/csv", data=data)


def test_a_dashboard_import_is_recorded_with_the_user_and_counts(session):
    user = users.create_user(
        session=session, email="m@audit.example", name="M", password="long-enough-password", role=Role.MARKETER
    )

    async def chunks():
        yield chunk(b"email\nada@example.com\n", offset=0)
        yield chunk(b"broken\n", offset=22)

    limits = CsvLimits()
    upload, file_name = asyncio.run(_spool_upload(chunks(), limits))
    assert file_name == "contacts.csv"
    source = ConsentSource.dashboard_user(user, client_address="198.51.100.4").importing(file_name)
    result = _run_import(
        upload, lambda done, total: None, user_id=user.id, client="198.51.100.4", limits=limits, source=source
    )

    assert (result.imported, result.rejected) == (1, 1)
    [entry] = entries(session)
    assert (entry.action, entry.actor_user_id, entry.client_address, entry.detail) == (
        "contacts.import",
        user.id,
        "198.51.100.4",
        {"imported": 1, "updated": 0, "rejected": 1, "kept_unsubscribed": 0},
    )


def test_a_dashboard_upload_over_the_limit_is_refused_as_it_streams(session):
    read = 0

    async def chunks():
        nonlocal read
        for _ in range(100):
            read += 1
            yield chunk(b"a@example.com\n" * 1000, offset=(read - 1) * 14_000)  # 14 kB each

    with pytest.raises(ValidationFailed, match="larger than 50,000 bytes"):
        asyncio.run(_spool_upload(chunks(), CsvLimits(max_bytes=50_000)))
    assert read == 4
    assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_the_audit_log_page_lists_and_filters_for_an_admin(session):
    for i in range(3):
        audit.record(session, action="email_campaign.pause", object_type="email_campaign", object_id=i)
    audit.record(session, action="contacts.export", object_type="contacts")
    session.commit()
    state, _ = signed_in(session, AuditLogState, Role.ADMIN)

    assert AuditLogState.load.fn(state) is None
    assert state.access == "admin"
    assert [r.action for r in state.rows] == ["contacts.export"] + ["email_campaign.pause"] * 3
    assert state.actions == ["contacts.export", "email_campaign.pause"]

    AuditLogState.set_filter.fn(state, "object_id", "1")
    assert [(r.action, r.object) for r in state.rows] == [("email_campaign.pause", "email_campaign 1")]
    AuditLogState.clear_filters.fn(state)
    AuditLogState.set_filter.fn(state, "action", "contacts.export")
    assert [r.action for r in state.rows] == ["contacts.export"]
    AuditLogState.set_filter.fn(state, "since", "2999-01-01")
    assert state.rows == []
    AuditLogState.set_filter.fn(state, "since", "")
    AuditLogState.set_filter.fn(state, "until", "2000-01-01")
    assert state.rows == []


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MARKETER])
def test_the_audit_log_page_refuses_everyone_but_admins(session, role):
    audit.record(session, action="user.update", object_type="user", object_id=1)
    session.commit()
    state, _ = signed_in(session, AuditLogState, role)

    refused = AuditLogState.load.fn(state)

    assert "admin" in str(refused)
    assert (state.access, state.rows) == ("refused", [])
    AuditLogState.set_filter.fn(state, "actor", "")
    AuditLogState.next_page.fn(state)
    assert state.rows == []
