"""The audit log service: entries keep who did what to which object, from where; the list filters
and pages newest first; an actor's entries stay readable after the user or token is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from campaign_dashboard.models import AuditEntry
from campaign_dashboard.services.accounts import audit, tokens, users
from campaign_dashboard.services.accounts.audit import AuditFilters, list_entries
from campaign_dashboard.services.errors import ValidationFailed


@pytest.fixture
def actors(session):
    admin = users.create_user(
        session=session, email="boss@example.com", name="Boss", password="long-enough-password", role="admin"
    )
    token, _ = tokens.create_token(session=session, name="ci-bot", role="marketer")
    return admin, token


def test_record_keeps_actor_action_object_time_and_address(session, actors):
    admin, token = actors
    before = datetime.now(UTC)
    entry = audit.record(
        session,
        actor_user_id=admin.id,
        action="email_campaign.start",
        object_type="email_campaign",
        object_id=12,
        client_address="203.0.113.7",
    )
    by_token = audit.record(
        session,
        actor_token_id=token.id,
        action="contacts.export",
        object_type="contacts",
        client_address=None,
        object_id=None,
        detail={"filters": {"tag": "vip"}},
    )
    session.commit()

    session.expire_all()
    stored = session.get(AuditEntry, entry.id)
    assert (
        stored.actor_user_id,
        stored.actor_label,
        stored.action,
        stored.object_type,
        stored.object_id,
        stored.client_address,
    ) == (admin.id, "boss@example.com", "email_campaign.start", "email_campaign", "12", "203.0.113.7")
    assert before <= stored.at <= datetime.now(UTC)
    token_entry = session.get(AuditEntry, by_token.id)
    assert token_entry.actor_label.startswith("token ci-bot (cdt_")
    assert token_entry.detail == {"filters": {"tag": "vip"}}


def test_the_record_is_part_of_the_callers_transaction(session, actors):
    admin, _ = actors
    audit.record(session, actor_user_id=admin.id, action="user.update", object_type="user", object_id=admin.id)
    session.rollback()
    assert list_entries(session).items == []


def test_entries_outlive_their_actor(session, actors):
    admin, token = actors
    audit.record(session, actor_user_id=admin.id, action="user.update", object_type="user", object_id=1)
    session.commit()
    session.delete(admin)
    session.commit()
    tokens.revoke_token(session=session, token_id=token.id)
    [entry] = list_entries(session).items
    assert (entry.actor_user_id, entry.actor_label) == (admin.id, "boss@example.com")


def test_list_filters_by_actor_action_object_and_dates_and_pages_newest_first(session, actors):
    admin, token = actors
    for i in range(5):
        audit.record(
            session, actor_user_id=admin.id, action="email_campaign.pause", object_type="email_campaign", object_id=i
        )
    audit.record(
        session, actor_token_id=token.id, action="email_campaign.cancel", object_type="email_campaign", object_id=3
    )
    audit.record(session, actor_token_id=token.id, action="contacts.export", object_type="contacts")
    session.commit()
    session.add(
        AuditEntry(
            at=datetime(2020, 1, 1, tzinfo=UTC),
            actor_user_id=admin.id,
            actor_label=admin.email,
            action="user.delete",
            object_type="user",
            object_id="9",
        )
    )
    session.commit()

    first = list_entries(session, limit=3)
    second = list_entries(session, limit=3, cursor=first.next_cursor)
    third = list_entries(session, limit=3, cursor=second.next_cursor)
    ids = [e.id for page in (first, second, third) for e in page.items]
    assert ids == sorted(ids, reverse=True) and len(ids) == 8 and third.next_cursor is None

    def actions(**filters) -> list[tuple[str, str | None]]:
        return [(e.action, e.object_id) for e in list_entries(session, filters=AuditFilters(**filters)).items]

    assert actions(actor="ci-bot") == [("contacts.export", None), ("email_campaign.cancel", "3")]
    assert actions(actor_token_id=token.id, action="contacts.export") == [("contacts.export", None)]
    assert actions(action="email_campaign") == [("email_campaign.cancel", "3")] + [
        ("email_campaign.pause", str(i)) for i in range(4, -1, -1)
    ]
    assert actions(action="email_camp") == []  # a prefix is a whole object type, not any text
    assert actions(object_type="email_campaign", object_id="3") == [
        ("email_campaign.cancel", "3"),
        ("email_campaign.pause", "3"),
    ]
    assert actions(until=datetime(2021, 1, 1, tzinfo=UTC)) == [("user.delete", "9")]
    assert len(actions(since=datetime.now(UTC) - timedelta(hours=1))) == 7
    assert actions(actor="100%_") == []  # LIKE wildcards in the filter are plain text


def test_a_backwards_date_range_is_refused(session):
    with pytest.raises(ValidationFailed) as exc:
        list_entries(
            session,
            filters=AuditFilters(since=datetime(2030, 1, 2, tzinfo=UTC), until=datetime(2030, 1, 1, tzinfo=UTC)),
        )
    assert exc.value.details[0]["field"] == "until"


def test_the_database_refuses_to_change_an_entry(session, actors):
    admin, _ = actors
    entry = audit.record(
        session, actor_user_id=admin.id, action="email_campaign.cancel", object_type="email_campaign", object_id=4
    )
    session.commit()

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.execute(sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(actor_label="someone else"))
        session.commit()
    session.rollback()
    session.expire_all()
    assert session.get(AuditEntry, entry.id).actor_label == "boss@example.com"


def test_the_service_offers_no_way_to_change_or_remove_an_entry():
    public = {name for name in vars(audit) if not name.startswith("_") and callable(getattr(audit, name))}
    assert not {n for n in public if any(w in n for w in ("update", "delete", "remove", "edit", "purge"))}
