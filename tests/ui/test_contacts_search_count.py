"""The contacts page says "More than N matching contacts" when a search's count stopped at its
limit, and an exact number otherwise. The state handlers run as Reflex runs them, against the
test database (SQLite and PostgreSQL)."""

from __future__ import annotations

from campaign_dashboard.models import Role
from campaign_dashboard.services.audience import contact_search
from campaign_dashboard.ui.pages.contacts import PAGE_SIZE, ContactsState
from tests.factories import make_contact
from tests.helpers.states import signed_in


def test_a_search_past_the_count_limit_says_more_than_and_filters_stay_exact(session, monkeypatch):
    for n in range(PAGE_SIZE + 10):
        make_contact(session, email=f"many{n}@example.com", first_name="Many", email_status="unsubscribed")
    monkeypatch.setattr(contact_search, "SEARCH_COUNT_LIMIT", PAGE_SIZE + 5)
    state, _ = signed_in(session, ContactsState, Role.VIEWER)

    ContactsState.set_search.fn(state, "many")  # more than a page: counted, and the count stops
    assert (state.total, state.count_stopped, len(state.rows)) == (PAGE_SIZE + 6, True, PAGE_SIZE)

    ContactsState.set_search.fn(state, "many5")  # many5, many50...: one page, all of it counted
    assert (state.total, state.count_stopped) == (len(state.rows), False)
    assert [r.email for r in state.rows][:2] == ["many5@example.com", "many50@example.com"]

    ContactsState.set_search.fn(state, "")
    ContactsState.set_filter.fn(state, "email_status", "unsubscribed")
    assert (state.total, state.count_stopped) == (PAGE_SIZE + 10, False)
