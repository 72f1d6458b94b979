"""The guard's one place that knows every write: `_on_write` hears who ran which write handler
with which arguments (passwords masked), and only once the caller was allowed to. The state
handlers run as Reflex runs them, against the test database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from campaign_dashboard.models import EmailTemplate, Role, User
from campaign_dashboard.services.campaigns import templates
from campaign_dashboard.ui import guard
from campaign_dashboard.ui.pages.templates import TemplatesState
from campaign_dashboard.ui.settings_users import UsersState
from tests.helpers.states import signed_in


@pytest.fixture
def writes(monkeypatch) -> list[dict]:
    heard: list[dict] = []
    monkeypatch.setattr(guard, "_on_write", lambda **call: heard.append(call))
    return heard


@pytest.fixture
def template(session) -> EmailTemplate:
    return templates.create_template(session=session, data={"name": "Welcome", "subject": "Hi", "html": "<p>Hi</p>"})


def test_a_marketers_delete_is_heard_once_with_who_what_and_which(session, template, writes):
    state, marketer = signed_in(session, TemplatesState, Role.MARKETER)
    TemplatesState.delete.fn(state, template.id)
    assert [(w["user"].id, w["handler"], w["args"]) for w in writes] == [
        (marketer.id, "TemplatesState.delete", {"template_id": template.id})
    ]
    session.expire_all()
    assert session.exec(select(EmailTemplate)).all() == []


def test_a_refused_write_is_not_heard_and_changes_nothing(session, template, writes):
    state, _ = signed_in(session, TemplatesState, Role.VIEWER)
    refused = TemplatesState.delete.fn(state, template.id)
    assert "This needs the marketer role" in str(refused)
    assert writes == []
    session.expire_all()
    assert [t.name for t in session.exec(select(EmailTemplate)).all()] == ["Welcome"]


def test_passwords_never_reach_the_hook(session, writes):
    state, admin = signed_in(session, UsersState, Role.ADMIN)
    UsersState.create.fn(
        state, {"email": "new@hook.example", "name": "New", "password": "a-secret-password", "role": "viewer"}
    )
    assert writes[0]["args"] == {
        "form": {"email": "new@hook.example", "name": "New", "password": "***", "role": "viewer"}
    }
    assert "a-secret-password" not in repr(writes)
    assert session.exec(select(User).where(User.email == "new@hook.example")).one().role == "viewer"


def test_a_dashboard_write_lands_in_the_audit_log_with_actor_object_and_address(session, template):
    from campaign_dashboard.services.accounts import audit

    template_id = template.id
    state, marketer = signed_in(session, TemplatesState, Role.MARKETER)
    TemplatesState.delete.fn(state, template_id)
    session.expire_all()
    (entry,) = audit.list_entries(session, filters=audit.AuditFilters(), limit=10).items
    assert (entry.actor_user_id, entry.action, entry.object_type, entry.object_id) == (
        marketer.id,
        "dashboard.TemplatesState.delete",
        "template",
        str(template_id),
    )
    assert entry.actor_label and entry.detail == {"args": {"template_id": template_id}}


def test_a_refused_dashboard_write_leaves_no_audit_entry(session, template):
    from campaign_dashboard.services.accounts import audit

    state, _ = signed_in(session, TemplatesState, Role.VIEWER)
    TemplatesState.delete.fn(state, template.id)
    session.expire_all()
    assert audit.list_entries(session, filters=audit.AuditFilters(), limit=10).items == []
