"""Every role is told when campaigns wait and no worker runs, on every page load; the warning goes
away once a worker beats again. The state runs as Reflex runs it, against the test database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campaign_dashboard.models import CampaignStatus, Role, utcnow
from campaign_dashboard.services.operations import workers
from campaign_dashboard.ui.auth import AuthState
from tests.factories import make_email_campaign
from tests.helpers.states import signed_in


def page_state(session, role: Role) -> AuthState:
    return signed_in(session, AuthState, role)[0]


@pytest.mark.parametrize("role", list(Role))
def test_every_role_is_told_that_no_worker_runs_while_a_campaign_sends(session, role):
    make_email_campaign(session, status=CampaignStatus.SENDING.value)
    state = page_state(session, role)
    AuthState.check_login.fn(state)
    assert state.worker_warning.startswith("No worker is running: campaigns will not send (1 campaign")
    assert "campaign-dashboard worker" in state.worker_warning


def test_a_worker_that_stopped_is_named_with_the_time_it_was_last_seen(session):
    make_email_campaign(session, status=CampaignStatus.SCHEDULED.value)
    gone = utcnow() - timedelta(minutes=5)
    workers.beat(session, worker_id="w", hostname="h", pid=1, started_at=gone, now=gone)
    state = page_state(session, Role.VIEWER)
    AuthState.check_login.fn(state)
    assert f"stopped answering at {gone:%Y-%m-%d %H:%M} UTC" in state.worker_warning


def test_no_warning_with_a_live_worker_or_with_nothing_to_send(session):
    make_email_campaign(session, status=CampaignStatus.DRAFT.value)
    state = page_state(session, Role.MARKETER)
    AuthState.check_login.fn(state)
    assert state.worker_warning == ""  # nothing waits for a worker
    make_email_campaign(session, status=CampaignStatus.SENDING.value)
    AuthState.check_login.fn(state)
    assert state.worker_warning != ""
    now = utcnow()
    workers.beat(session, worker_id="w", hostname="h", pid=1, started_at=now, now=now)
    AuthState.check_login.fn(state)
    assert state.worker_warning == ""
