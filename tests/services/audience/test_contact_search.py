"""Finding contacts by search, status per channel and tag; counts that match the list."""

from __future__ import annotations

import pytest

from campaign_dashboard.services.audience.contact_search import (
    ContactFilter,
    all_tags,
    count_contacts,
    find_contacts,
    ids_for_emails,
)
from campaign_dashboard.services.errors import ValidationFailed
from tests.factories import make_contact


@pytest.fixture
def people(session):
    return {
        "ada": make_contact(
            session, email="ada@example.com", first_name="Ada", last_name="Lovelace", phone="+14155552671", tags=["vip"]
        ),
        "bob": make_contact(
            session, email="bob@example.com", first_name="Bob", email_status="unsubscribed", tags=["vip", "beta"]
        ),
        "cy": make_contact(session, email="cy@example.com", first_name="Cy", sms_status="opted_out"),
    }


def emails(session, **filters) -> list[str]:
    page = find_contacts(session=session, filters=ContactFilter(**filters))
    assert count_contacts(session=session, filters=ContactFilter(**filters)) == len(page.items)
    return [c.email for c in page.items]


def test_filters_combine_with_search(session, people):
    assert emails(session) == ["ada@example.com", "bob@example.com", "cy@example.com"]
    assert emails(session, search="ada love") == ["ada@example.com"]
    assert emails(session, search="(415) 555-2671") == ["ada@example.com"]
    assert emails(session, email_status="unsubscribed") == ["bob@example.com"]
    assert emails(session, sms_status="opted_out") == ["cy@example.com"]
    assert emails(session, tag="vip") == ["ada@example.com", "bob@example.com"]
    assert emails(session, tag="vip", email_status="subscribed") == ["ada@example.com"]
    assert emails(session, tag="nobody-has-it") == []


def test_pages_follow_the_filter_without_repeats(session, people):
    make_contact(session, email="dee@example.com", tags=["vip"])
    first = find_contacts(session=session, filters=ContactFilter(tag="vip"), limit=2)
    second = find_contacts(session=session, filters=ContactFilter(tag="vip"), cursor=first.next_cursor, limit=2)
    assert [c.email for c in first.items] == ["ada@example.com", "bob@example.com"]
    assert first.tags[people["bob"].id] == ["beta", "vip"]
    assert [c.email for c in second.items] == ["dee@example.com"]
    assert second.next_cursor is None


def test_an_unknown_status_is_refused(session, people):
    with pytest.raises(ValidationFailed, match="Unknown email_status 'gone'"):
        find_contacts(session=session, filters=ContactFilter(email_status="gone"))


def test_tags_in_use_are_listed_once(session, people):
    assert all_tags(session=session) == ["beta", "vip"]


def test_pasted_emails_resolve_to_contacts_and_the_rest_are_reported(session, people):
    ids, unknown = ids_for_emails(
        session=session,
        emails=["BOB@example.com", " ada@example.com", "", "bob@example.com", "who@example.com", "not-an-email"],
    )
    assert ids == [people["bob"].id, people["ada"].id]
    assert unknown == ["not-an-email", "who@example.com"]
