"""Admins manage the other accounts' roles and access; the dashboard never ends up without an admin."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import Role, User, UserSession
from campaign_dashboard.services.accounts import users
from campaign_dashboard.services.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)

PASSWORD = "correct horse battery"


def make(session, name: str, role: Role) -> User:
    return users.create_user(
        session=session, email=f"{name}@example.com", name=name.title(), password=PASSWORD, role=role
    )


def test_users_are_listed_active_first_then_by_email(session):
    admin = make(session, "ann", Role.ADMIN)
    make(session, "zed", Role.VIEWER)
    bob = make(session, "bob", Role.MARKETER)
    users.set_active(session=session, actor_id=admin.id, user_id=bob.id, active=False)
    assert [u.email for u in users.list_users(session=session)] == [
        "ann@example.com",
        "zed@example.com",
        "bob@example.com",
    ]


def test_an_admin_changes_another_users_role(session):
    admin, bob = make(session, "ann", Role.ADMIN), make(session, "bob", Role.VIEWER)
    users.change_role(session=session, actor_id=admin.id, user_id=bob.id, role="marketer")
    session.expire_all()
    assert session.get(User, bob.id).role == "marketer"


def test_an_unknown_role_or_user_is_refused_and_changes_nothing(session):
    admin, bob = make(session, "ann", Role.ADMIN), make(session, "bob", Role.VIEWER)
    with pytest.raises(ValidationFailed) as info:
        users.change_role(session=session, actor_id=admin.id, user_id=bob.id, role="owner")
    assert info.value.details == [{"field": "role", "message": "unknown role"}]
    with pytest.raises(NotFound):
        users.change_role(session=session, actor_id=admin.id, user_id=bob.id + 1000, role="viewer")
    session.expire_all()
    assert session.get(User, bob.id).role == "viewer"


@pytest.mark.parametrize("role", [Role.MARKETER, Role.VIEWER])
def test_only_an_admin_manages_users(session, role):
    someone, bob = make(session, "sam", role), make(session, "bob", Role.VIEWER)
    with pytest.raises(PermissionDenied):
        users.change_role(session=session, actor_id=someone.id, user_id=bob.id, role="admin")
    with pytest.raises(PermissionDenied):
        users.set_active(session=session, actor_id=someone.id, user_id=bob.id, active=False)
    session.expire_all()
    assert (session.get(User, bob.id).role, session.get(User, bob.id).is_active) == ("viewer", True)


def test_a_deactivated_admin_manages_nobody(session):
    ann, bea, bob = (
        make(session, "ann", Role.ADMIN),
        make(session, "bea", Role.ADMIN),
        make(session, "bob", Role.VIEWER),
    )
    users.set_active(session=session, actor_id=ann.id, user_id=bea.id, active=False)
    with pytest.raises(PermissionDenied):
        users.change_role(session=session, actor_id=bea.id, user_id=bob.id, role="marketer")


@pytest.mark.parametrize("action", ["demote", "deactivate"])
def test_the_last_admin_cannot_demote_or_deactivate_themselves(session, action):
    admin = make(session, "ann", Role.ADMIN)
    with pytest.raises(Conflict, match="You are the last active admin"):
        if action == "demote":
            users.change_role(session=session, actor_id=admin.id, user_id=admin.id, role="marketer")
        else:
            users.set_active(session=session, actor_id=admin.id, user_id=admin.id, active=False)
    session.expire_all()
    assert (session.get(User, admin.id).role, session.get(User, admin.id).is_active) == ("admin", True)


@pytest.mark.parametrize("action", ["demote", "deactivate"])
def test_an_admin_cannot_demote_or_deactivate_themselves_even_with_other_admins(session, action):
    ann, bea = make(session, "ann", Role.ADMIN), make(session, "bea", Role.ADMIN)
    with pytest.raises(Conflict, match="You cannot .* yourself: ask another admin"):
        if action == "demote":
            users.change_role(session=session, actor_id=ann.id, user_id=ann.id, role="viewer")
        else:
            users.set_active(session=session, actor_id=ann.id, user_id=ann.id, active=False)
    # ... but the other admin may, and then the demoted one can no longer touch the last admin.
    users.change_role(session=session, actor_id=bea.id, user_id=ann.id, role="viewer")
    with pytest.raises(PermissionDenied):
        users.change_role(session=session, actor_id=ann.id, user_id=bea.id, role="viewer")
    session.expire_all()
    assert session.get(User, bea.id).role == "admin"


def test_an_admin_may_keep_their_own_role(session):
    admin = make(session, "ann", Role.ADMIN)
    assert users.change_role(session=session, actor_id=admin.id, user_id=admin.id, role="admin").role == "admin"


def test_deactivating_ends_every_session_and_login_until_reactivated(session):
    admin, bob = make(session, "ann", Role.ADMIN), make(session, "bob", Role.MARKETER)
    _, token = users.login(session=session, email=bob.email, password=PASSWORD)
    users.login(session=session, email=bob.email, password=PASSWORD)
    users.set_active(session=session, actor_id=admin.id, user_id=bob.id, active=False)
    assert session.exec(select(UserSession).where(UserSession.user_id == bob.id)).all() == []
    with pytest.raises(AuthenticationFailed):
        users.user_for_session(session=session, token=token)
    with pytest.raises(AuthenticationFailed):
        users.authenticate(session=session, email=bob.email, password=PASSWORD)

    users.set_active(session=session, actor_id=admin.id, user_id=bob.id, active=True)
    assert users.authenticate(session=session, email=bob.email, password=PASSWORD).id == bob.id


def test_an_admin_deactivates_another_admin(session):
    ann, bea = make(session, "ann", Role.ADMIN), make(session, "bea", Role.ADMIN)
    users.set_active(session=session, actor_id=ann.id, user_id=bea.id, active=False)
    session.expire_all()
    assert session.get(User, bea.id).is_active is False


def test_two_admins_demoting_each_other_at_once_leave_one_admin(engine):
    """Without the lock both would read "two admins" and both demotions would pass."""
    for _ in range(5):
        with Session(engine) as session:
            session.exec(UserSession.__table__.delete())
            session.exec(User.__table__.delete())
            session.commit()
            ann, bea = make(session, "ann", Role.ADMIN), make(session, "bea", Role.ADMIN)
            ids = (ann.id, bea.id)
        start = threading.Barrier(2)
        outcomes: list[str] = []

        def demote(actor: int, target: int, start=start, outcomes=outcomes) -> None:
            with Session(engine) as session:
                start.wait()
                try:
                    users.change_role(session=session, actor_id=actor, user_id=target, role="viewer")
                    outcomes.append("demoted")
                except PermissionDenied:
                    outcomes.append("refused")

        threads = [threading.Thread(target=demote, args=ids), threading.Thread(target=demote, args=ids[::-1])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["demoted", "refused"]
        with Session(engine) as session:
            assert len(session.exec(select(User).where(User.role == "admin")).all()) == 1
