"""The campaign pages' actions checked on the server: a viewer who sends the events by hand (the
buttons are hidden from them) changes nothing, while a marketer's same events do. The state
handlers run as Reflex runs them, against the test database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from campaign_dashboard.models import EmailCampaign, Role
from campaign_dashboard.services.accounts import users
from campaign_dashboard.ui import auth
from campaign_dashboard.ui.campaign_form import CampaignFormState
from campaign_dashboard.ui.pages.campaigns import CampaignsState
from tests.factories import make_contact, make_email_campaign, make_segment
from tests.helpers import states


def signed_in(session, state_class, role: Role):
    """A fresh state of `state_class` signed in as a new user with `role` (the browser also sends
    an unrelated cookie first)."""
    return states.signed_in(session, state_class, role, other_cookies="theme=dark")[0]


def session_token(state) -> str:
    return auth.session_token(state.router.headers.cookie)


REFUSED = "This needs the marketer role; you are viewer."


def toast_text(event) -> str:
    return str(event)


@pytest.fixture
def draft(session):
    segment = make_segment(session, rules=[{"field": "tag", "op": "is", "value": "vip"}])
    make_contact(session, tags=["vip"])
    return make_email_campaign(session, name="Viewer target", segment_id=segment.id)


def status_of(session, campaign_id: int) -> str:
    session.expire_all()
    return session.exec(select(EmailCampaign.status).where(EmailCampaign.id == campaign_id)).one()


def test_a_viewer_calling_the_row_actions_by_hand_is_refused(session, draft):
    state = signed_in(session, CampaignsState, Role.VIEWER)
    state.channel = "email"
    for action in ("start", "duplicate", "delete", "archive"):
        refused = CampaignsState.act.fn(state, draft.id, action, draft.name)
        assert REFUSED in toast_text(refused)
    state.confirm_action, state.confirm_id = "delete", draft.id
    assert REFUSED in toast_text(CampaignsState.confirm.fn(state))
    assert REFUSED in toast_text(asyncio.run(CampaignsState.ask_start.fn(state, draft.id, draft.name)))
    state._send_id, state.send.can_send = draft.id, True
    assert REFUSED in toast_text(CampaignsState.confirm_start.fn(state))
    assert status_of(session, draft.id) == "draft"
    assert len(session.exec(select(EmailCampaign)).all()) == 1


def test_a_viewer_cannot_open_save_or_test_send_through_the_dialog(session, draft):
    state = signed_in(session, CampaignFormState, Role.VIEWER)
    assert REFUSED in toast_text(asyncio.run(CampaignFormState.open_create.fn(state, "email")))
    assert not state.is_open
    state.channel, state.name, state.segment_id = "email", "Sneaky", str(draft.segment_id)
    state.subject, state.from_email, state.test_to = "Hi", "news@example.com", "me@example.com"
    assert REFUSED in toast_text(CampaignFormState.save.fn(state))
    assert REFUSED in toast_text(asyncio.run(CampaignFormState.send_test.fn(state)))
    assert [c.name for c in session.exec(select(EmailCampaign)).all()] == ["Viewer target"]


def test_a_marketer_starts_the_same_campaign(session, draft):
    state = signed_in(session, CampaignsState, Role.MARKETER)
    CampaignsState.load.fn(state, "email")
    asked = CampaignsState.act.fn(state, draft.id, "start", draft.name)
    assert "ask_start" in toast_text(asked)  # start asks first
    asyncio.run(CampaignsState.ask_start.fn(state, draft.id, draft.name))
    assert state.send.question == "Send “Viewer target” to 1 recipient now?" and state.send.can_send
    assert status_of(session, draft.id) == "draft"  # asking started nothing
    session.rollback()  # hands the test's SQLite connection back to the app
    done = CampaignsState.confirm_start.fn(state)
    assert "started" in toast_text(done)
    assert status_of(session, draft.id) == "sending"
    assert [row.status for row in state.rows] == ["sending"] and state.counts["sending"] == 1


def test_paging_forward_and_back_keeps_filters_and_counts(session):
    for i in range(45):
        make_email_campaign(session, name=f"Campaign {i:02d}", status="sent" if i % 3 == 0 else "draft")
    state = signed_in(session, CampaignsState, Role.VIEWER)
    CampaignsState.load.fn(state, "email")
    assert (state.counts["sent"], state.counts["draft"], state.total) == (15, 30, 45)

    pages = [[row.name for row in state.rows]]
    while state.next_cursor:
        CampaignsState.next_page.fn(state)
        pages.append([row.name for row in state.rows])
    assert [len(p) for p in pages] == [20, 20, 5]
    assert sum(pages, []) == [f"Campaign {i:02d}" for i in reversed(range(45))]
    CampaignsState.previous_page.fn(state)
    CampaignsState.previous_page.fn(state)
    assert [row.name for row in state.rows] == pages[0] and state.previous == []

    CampaignsState.set_order.fn(state, "oldest")
    CampaignsState.show_status.fn(state, "sent")
    assert [row.name for row in state.rows] == [f"Campaign {i:02d}" for i in range(0, 45, 3)]
    assert state.next_cursor == ""
    assert {tuple(row.actions) for row in state.rows} == {("duplicate", "archive")}
    CampaignsState.set_search.fn(state, "campaign 4")
    assert [row.name for row in state.rows] == ["Campaign 42"] and state.counts["draft"] == 4
    CampaignsState.show_status.fn(state, "draft")
    assert state.rows[0].actions == ["start", "schedule", "edit", "duplicate", "archive", "delete"]


def test_after_logging_out_paging_or_searching_the_list_reads_nothing_more(session, draft):
    state = signed_in(session, CampaignsState, Role.VIEWER)
    CampaignsState.load.fn(state, "email")
    assert [row.name for row in state.rows] == ["Viewer target"]
    users.logout(session=session, token=session_token(state))  # e.g. from another tab
    make_email_campaign(session, name="Secret plan", segment_id=draft.segment_id)
    CampaignsState.set_search.fn(state, "")
    CampaignsState.show_status.fn(state, "draft")
    assert "Secret plan" not in [row.name for row in state.rows]
    assert state.user_email == "" and state.role == ""
