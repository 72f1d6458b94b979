"""Users change their own password; an admin's reset gives a one-time password that must be
replaced at the next login. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from campaign_dashboard.models import Role, User, UserSession
from campaign_dashboard.services.accounts import users
from campaign_dashboard.services.errors import AuthenticationFailed, Conflict, PermissionDenied, ValidationFailed

PASSWORD = "correct horse battery"
NEW = "a brand new passphrase"


def make(session, name: str, role: Role = Role.MARKETER) -> User:
    return users.create_user(
        session=session, email=f"{name}@example.com", name=name.title(), password=PASSWORD, role=role
    )


def sessions_of(session, user: User) -> int:
    session.expire_all()
    return len(session.exec(select(UserSession).where(UserSession.user_id == user.id)).all())


def test_a_user_changes_their_password_and_their_other_sessions_end(session):
    ann = make(session, "ann")
    here = users.create_session(session=session, user=ann)
    users.create_session(session=session, user=ann)  # another browser, maybe not Ann's
    users.change_password(
        session=session, user_id=ann.id, current_password=PASSWORD, new_password=NEW, keep_session=here
    )
    assert sessions_of(session, ann) == 1
    assert users.user_for_session(session=session, token=here).id == ann.id
    assert users.authenticate(session=session, email="ann@example.com", password=NEW).id == ann.id
    with pytest.raises(AuthenticationFailed):
        users.authenticate(session=session, email="ann@example.com", password=PASSWORD)


@pytest.mark.parametrize(
    "current, new, field, words",
    [
        ("not my password", NEW, "current_password", "is not right"),
        ("", NEW, "current_password", "is not right"),
        (PASSWORD, "short", "new_password", "needs at least 8 characters"),
        (PASSWORD, PASSWORD, "new_password", "must differ from the current password"),
        (PASSWORD, "Ann@Example.com", "new_password", "cannot be your email address"),
        (PASSWORD, "x" * 1001, "new_password", "may have at most 1000 characters"),
    ],
)
def test_a_refused_change_names_the_field_and_changes_nothing(session, current, new, field, words):
    ann = make(session, "ann")
    users.create_session(session=session, user=ann)
    with pytest.raises(ValidationFailed) as refused:
        users.change_password(session=session, user_id=ann.id, current_password=current, new_password=new)
    assert refused.value.details == [{"field": field, "message": words}]
    assert users.password_problem_code(refused.value) is not None
    assert users.authenticate(session=session, email="ann@example.com", password=PASSWORD).id == ann.id
    assert sessions_of(session, ann) == 1


def test_an_admin_reset_gives_a_one_time_password_that_must_be_changed(session):
    admin, ann = make(session, "root", Role.ADMIN), make(session, "ann")
    users.create_session(session=session, user=ann)
    user, temporary = users.reset_password(session=session, actor_id=admin.id, user_id=ann.id)
    assert len(temporary) >= 16 and user.must_change_password
    assert sessions_of(session, ann) == 0  # whoever was signed in as Ann is out
    with pytest.raises(AuthenticationFailed):
        users.authenticate(session=session, email="ann@example.com", password=PASSWORD)
    signed_in = users.authenticate(session=session, email="ann@example.com", password=temporary)
    assert signed_in.must_change_password
    users.change_password(session=session, user_id=ann.id, current_password=temporary, new_password=NEW)
    session.refresh(ann)
    assert not ann.must_change_password and ann.password_changed_at is not None


def test_only_an_active_admin_resets_and_never_their_own(session):
    admin, ann, bob = make(session, "root", Role.ADMIN), make(session, "ann"), make(session, "bob")
    with pytest.raises(PermissionDenied):
        users.reset_password(session=session, actor_id=ann.id, user_id=bob.id)
    with pytest.raises(Conflict, match="your account page"):
        users.reset_password(session=session, actor_id=admin.id, user_id=admin.id)
    assert users.authenticate(session=session, email="bob@example.com", password=PASSWORD).id == bob.id


def test_the_console_reset_is_the_way_back_in_when_no_admin_can_sign_in(session):
    admin = make(session, "root", Role.ADMIN)
    user, temporary = users.reset_password_from_console(session=session, email="ROOT@example.com")
    assert user.id == admin.id and user.must_change_password
    assert users.authenticate(session=session, email="root@example.com", password=temporary).id == admin.id
